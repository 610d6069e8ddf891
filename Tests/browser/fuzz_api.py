"""Fuzzes siemd's API from its own /openapi.json with schemathesis, bounded in examples and time:
fails on any 5xx, on a response body that does not match its documented schema, or on an
undocumented content type. Starts its own siemd on loopback (see siemd_server.py)."""

import os
import subprocess
import sys
from pathlib import Path

from siemd_server import REPO, Siemd


def main() -> int:
    server = Siemd()
    try:
        schemathesis = Path(sys.executable).with_name("schemathesis")
        command = [
            str(schemathesis), "run", f"{server.base_url}/openapi.json",
            "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", os.environ.get("FUZZ_MAX_EXAMPLES", "25"),
            "--max-time", os.environ.get("FUZZ_MAX_TIME", "120"),
            "--request-timeout", "10",
            "--workers", "1",  # 2 workers hit a hypothesis-internal race ("AST constructor recursion depth mismatch")
            "--seed", os.environ.get("FUZZ_SEED", "8"),
            "--generation-database", "none",
            "--report-dir", str(REPO / "artifacts" / "schemathesis"),
            "--report", "junit",
            "--no-color",
        ]
        print("+", " ".join(command), flush=True)
        result = subprocess.run(command, cwd=REPO, timeout=int(os.environ.get("FUZZ_MAX_TIME", "120")) + 120)
        if result.returncode != 0:
            print(f"siemd log: {server.log_path}", flush=True)
            print(server.log_path.read_text()[-4000:], flush=True)
        return result.returncode
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
