#!/usr/bin/env bash
# End-to-end throughput of `siem-agent tail` into a local release siemd.
#
#   scripts/bench-tail.sh [LINES]        (default 200000)
#
# Builds both executables in release, writes LINES sshd-style lines (~90 bytes) to a fresh file,
# starts siemd on a free loopback port with a fresh database, starts the agent on the file and
# times from the agent's start until siemd's /health counts every line. Prints lines/s.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-200000}
swift build -c release --product siemd >/dev/null
swift build -c release --product siem-agent >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
trap 'kill $agent $siemd 2>/dev/null || true; rm -rf "$work"' EXIT

seq 1 "$lines" | sed 's/.*/Nov 29 09:00:00 bench sshd[123]: Accepted password for alice from 10.0.0.5 port & ssh2/' \
  > "$work/bench.log"

"$bin/siemd" --host 127.0.0.1 --port 0 --db "$work/siem.sqlite3" 2> "$work/siemd.log" &
siemd=$!
port=""
for _ in $(seq 1 300); do
  port=$(grep -oE 'http.port=[0-9]+' "$work/siemd.log" | head -1 | cut -d= -f2 || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/siemd.log"; exit 1; }

count() { curl -s "http://127.0.0.1:$port/health" | sed -E 's/.*"events":([0-9]+).*/\1/'; }
start=$(date +%s.%N)
"$bin/siem-agent" tail --file "$work/bench.log" --endpoint "http://127.0.0.1:$port/ingest" \
  --state "$work/state.json" 2> "$work/agent.log" &
agent=$!
while [ "$(count)" -lt "$lines" ]; do sleep 0.05; done
end=$(date +%s.%N)
awk -v n="$lines" -v s="$start" -v e="$end" \
  'BEGIN { printf "%d lines in %.2f s: %.0f lines/s end to end (tail -> siemd -> SQLite)\n", n, e - s, n / (e - s) }'
