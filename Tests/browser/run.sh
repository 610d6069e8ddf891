#!/usr/bin/env bash
# Runs the browser tests (headless Chromium + Selenium) against a siemd they start on loopback.
# SIEMD=path/to/siemd picks the binary (default .build/debug/siemd, built when missing);
# VENV picks the virtualenv (default .venv-browser); screenshots go to artifacts/browser/.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-.venv-browser}"
if [ -z "${SIEMD:-}" ]; then
  [ -x .build/debug/siemd ] || swift build --product siemd
  export SIEMD="$PWD/.build/debug/siemd"
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q -r Tests/browser/requirements.txt
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider Tests/browser "$@"
