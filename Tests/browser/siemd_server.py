"""Starts a real siemd on a loopback port with a temporary database, for the browser tests and the
API fuzzing. The port is siemd's own choice (port 0), read from its log line `http.port=N`."""

import json
import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def siemd_path() -> Path:
    explicit = os.environ.get("SIEMD")
    if explicit:
        return Path(explicit)
    for configuration in ("debug", "release"):
        candidate = REPO / ".build" / configuration / "siemd"
        if candidate.exists():
            return candidate
    raise FileNotFoundError("no siemd binary: run `swift build --product siemd` or set SIEMD")


class Siemd:
    def __init__(self, environment=None, rules=None):
        """`rules`: the rules files and folders (comma-separated), default rules/default.yml."""
        self.directory = tempfile.TemporaryDirectory(prefix="siem-browser-")
        self.log_path = Path(self.directory.name) / "siemd.log"
        env = dict(os.environ)
        env.update(environment or {})
        # With SIEM_API_KEY set, `request` authenticates with it.
        self.api_key = (environment or {}).get("SIEM_API_KEY")
        self.process = subprocess.Popen(
            [str(siemd_path()), "--host", "127.0.0.1", "--port", "0",
             "--db", str(Path(self.directory.name) / "siem.sqlite3"), "--rules", str(rules or REPO / "rules" / "default.yml")],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.port = None
        deadline = time.monotonic() + 60
        log = self.log_path.open("w")
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            log.write(line)
            match = re.search(r"http\.port=(\d+)", line)
            if match:
                self.port = int(match.group(1))
                break
        if self.port is None:
            self.process.kill()
            log.close()
            raise RuntimeError(f"siemd did not start; log: {self.log_path.read_text()}")

        def drain():  # keep reading so siemd never blocks on a full pipe
            for rest in self.process.stderr:
                log.write(rest)
                log.flush()
            log.close()

        threading.Thread(target=drain, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, content_type="application/json", headers=None):
        data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
        if isinstance(data, str):
            data = data.encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("content-type", content_type)
        if self.api_key and not any(name.lower() in ("authorization", "x-api-key") for name in (headers or {})):
            request.add_header("x-api-key", self.api_key)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, text.decode(errors="replace")

    def ingest(self, *events):
        status, body = self.request("POST", "/ingest", list(events))
        assert status == 200, f"ingest failed: {status} {body}"
        return body

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.directory.cleanup()
