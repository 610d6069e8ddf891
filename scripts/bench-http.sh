#!/usr/bin/env bash
# HTTP ingest figures against a release siemd on loopback (fresh temporary database, default rules).
#   scripts/bench-http.sh [connections] [seconds]
# Needs wrk (apt-get install wrk). Prints: GET /health req/s, single-event POST /ingest req/s,
# and NDJSON bulk events/s (1,000-event bodies from 4 concurrent clients).
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-16}
seconds=${2:-10}
swift build -c release --product siemd >/dev/null
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
.build/release/siemd --port "$port" --db "$work/siem.sqlite3" 2>"$work/siemd.log" &
pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
url="http://127.0.0.1:$port"

cat >"$work/single.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/ingest", nil, string.format(
    '{"source":"syslog","host":"web%d","message":"Failed password for invalid user admin from 10.0.%d.%d port 53422 ssh2","fields":{"program":"sshd"}}',
    n % 50, n % 250, math.floor(n / 250) % 250))
end
LUA
python3 - "$work/bulk.ndjson" <<'PY'
import json, sys
with open(sys.argv[1], "w") as out:
    for i in range(1000):
        out.write(json.dumps({"source": "file", "host": f"web{i % 50}", "message":
            f'203.0.{i % 250}.{i // 250} - - [29/Nov/2026:09:00:00 +0000] "GET /index.php?id={i} HTTP/1.1" 200 512 "-" "Mozilla/5.0"',
            "fields": {"log_type": "web", "seq": i}}) + "\n")
PY
cat >"$work/bulk.lua" <<LUA
wrk.method = "POST"
wrk.path = "/ingest"
wrk.headers["content-type"] = "application/x-ndjson"
local f = io.open("$work/bulk.ndjson", "rb"); wrk.body = f:read("*a"); f:close()
LUA

rate() { tee -a "$work/wrk.log" | awk '/Non-2xx/ {bad=1} /Requests\/sec/ {r=int($2)} END {if (bad) print "ERRORS"; else print r}'; }
health=$(wrk -t2 -c"$connections" -d"${seconds}s" "$url/health" | rate)
single=$(wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/single.lua" "$url" | rate)
bulk=$(wrk -t1 -c4 -d"${seconds}s" -s "$work/bulk.lua" "$url" | rate)
echo "GET /health:               $health req/s ($connections connections)"
ratio=$(awk -v s="$single" -v h="$health" 'BEGIN { if (s ~ /^[0-9]+$/ && h > 0) printf "%.2fx /health", s / h; else print "n/a" }')
echo "POST /ingest single event: $single req/s ($connections connections) = $ratio"
echo "POST /ingest NDJSON bulk:  $([ "$bulk" = ERRORS ] && echo ERRORS || echo $((bulk * 1000))) events/s (1,000 events per request, 4 connections)"
echo "stored: $(curl -fsS "$url/health")"
