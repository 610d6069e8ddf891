#!/usr/bin/env bash
# Ingest through the shippers' protocols against our own, side by side in one run, on a release
# siemd on loopback (fresh temporary database, default rules):
#   scripts/bench-shippers.sh [seconds per round] [rounds]
# The same 1,000 web-log documents per request, from 4 connections (wrk), in alternating rounds:
# POST /ingest NDJSON, POST /_bulk (Elasticsearch bulk), POST /services/collector/event (Splunk
# HEC). Prints each protocol's median events/s and its ratio to /ingest. Needs wrk.
# SIEMD=path/to/release/siemd skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
rounds=${2:-3}
if [ -z "${SIEMD:-}" ]; then
  swift build -c release --product siemd >/dev/null
  SIEMD=.build/release/siemd
fi
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
SIEM_API_KEY=bench-key-0123456789 "$SIEMD" --port "$port" --db "$work/siem.sqlite3" 2>"$work/siemd.log" &
pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
url="http://127.0.0.1:$port"

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
docs = [{"host": f"web{i % 50}", "@timestamp": "2026-11-29T09:00:00Z", "message":
         f'203.0.{i % 250}.{i // 250} - - [29/Nov/2026:09:00:00 +0000] "GET /index.php?id={i} HTTP/1.1" 200 512 "-" "Mozilla/5.0"',
         "log_type": "web", "seq": i} for i in range(1000)]
with open(f"{work}/ingest.body", "w") as out:
    for doc in docs:
        out.write(json.dumps(dict(doc, source="web")) + "\n")
with open(f"{work}/bulk.body", "w") as out:
    for doc in docs:
        out.write('{"index":{"_index":"web"}}\n' + json.dumps(doc) + "\n")
with open(f"{work}/hec.body", "w") as out:
    for doc in docs:
        event = {k: v for k, v in doc.items() if k not in ("host", "@timestamp")}
        out.write(json.dumps({"time": 1795942800, "host": doc["host"], "source": "web", "event": event}) + "\n")
PY
script() {  # name path content-type auth-header
  cat >"$work/$1.lua" <<LUA
wrk.method = "POST"
wrk.path = "$2"
wrk.headers["content-type"] = "$3"
wrk.headers["authorization"] = "$4"
local f = io.open("$work/$1.body", "rb"); wrk.body = f:read("*a"); f:close()
LUA
}
script ingest /ingest application/x-ndjson "Bearer bench-key-0123456789"
script bulk /_bulk application/x-ndjson "ApiKey $(printf 'bench:bench-key-0123456789' | base64)"
script hec /services/collector/event application/json "Splunk bench-key-0123456789"

rate() { tee -a "$work/wrk.log" | awk '/Non-2xx/ {bad=1} /Requests\/sec/ {r=$2} END {if (bad) print "ERRORS"; else printf "%d\n", r * 1000}'; }
declare -A results
for round in $(seq "$rounds"); do
  for name in ingest bulk hec; do
    results[$name]+="$(wrk -t1 -c4 -d"${seconds}s" -s "$work/$name.lua" "$url" | rate) "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (a[int((NR+1)/2)] ~ /^[0-9]+$/) ? a[int((NR+1)/2)] : "ERRORS"}'; }
base=$(echo "${results[ingest]}" | median)
for name in ingest bulk hec; do
  value=$(echo "${results[$name]}" | median)
  ratio=$(awk -v v="$value" -v b="$base" 'BEGIN { if (v ~ /^[0-9]+$/ && b > 0) printf "%.2fx", v / b; else print "n/a" }')
  printf '%-8s %8s events/s (rounds: %s) = %s /ingest\n' "$name" "$value" "${results[$name]% }" "$ratio"
done
echo "stored: $(curl -fsS -H 'x-api-key: bench-key-0123456789' "$url/health")"
