"""A real rsyslogd forwarding syslog over its omelasticsearch module (bulk mode, HTTP Basic auth) to
siemd's `_bulk`. rsyslogd runs in the foreground as this test's child, with its own configuration,
pid file and work directory in a temporary folder: no system socket, kernel log or spool is used."""

import socket
import subprocess
import time

import pytest

from conftest import API_KEY, require_program
from siemd_server import Siemd

USER = "rsyslog"
PASSWORD = "rsyslog-test-password-0123456789"
HOSTS = ["web-1", "db-1", "mail-1", "fw-1"]
COUNT = 120

CONFIG = """\
global(workDirectory="{work}" maxMessageSize="64k")
module(load="imtcp")
module(load="omelasticsearch")

template(name="siem-json" type="list") {{
  constant(value="{{\\"@timestamp\\":\\"")
  property(name="timereported" dateFormat="rfc3339")
  constant(value="\\",\\"host\\":\\"")
  property(name="hostname" format="json")
  constant(value="\\",\\"message\\":\\"")
  property(name="msg" format="json" droplastlf="on")
  constant(value="\\",\\"program\\":\\"")
  property(name="programname" format="json")
  constant(value="\\",\\"severity\\":\\"")
  property(name="syslogseverity-text")
  constant(value="\\"}}")
}}

ruleset(name="to-siem") {{
  action(type="omelasticsearch" server="127.0.0.1" serverport="{siemd_port}" searchIndex="syslog"
         bulkmode="on" template="siem-json" uid="{user}" pwd="{password}" errorFile="{errors}"
         queue.type="LinkedList" queue.size="10000" queue.dequeueBatchSize="50" queue.timeoutShutdown="5000"
         action.resumeRetryCount="-1" action.resumeInterval="1")
}}

input(type="imtcp" port="{port}" address="127.0.0.1" ruleset="to-siem")

# rsyslogd's own messages (the default ruleset) go to a file, for the test's failure output.
*.* action(type="omfile" file="{internal}")
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds, message):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(message())


def syslog_line(number):
    """RFC 5424 with a full timestamp, so the event time can be checked exactly."""
    host = HOSTS[number % len(HOSTS)]
    stamp = f"2026-11-29T09:{number // 60:02d}:{number % 60:02d}.{number % 1000:03d}Z"
    return f"<86>1 {stamp} {host} sshd {1000 + number} - - Accepted publickey for user{number} from 10.1.2.{number % 250}\n"


@pytest.fixture
def basic_siemd():
    server = Siemd({"SIEM_API_KEY": API_KEY, "SIEM_BASIC_USER": USER, "SIEM_BASIC_PASS": PASSWORD})
    yield server
    server.stop()


def test_omelasticsearch_bulk_delivers_every_line_once(basic_siemd, tmp_path):
    rsyslogd = require_program("rsyslogd")
    work = tmp_path / "work"
    work.mkdir()
    port = free_port()
    config = tmp_path / "rsyslog.conf"
    config.write_text(CONFIG.format(
        work=work, siemd_port=basic_siemd.port, user=USER, password=PASSWORD, errors=tmp_path / "es-errors.json",
        port=port, internal=tmp_path / "rsyslogd.log"))
    process = subprocess.Popen(
        [rsyslogd, "-n", "-f", str(config), "-i", str(tmp_path / "rsyslogd.pid")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def output():
        internal = tmp_path / "rsyslogd.log"
        errors = tmp_path / "es-errors.json"
        return "\n".join([
            f"rsyslogd internal log: {internal.read_text() if internal.exists() else '(none)'}",
            f"omelasticsearch errors: {errors.read_text() if errors.exists() else '(none)'}",
            f"siemd log tail: {basic_siemd.log_path.read_text()[-3000:]}",
        ])

    try:
        def listening():
            assert process.poll() is None, f"rsyslogd exited: {process.stdout.read()}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return False

        wait_for(listening, 30, lambda: "rsyslogd did not listen\n" + output())
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            for number in range(COUNT):
                connection.sendall(syslog_line(number).encode())

        def events():
            status, body = basic_siemd.request("GET", "/events?source=syslog&limit=1000")
            assert status == 200, body
            return body["items"]

        wait_for(lambda: len(events()) >= COUNT, 60,
                 lambda: f"{len(events())} of {COUNT} lines arrived\n" + output())
        time.sleep(1)  # anything sent twice would arrive by now
        stored = events()
        assert len(stored) == COUNT, output()
        by_user = {}
        for event in stored:
            user = event["message"].split(" for ")[1].split()[0]
            assert user not in by_user, f"{user} stored twice"
            by_user[user] = event
        for number in range(COUNT):
            event = by_user[f"user{number}"]
            assert event["host"] == HOSTS[number % len(HOSTS)]
            assert event["ts"] == f"2026-11-29T09:{number // 60:02d}:{number % 60:02d}.{number % 1000:03d}Z"
            assert event["message"] == f"Accepted publickey for user{number} from 10.1.2.{number % 250}"
            assert event["fields"]["program"] == "sshd"
            assert event["fields"]["severity"] == "info"
        # The pipeline read the sshd lines as such: the usual normalized keys are there.
        assert any(event["normalized"] for event in stored), stored[0]
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
