#!/usr/bin/env bash
# HTTP ingest figures on loopback, side by side in one run: a release siemd (fresh temporary
# database, rules/default.yml), the FastAPI peer (scripts/fastapi-peer: the reference MVP's stack)
# and the honest SQLite ceiling (`siem-bench ceiling`, the C API into the minimal schema).
#
#   scripts/bench-http.sh [--sigma] [--peer-workers N] [connections] [seconds]
#
# Defaults: 64 connections, 10 s per wrk run. Prints GET /health req/s, single-event POST /ingest
# req/s for siemd and the peer, NDJSON bulk events/s (1,000-event bodies from 4 connections), the
# ceiling rows/s for the same bulk rows, and the ratios the performance targets are about.
#   --sigma            also start siemd with every shipped SigmaHQ rule (rules/sigma/sigmahq and
#                      rules/sigma/config.yml) and report its bulk ÷ ceiling (or SIGMA=1)
#   --peer-workers N   also measure the peer under uvicorn --workers N (or PEER_WORKERS=N)
# Environment:
#   SCRATCH=DIR        SwiftPM scratch path for the release build (default .build)
#   SIEMD=BIN SIEM_BENCH=BIN  prebuilt binaries (skip the build; compare two builds this way)
#   PEER_VENV=DIR      the peer's virtualenv (default ${XDG_CACHE_HOME:-$HOME/.cache}/swift-siem/fastapi-venv;
#                      created with pip install -r scripts/fastapi-peer/requirements.txt when missing)
#   CEILING_EVENTS=N   rows for the ceiling (default 200000)
# Needs wrk (apt-get install wrk), python3 (with venv) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

sigma=${SIGMA:-0}
peer_workers=${PEER_WORKERS:-1}
positional=()
while [ $# -gt 0 ]; do
    case $1 in
        --sigma) sigma=1 ;;
        --peer-workers) peer_workers=$2; shift ;;
        --peer-workers=*) peer_workers=${1#*=} ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) positional+=("$1") ;;
    esac
    shift
done
connections=${positional[0]:-64}
seconds=${positional[1]:-10}
ceiling_events=${CEILING_EVENTS:-200000}
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "bench-http: $tool is missing${tool/wrk/ (apt-get install -y wrk)}" >&2; exit 1; }
done

# Binaries: the given ones, else a release build into SCRATCH.
scratch=${SCRATCH:-.build}
for product in siemd siem-bench; do
    var=$([ "$product" = siemd ] && echo SIEMD || echo SIEM_BENCH)
    if [ -z "${!var:-}" ]; then
        echo "building $product (release, scratch $scratch)..." >&2
        swift build -c release --product "$product" --scratch-path "$scratch" >&2
        printf -v "$var" '%s' "$scratch/release/$product"
    fi
    [ -x "${!var}" ] || { echo "bench-http: $var=${!var} is not an executable" >&2; exit 1; }
done
siemd_bin=$(cd "$(dirname "$SIEMD")" && pwd)/$(basename "$SIEMD")
bench_bin=$(cd "$(dirname "$SIEM_BENCH")" && pwd)/$(basename "$SIEM_BENCH")

# The peer's virtualenv, reused while its requirements are unchanged.
peer_dir=$root/scripts/fastapi-peer
venv=${PEER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/swift-siem/fastapi-venv}
if ! cmp -s "$peer_dir/requirements.txt" "$venv/requirements.txt" 2>/dev/null \
    || ! "$venv/bin/python" -c 'import fastapi, uvicorn' 2>/dev/null; then
    echo "creating the peer's virtualenv in $venv..." >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$peer_dir/requirements.txt" >&2
    cp "$peer_dir/requirements.txt" "$venv/requirements.txt"
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
peer_port=$((port + 1))
wait_up() { for _ in $(seq 300); do curl -fsS "$1/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "bench-http: $1 did not come up; log:" >&2; cat "$2" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
health() { curl -fsS "$1/health"; }

# siemd with the given rules on a fresh database; sets siemd_pid and url.
start_siemd() {
    local name=$1 rules=$2
    SIEM_SIGMA_CONFIG=$root/rules/sigma/config.yml "$siemd_bin" --port "$port" --db "$work/$name.sqlite3" \
        --rules "$rules" 2>"$work/$name.log" &
    siemd_pid=$!
    pids+=("$siemd_pid")
    url="http://127.0.0.1:$port"
    wait_up "$url" "$work/$name.log"
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# Waits until siemd's background indexer has caught up (so it does not steal the next run's CPU);
# prints the seconds it took.
index_settle() {
    local begin pending
    begin=$(date +%s.%N)
    for _ in $(seq 1200); do
        pending=$(health "$1" | json 'd.get("index", {}).get("pending", 0)')
        [ "$pending" = 0 ] && break
        sleep 0.05
    done
    awk -v b="$begin" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - b }'
}

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

# One wrk run; sets rps (requests/s) and completed (completed requests); records any non-2xx responses
# or socket errors in problems.
problems=()
run_wrk() {
    local label=$1 out
    shift
    out=$(wrk --timeout 10s "$@")
    echo "== $label: wrk $*" >>"$work/wrk.log"
    echo "$out" >>"$work/wrk.log"
    rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
    completed=$(awk '/requests in/ { print $1 }' <<<"$out")
    if grep -q 'Non-2xx' <<<"$out"; then problems+=("$label: $(grep 'Non-2xx' <<<"$out" | xargs)"); fi
    if grep -q 'Socket errors' <<<"$out"; then problems+=("$label: $(grep 'Socket errors' <<<"$out" | xargs)"); fi
}
int() { awk -v x="$1" -v m="${2:-1}" 'BEGIN { printf "%.0f", x * m }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "n/a") print "n/a"; else if (r + 0 >= t) print "meets"; else print "BELOW" }'; }
# Checks a server stored at least what it acknowledged.
check_stored() {
    local label=$1 stored=$2 acked=$3
    if [ "$stored" -lt "$acked" ]; then problems+=("$label: stored $stored events, acknowledged $acked"); fi
    echo "$label stored $stored events (acknowledged $acked)"
}

# 1. The ceiling first, with nothing else running: same bulk rows, siemd's default sync (full).
ceiling_line=$("$bench_bin" ceiling --ndjson "$work/bulk.ndjson" --events "$ceiling_events" --sync full)
ceiling=$(awk '{ print $2 }' <<<"$ceiling_line")

# 2. siemd with the native default rules.
start_siemd siemd "$root/rules/default.yml"
rules_loaded=$(health "$url" | json 'd["rules"]')
run_wrk "siemd GET /health" -t2 -c"$connections" -d"${seconds}s" "$url/health"
health_rps=$rps
run_wrk "siemd POST /ingest single" -t2 -c"$connections" -d"${seconds}s" -s "$work/single.lua" "$url"
single_rps=$rps single_done=$completed
single_settle=$(index_settle "$url")
run_wrk "siemd POST /ingest bulk" -t1 -c4 -d"${seconds}s" -s "$work/bulk.lua" "$url"
bulk_rps=$rps bulk_done=$completed
bulk_settle=$(index_settle "$url")
siemd_health=$(health "$url")
siemd_stored=$(json 'd["events"]' <<<"$siemd_health")
stop "$siemd_pid"

# 3. The FastAPI peer (single uvicorn worker unless asked), same single-event body.
peer_url="http://127.0.0.1:$peer_port"
peer_rps=() peer_labels=()
for workers in 1 $([ "$peer_workers" -gt 1 ] && echo "$peer_workers"); do
    rm -f "$work"/peer.sqlite3*
    (cd "$peer_dir" && PEER_DB=$work/peer.sqlite3 exec "$venv/bin/uvicorn" app:app --host 127.0.0.1 \
        --port "$peer_port" --workers "$workers" --no-access-log --log-level warning) 2>"$work/peer.log" &
    peer_pid=$!
    pids+=("$peer_pid")
    wait_up "$peer_url" "$work/peer.log"
    run_wrk "peer POST /ingest single ($workers worker)" -t2 -c"$connections" -d"${seconds}s" -s "$work/single.lua" "$peer_url"
    peer_rps+=("$rps") peer_labels+=("$workers")
    peer_stored=$(health "$peer_url" | json 'd["events"]')
    check_stored "peer ($workers worker$([ "$workers" = 1 ] || echo s))" "$peer_stored" "$completed"
    stop "$peer_pid"
done

# 4. siemd with every shipped SigmaHQ rule as well (bulk only).
if [ "$sigma" = 1 ]; then
    start_siemd sigma "$root/rules/default.yml,$root/rules/sigma/sigmahq"
    sigma_rules=$(health "$url" | json 'd["rules"]')
    run_wrk "siemd+sigma POST /ingest bulk" -t1 -c4 -d"${seconds}s" -s "$work/bulk.lua" "$url"
    sigma_rps=$rps sigma_done=$completed
    sigma_settle=$(index_settle "$url")
    sigma_stored=$(health "$url" | json 'd["events"]')
    stop "$siemd_pid"
fi

bulk_events=$(int "$bulk_rps" 1000)
[ "$sigma" = 1 ] && sigma_events=$(int "$sigma_rps" 1000)
check_stored "siemd" "$siemd_stored" $((single_done + bulk_done * 1000))
[ "$sigma" = 1 ] && check_stored "siemd+sigma" "$sigma_stored" $((sigma_done * 1000))
echo
echo "siemd $siemd_bin ($rules_loaded rules), $connections connections, ${seconds}s per run"
echo "GET /health:                      $(int "$health_rps") req/s"
echo "POST /ingest single event:        $(int "$single_rps") req/s (index caught up ${single_settle}s after)"
for i in "${!peer_rps[@]}"; do
    echo "peer POST /ingest single event:   $(int "${peer_rps[$i]}") req/s (FastAPI + uvicorn, ${peer_labels[$i]} worker$([ "${peer_labels[$i]}" = 1 ] || echo s))"
done
echo "POST /ingest NDJSON bulk:         $bulk_events events/s (1,000 events per request, 4 connections; index caught up ${bulk_settle}s after)"
echo "honest ceiling, same bulk rows:   $ceiling rows/s (${ceiling_line#*rows/s (}"
[ "$sigma" = 1 ] && echo "POST /ingest NDJSON bulk + Sigma: $sigma_events events/s ($sigma_rules rules; index caught up ${sigma_settle}s after)"
echo
r=$(ratio "$single_rps" "$health_rps"); echo "single /ingest ÷ /health:  ${r}x (target >= 0.35x: $(verdict "$r" 0.35))"
for i in "${!peer_rps[@]}"; do
    r=$(ratio "$single_rps" "${peer_rps[$i]}")
    echo "siemd single ÷ peer (${peer_labels[$i]}w): ${r}x (target >= 10x: $(verdict "$r" 10))"
done
r=$(ratio "$bulk_events" "$ceiling"); echo "bulk ÷ ceiling:            ${r}x (target >= 1.0x: $(verdict "$r" 1.0))"
if [ "$sigma" = 1 ]; then
    r=$(ratio "$sigma_events" "$ceiling"); echo "bulk + Sigma ÷ ceiling:    ${r}x (target >= 0.8x: $(verdict "$r" 0.8))"
fi
echo "siemd /health at the end: $siemd_health"
if [ ${#problems[@]} -gt 0 ]; then
    echo
    echo "PROBLEMS:"
    printf '  %s\n' "${problems[@]}"
    exit 1
fi
