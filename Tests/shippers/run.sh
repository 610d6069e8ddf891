#!/usr/bin/env bash
# Runs the shipper tests: the real clients people already run (rsyslog's omelasticsearch, the
# official Python Elasticsearch client, the OpenTelemetry Python SDK's OTLP/HTTP exporter, a Splunk
# HEC client) against a siemd each test starts on loopback.
# SIEMD=path/to/siemd picks the binary (default .build/debug/siemd, built when missing);
# VENV picks the virtualenv (default .venv-shippers). rsyslog tests need Debian's rsyslog and
# rsyslog-elasticsearch (.ci/run installs them); without rsyslogd they are skipped unless
# SIEM_REQUIRE_SHIPPERS=1, which CI sets.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-.venv-shippers}"
if [ -z "${SIEMD:-}" ]; then
  [ -x .build/debug/siemd ] || swift build --product siemd
  export SIEMD="$PWD/.build/debug/siemd"
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q -r Tests/shippers/requirements.txt
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider Tests/shippers "$@"
