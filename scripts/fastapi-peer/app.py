"""The reference MVP's ingest path on its own stack: FastAPI + uvicorn, Python sqlite3 (WAL).

A benchmark peer for siemd, not a product: POST /ingest (one event object, as the reference
README sends it), GET /search?q= (LIKE, newest first), GET /health (with the stored count).
Run: uvicorn app:app --host 127.0.0.1 --port 8001 (PEER_DB names the database file).
See README.md for what it does and does not do.
"""

import json
import os
import re
import sqlite3
from datetime import datetime, timezone
from typing import Any, Optional

from fastapi import FastAPI, Query
from pydantic import BaseModel, Field

DB_PATH = os.environ.get("PEER_DB", "data/peer.sqlite3")

# IPv4 addresses in the message and in the field values, as the MVP stores them in events.ips.
IP_RE = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")

SCHEMA = """
CREATE TABLE IF NOT EXISTS events(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    received_at TEXT NOT NULL,
    source TEXT NOT NULL,
    host TEXT,
    agent_id TEXT,
    message TEXT NOT NULL,
    fields TEXT NOT NULL,
    ips TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_events_ts ON events(ts);
CREATE INDEX IF NOT EXISTS idx_events_agent_id ON events(agent_id);
"""


def connect() -> sqlite3.Connection:
    """A connection per request, as the MVP opens them (sqlite3 is not shared across threads)."""
    conn = sqlite3.connect(DB_PATH, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def init_db() -> None:
    directory = os.path.dirname(DB_PATH)
    if directory:
        os.makedirs(directory, exist_ok=True)
    conn = connect()
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
        conn.commit()
    finally:
        conn.close()


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def extract_ips(message: str, fields: dict[str, Any]) -> list[str]:
    seen: dict[str, None] = {}
    for text in (message, json.dumps(fields)):
        for ip in IP_RE.findall(text):
            seen.setdefault(ip, None)
    return list(seen)


class EventIn(BaseModel):
    source: str = "api"
    host: Optional[str] = None
    agent_id: Optional[str] = None
    message: str
    fields: dict[str, Any] = Field(default_factory=dict)
    ts: Optional[str] = None


app = FastAPI(title="SIEM MVP peer")
init_db()


@app.get("/health")
def health() -> dict[str, Any]:
    conn = connect()
    try:
        count = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()
    return {"status": "ok", "db": DB_PATH, "events": count}


@app.post("/ingest")
def ingest(event: EventIn) -> dict[str, Any]:
    received_at = now_iso()
    ips = extract_ips(event.message, event.fields)
    conn = connect()
    try:
        cursor = conn.execute(
            "INSERT INTO events(ts, received_at, source, host, agent_id, message, fields, ips)"
            " VALUES(?,?,?,?,?,?,?,?)",
            (
                event.ts or received_at,
                received_at,
                event.source,
                event.host,
                event.agent_id,
                event.message,
                json.dumps(event.fields),
                json.dumps(ips),
            ),
        )
        conn.commit()  # one commit per request: durable before the response
        event_id = cursor.lastrowid
    finally:
        conn.close()
    return {"ok": True, "event_id": event_id, "alerts": []}


@app.get("/search")
def search(
    q: str = "",
    agent_id: Optional[str] = None,
    ip: Optional[str] = None,
    limit: int = Query(50, ge=1, le=1000),
) -> dict[str, Any]:
    where, args = [], []
    if q:
        where.append("(message LIKE ? OR fields LIKE ?)")
        args += [f"%{q}%", f"%{q}%"]
    if agent_id:
        where.append("agent_id = ?")
        args.append(agent_id)
    if ip:
        where.append("ips LIKE ?")
        args.append(f'%"{ip}"%')
    sql = "SELECT * FROM events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    conn = connect()
    try:
        rows = conn.execute(sql, args).fetchall()
    finally:
        conn.close()
    items = []
    for row in rows:
        item = dict(row)
        item["fields"] = json.loads(item["fields"])
        item["ips"] = json.loads(item["ips"])
        items.append(item)
    return {"items": items, "count": len(items)}
