import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
from siemd_server import REPO, Siemd  # noqa: E402

API_KEY = "shipper-test-key-0123456789abcdef"


@pytest.fixture
def siemd():
    """A fresh siemd per test (so counts are exact), with an API key: shippers authenticate."""
    server = Siemd({"SIEM_API_KEY": API_KEY})
    yield server
    server.stop()


def require_program(name):
    """The path of `name`, or a skip (a failure when SIEM_REQUIRE_SHIPPERS=1, as in CI)."""
    path = shutil.which(name) or next(
        (candidate for candidate in (f"/usr/sbin/{name}", f"/sbin/{name}") if os.access(candidate, os.X_OK)), None)
    if path:
        return path
    message = f"{name} is not installed (apt-get install {name})"
    if os.environ.get("SIEM_REQUIRE_SHIPPERS") == "1":
        pytest.fail(message)
    pytest.skip(message)
