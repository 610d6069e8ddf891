"""Splunk HTTP Event Collector clients against siemd: requests as Splunk documents them (batched
events one after another, the raw endpoint, the `Authorization: Splunk` token) and PyPI's
`splunk-handler` logging handler."""

import json
import logging
import time
import uuid

from splunk_handler import SplunkHandler

from conftest import API_KEY

TOKEN = {"Authorization": f"Splunk {API_KEY}"}


def stored(siemd, query):
    status, body = siemd.request("GET", f"/events?{query}&limit=1000")
    assert status == 200, body
    return body["items"]


def post(siemd, path, body, headers=TOKEN, content_type="application/json"):
    return siemd.request("POST", path, body.encode(), content_type=content_type, headers=headers)


def test_batched_events_arrive_once_with_host_time_and_fields(siemd):
    base = 1764579600
    batch = "".join(json.dumps({
        "time": base + n + 0.5, "host": f"web{n % 3}", "source": "/var/log/nginx/access.log",
        "sourcetype": "nginx:plus:access", "index": "web",
        "event": f'203.0.113.{n} - - "GET /item/{n} HTTP/1.1" 200 512',
        "fields": {"datacenter": "eu-1", "request_number": n},
    }) + ("\n" if n % 2 else "") for n in range(60))
    assert post(siemd, "/services/collector/event", batch) == (200, {"text": "Success", "code": 0})

    events = stored(siemd, "source=/var/log/nginx/access.log")
    assert len(events) == 60
    numbers = sorted(event["fields"]["request_number"] for event in events)
    assert numbers == list(range(60)), "each event once"
    for event in events:
        n = event["fields"]["request_number"]
        assert event["host"] == f"web{n % 3}"
        assert event["ts"] == time.strftime("%Y-%m-%dT%H:%M:%S.500Z", time.gmtime(base + n))
        assert event["message"].startswith(f"203.0.113.{n} ")
        assert event["fields"]["sourcetype"] == "nginx:plus:access"
        assert event["fields"]["index"] == "web"
        assert event["fields"]["datacenter"] == "eu-1"


def test_event_objects_are_read_as_json_events(siemd):
    body = json.dumps({"event": {"message": "user logged in", "user": "alice", "action": "login"},
                       "host": "app1", "time": "1764579600"})
    assert post(siemd, "/services/collector", body)[0] == 200
    [event] = stored(siemd, "host=app1")
    assert event["message"] == "user logged in"
    assert event["source"] == "hec"
    assert event["fields"]["user"] == "alice"
    assert event["ts"] == "2025-12-01T09:00:00.000Z"


def test_raw_endpoint_takes_metadata_from_the_query(siemd):
    lines = "".join(f"Nov 29 09:00:{n:02d} fw1 kernel: DROP SRC=198.51.100.{n} DST=10.0.0.1\n" for n in range(20))
    status, body = post(siemd, "/services/collector/raw?channel=%s&host=fw1&sourcetype=linux:iptables&source=fw"
                        % uuid.uuid4(), lines + "\n\n", content_type="text/plain")
    assert (status, body) == (200, {"text": "Success", "code": 0})
    events = stored(siemd, "source=fw")
    assert sorted(event["message"] for event in events) == sorted(lines.splitlines())
    assert all(event["host"] == "fw1" and event["fields"]["sourcetype"] == "linux:iptables" for event in events)


def test_a_broken_event_stores_nothing(siemd):
    good = json.dumps({"event": "fine", "host": "broken-batch"})
    for body, code, number in [
        (good + good + json.dumps({"host": "broken-batch"}), 12, 2),
        (good + json.dumps({"event": "", "host": "broken-batch"}), 13, 1),
        (good + '{"event": "cut', 6, 1),
    ]:
        status, answer = post(siemd, "/services/collector/event", body)
        assert status == 400
        assert answer["code"] == code and answer["invalid-event-number"] == number, answer
    assert post(siemd, "/services/collector/event", "")[1] == {"text": "No data", "code": 5}
    assert stored(siemd, "host=broken-batch") == []


def test_tokens_are_checked_as_splunk_checks_them(siemd):
    body = json.dumps({"event": "x", "host": "token-test"})
    assert post(siemd, "/services/collector", body, headers={"Authorization": "Basic"}) == \
        (403, {"text": "Invalid token", "code": 4})
    assert post(siemd, "/services/collector", body, headers={"Authorization": "Splunk wrong"}) == \
        (403, {"text": "Invalid token", "code": 4})
    # The fixture's request helper adds the API key unless an Authorization header is given.
    siemd.api_key = None
    assert post(siemd, "/services/collector", body, headers={}) == (401, {"text": "Token is required", "code": 2})
    assert siemd.request("GET", "/services/collector/health", headers=TOKEN) == \
        (200, {"text": "HEC is healthy", "code": 17})


def test_splunk_handler_logging(siemd):
    handler = SplunkHandler(
        host="127.0.0.1", port=siemd.port, protocol="http", verify=False, token=API_KEY, index="main",
        source="python-app", sourcetype="python", hostname="worker-a", flush_interval=0.2, allow_overrides=True,
        timeout=10, retry_count=0)
    logger = logging.getLogger(f"hec-test-{uuid.uuid4()}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        base = 1764579600.0
        for n in range(30):
            logger.info("order %d shipped", n, extra={"_host": f"worker-{n % 2}", "_time": base + n})
        handler.wait_until_empty()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(stored(siemd, "source=python-app")) < 30:
            time.sleep(0.2)
    finally:
        handler.close()
        logger.removeHandler(handler)
    events = stored(siemd, "source=python-app")
    assert sorted(event["message"] for event in events) == sorted(f"order {n} shipped" for n in range(30))
    for event in events:
        n = int(event["message"].split()[1])
        assert event["host"] == f"worker-{n % 2}"
        assert event["ts"] == time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(base + n))
        assert event["fields"]["sourcetype"] == "python"
        assert event["fields"]["index"] == "main"
