#!/usr/bin/env bash
# Runs the README's walkthrough (the bash blocks between <!-- walkthrough --> and
# <!-- /walkthrough -->, in order, in one shell so their variables carry over) against a live
# siemd on a fresh temporary database, and checks every block's answers.
#   SIEMD=.build/debug/siemd scripts/readme-walkthrough.sh
# Needs jq and curl. Also checks that every file the README hands to curl or check-rules exists.
set -euo pipefail
cd "$(dirname "$0")/.."
siemd=${SIEMD:-.build/debug/siemd}
[ -x "$siemd" ] || { echo "no siemd at $siemd (build it, or set SIEMD)" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is required" >&2; exit 2; }

work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$pid" ] && wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT

# Files the README's commands read (`@file` bodies, `--events file`) must ship with the repository.
missing=0
for file in $(grep -oE -- '(--data-binary @|--events )[A-Za-z0-9_/-]*[.][A-Za-z0-9_./-]+' README.md | sed -E 's/^(--data-binary @|--events )//' | sort -u); do
  [ "$file" = "-" ] && continue
  if [ ! -f "$file" ]; then echo "README names $file, which does not exist" >&2; missing=1; fi
done
[ "$missing" = 0 ] || exit 1

# The walkthrough's blocks, one file each.
awk -v dir="$work" '
  /<!-- walkthrough -->/ { inside = 1; next }
  /<!-- \/walkthrough -->/ { inside = 0 }
  inside && /^```bash$/ { block++; file = sprintf("%s/block-%02d.sh", dir, block); capture = 1; next }
  capture && /^```$/ { capture = 0; close(file); next }
  capture { print > file }
' README.md
blocks=$(ls "$work"/block-*.sh 2>/dev/null | wc -l)

# One check per block, in order: a jq program over the block's answers (one JSON value per
# answer, slurped into an array). A README change that adds, removes or reorders blocks must
# update this list, so the walkthrough and its checks cannot drift apart.
checks=(
  # 1 ingest the SSH failure: two alerts
  '.[0].count == 1 and ([.[0].alerts[].rule_id] | sort) == ["ssh_failed_password", "ssh_invalid_user"]'
  # 2 alerts
  '(.[0].items | length) == 2'
  # 3 NDJSON
  '.[0].count == 2 and (.[0].ids | length) == 2'
  # 4 the EDR event from demo-agent
  '.[0].count == 1 and ([.[0].alerts[].rule_id] == ["edr_new_listening_socket"])'
  # 5 health and stats
  '.[0].status == "ok" and .[0].events == 4 and .[1].events == 4 and .[1].alerts == 3'
  # 6 query filters: each finds the demo-agent event or its alert
  'length == 5 and all(.[]; (.items | length) == 1)
     and .[0].items[0].agent_id == "demo-agent" and (.[1].items[0].ips | index("203.0.113.77")) != null
     and .[3].items[0].rule_id == "edr_new_listening_socket"'
  # 7 incident from an alert, with a note
  '.[0].note != null and .[1].status == "open" and (.[1].alert_ids | length) == 1
     and .[1].notes == ["SSH brute force from 10.0.0.5; blocking it"]'
  # 8 EDR: harmless action queued, dangerous one refused
  '.[0].status == "queued" and .[0].action_type == "collect_file_hash" and .[1].error == "not_allowed"'
)
if [ "$blocks" != "${#checks[@]}" ]; then
  echo "the README walkthrough has $blocks blocks and this script checks ${#checks[@]}; update the checks" >&2
  exit 1
fi

port=$((20000 + RANDOM % 20000))
"$siemd" --port "$port" --db "$work/siem.sqlite3" 2>"$work/siemd.log" &
pid=$!
for _ in $(seq 200); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { cat "$work/siemd.log" >&2; exit 1; }

# The blocks run in one shell, the README's address pointed at this siemd.
runner="$work/run.sh"
: >"$runner"
for index in $(seq 1 "$blocks"); do
  block=$(printf '%s/block-%02d.sh' "$work" "$index")
  sed "s#http://127.0.0.1:8000#http://127.0.0.1:$port#g" "$block" >"$block.live"
  printf 'exec >%q\nsource %q\n' "$block.out" "$block.live" >>"$runner"
done
bash -euo pipefail "$runner"

failed=0
for index in $(seq 1 "$blocks"); do
  out=$(printf '%s/block-%02d.sh.out' "$work" "$index")
  check=${checks[$((index - 1))]}
  if jq -es "$check" "$out" >/dev/null 2>&1; then
    echo "ok   block $index"
  else
    echo "FAIL block $index: $check" >&2
    sed 's/^/     /' "$out" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] && echo "README walkthrough: $blocks blocks, every answer as expected"
exit "$failed"
