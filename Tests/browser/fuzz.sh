#!/usr/bin/env bash
# Fuzzes the API from /openapi.json with schemathesis against a siemd it starts (bounded: see
# FUZZ_MAX_EXAMPLES, FUZZ_MAX_TIME in fuzz_api.py). Same SIEMD and VENV as run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-.venv-browser}"
if [ -z "${SIEMD:-}" ]; then
  [ -x .build/debug/siemd ] || swift build --product siemd
  export SIEMD="$PWD/.build/debug/siemd"
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q -r Tests/browser/requirements.txt
exec "$VENV/bin/python" Tests/browser/fuzz_api.py
