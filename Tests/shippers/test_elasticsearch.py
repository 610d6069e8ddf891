"""The official Python Elasticsearch client (8.x) against siemd's Elasticsearch-compatible API: its
product check, `info()`, `ping()`, and `helpers.bulk` of winlogbeat-like ECS documents."""

import base64
from datetime import datetime, timedelta, timezone

import pytest
from elasticsearch import AuthenticationException, Elasticsearch, helpers

from conftest import API_KEY

INDEX = "winlogbeat-test"
START = datetime(2026, 11, 29, 9, 0, 0, tzinfo=timezone.utc)


def client(siemd, **auth):
    return Elasticsearch(siemd.base_url, request_timeout=30, retry_on_timeout=False, max_retries=0, **auth)


def stored(siemd, source):
    """Every stored event of `source`, oldest first (paging through `next_cursor`)."""
    events, cursor = [], None
    while True:
        path = f"/events?source={source}&limit=1000" + (f"&cursor={cursor}" if cursor else "")
        status, body = siemd.request("GET", path)
        assert status == 200, body
        events += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return list(reversed(events))


def document(number):
    return {
        "_index": INDEX,
        "_source": {
            "@timestamp": (START + timedelta(seconds=number, milliseconds=250)).isoformat(),
            "host": {"name": f"dc{number % 5}", "os": {"family": "windows"}},
            "message": f"An account was successfully logged on. doc-{number}",
            "event": {"code": "4624", "provider": "Microsoft-Windows-Security-Auditing"},
            "winlog": {"record_id": number, "channel": "Security"},
            "user": {"name": f"user{number}"},
        },
    }


def test_info_ping_and_product_check(siemd):
    es = client(siemd, api_key=("winlogbeat", API_KEY))
    info = es.info()
    assert info["version"]["number"] == "8.11.0"
    assert info["cluster_name"] == "swift-siem"
    assert info["tagline"] == "You Know, for Search"
    assert es.ping()
    assert not client(siemd).ping(), "a client without credentials is refused"
    with pytest.raises(AuthenticationException):
        client(siemd, api_key=("winlogbeat", API_KEY + "x")).info()


def test_helpers_bulk_stores_every_document_once(siemd):
    es = client(siemd, api_key=("winlogbeat", API_KEY))
    total = 500
    success, errors = helpers.bulk(es, (document(n) for n in range(total)), chunk_size=200)
    assert (success, errors) == (total, [])

    events = stored(siemd, INDEX)
    assert len(events) == total
    by_record = {}
    for event in events:
        record = event["fields"]["winlog"]["record_id"]
        assert record not in by_record, f"document {record} stored twice"
        by_record[record] = event
    assert sorted(by_record) == list(range(total))
    for number, event in by_record.items():
        expected = (START + timedelta(seconds=number, milliseconds=250)).strftime("%Y-%m-%dT%H:%M:%S.250Z")
        assert event["host"] == f"dc{number % 5}"
        assert event["ts"] == expected
        assert event["source"] == INDEX
        assert event["message"].endswith(f"doc-{number}")
        assert event["fields"]["user"] == {"name": f"user{number}"}
        assert event["fields"]["event"]["code"] == "4624"
        assert event["fields"]["host"] == {"os": {"family": "windows"}}


def test_other_ways_to_pass_the_key(siemd):
    encoded = base64.b64encode(f"shipper:{API_KEY}".encode()).decode()
    ways = [{"api_key": encoded}, {"api_key": API_KEY}, {"headers": {"x-api-key": API_KEY}}, {"bearer_auth": API_KEY},
            {"api_key": API_KEY, "http_compress": True}]  # gzip bodies, as Beats and Logstash send by default
    for number, auth in enumerate(ways):
        es = client(siemd, **auth)
        assert helpers.bulk(es, [{"_index": "keys", "message": f"via {number}", "host": {"name": "h"}}]) == (1, [])
    assert sorted(event["message"] for event in stored(siemd, "keys")) == [f"via {n}" for n in range(len(ways))]


def test_refused_documents_are_reported_item_by_item(siemd):
    es = client(siemd, api_key=("winlogbeat", API_KEY))
    response = es.bulk(operations=[
        {"index": {"_index": "mixed"}}, {"message": "kept", "host": "a"},
        {"index": {"_index": "mixed", "_id": "bad"}}, {"message": "bad time", "@timestamp": "not a time"},
        {"delete": {"_index": "mixed", "_id": "1"}},
        {"create": {"_index": "mixed"}}, {"message": "also kept", "host": "b"},
    ])
    assert response["errors"] is True
    statuses = [(action, result["status"]) for item in response["items"] for action, result in item.items()]
    assert statuses == [("index", 201), ("index", 400), ("delete", 400), ("create", 201)]
    assert response["items"][1]["index"]["_id"] == "bad"
    assert response["items"][1]["index"]["error"]["type"] == "document_parsing_exception"
    with pytest.raises(helpers.BulkIndexError):
        helpers.bulk(es, [{"_index": "mixed", "message": "fine"}, {"_index": "mixed", "message": 5}])
    assert sorted(event["message"] for event in stored(siemd, "mixed")) == ["also kept", "fine", "kept"]
