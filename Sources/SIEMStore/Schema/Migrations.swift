/// Versioned schema changes, applied in order; `PRAGMA user_version` records the last one applied.
///
/// Append new migrations at the end; never edit one that has shipped.
public enum Migrations {
    public static let all: [String] = [
        // 1: events with their filter index and full-text index; alerts.
        """
        CREATE TABLE events(
            id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            source TEXT NOT NULL,
            host TEXT NOT NULL,
            agent_id TEXT,
            log_type TEXT,
            message TEXT NOT NULL,
            fields TEXT NOT NULL,
            normalized TEXT NOT NULL,
            ips TEXT NOT NULL
        );
        CREATE INDEX events_ts ON events(ts);
        CREATE INDEX events_host ON events(host, id);
        CREATE INDEX events_source ON events(source, id);
        CREATE INDEX events_agent ON events(agent_id, id) WHERE agent_id IS NOT NULL;
        -- One row per (key, value) an event can be filtered on: every IP (`ip`), and normalized
        -- keys. A filter is an index seek here, never a scan of events.
        CREATE TABLE event_terms(
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            event_id INTEGER NOT NULL,
            PRIMARY KEY(key, value, event_id)
        ) WITHOUT ROWID;
        -- Contentless: the text lives in events; rowid = events.id.
        CREATE VIRTUAL TABLE events_fts USING fts5(message, fields, content='', columnsize=0);
        CREATE TABLE alerts(
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES events(id),
            created_at INTEGER NOT NULL,
            rule_id TEXT NOT NULL,
            title TEXT NOT NULL,
            severity TEXT NOT NULL,
            description TEXT NOT NULL,
            tags TEXT NOT NULL,
            details TEXT NOT NULL,
            host TEXT NOT NULL,
            agent_id TEXT
        );
        CREATE INDEX alerts_event ON alerts(event_id);
        CREATE INDEX alerts_rule ON alerts(rule_id, id);
        CREATE INDEX alerts_severity ON alerts(severity, id);
        CREATE INDEX alerts_agent ON alerts(agent_id, id) WHERE agent_id IS NOT NULL;
        CREATE INDEX alerts_created ON alerts(created_at);
        """,
        // 2: EDR endpoints (tokens kept as SHA-256 hex only) and their response-action queue.
        """
        CREATE TABLE edr_endpoints(
            agent_id TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL,
            hostname TEXT NOT NULL,
            os TEXT NOT NULL,
            kernel TEXT NOT NULL,
            ips TEXT NOT NULL,
            agent_version TEXT NOT NULL,
            registered_at INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            isolated INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE INDEX edr_endpoints_seen ON edr_endpoints(last_seen);
        CREATE TABLE edr_actions(
            id INTEGER PRIMARY KEY,
            agent_id TEXT NOT NULL REFERENCES edr_endpoints(agent_id),
            action_type TEXT NOT NULL,
            params TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            leased_at INTEGER,
            lease_until INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            completed_at INTEGER,
            output TEXT,
            error TEXT
        );
        CREATE INDEX edr_actions_agent ON edr_actions(agent_id, id);
        CREATE INDEX edr_actions_open ON edr_actions(agent_id, status, id) WHERE status IN ('queued', 'leased');
        CREATE INDEX edr_actions_status ON edr_actions(status, id);
        """,
        // 3: threat-intel indicators; MDR incidents with their alerts, notes and timeline.
        """
        CREATE TABLE iocs(
            id INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            value TEXT NOT NULL,
            source TEXT NOT NULL,
            note TEXT NOT NULL,
            severity TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            expires_at INTEGER,
            hit_count INTEGER NOT NULL DEFAULT 0,
            last_hit_at INTEGER,
            UNIQUE(type, value)
        );
        CREATE INDEX iocs_source ON iocs(source, id);
        CREATE TABLE incidents(
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            severity TEXT NOT NULL,
            status TEXT NOT NULL,
            resolution TEXT,
            assigned_to TEXT,
            description TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            rule_id TEXT,
            group_key TEXT,
            last_alert_at INTEGER
        );
        CREATE INDEX incidents_status ON incidents(status, id);
        CREATE INDEX incidents_assigned ON incidents(assigned_to, id) WHERE assigned_to IS NOT NULL;
        CREATE INDEX incidents_group ON incidents(rule_id, group_key, id) WHERE group_key IS NOT NULL;
        CREATE TABLE incident_alerts(
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            linked_at INTEGER NOT NULL,
            PRIMARY KEY(incident_id, alert_id)
        ) WITHOUT ROWID;
        CREATE INDEX incident_alerts_alert ON incident_alerts(alert_id);
        CREATE TABLE incident_notes(
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            author TEXT NOT NULL,
            note TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX incident_notes_incident ON incident_notes(incident_id, id);
        CREATE TABLE incident_timeline(
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            field TEXT,
            old_value TEXT,
            new_value TEXT
        );
        CREATE INDEX incident_timeline_incident ON incident_timeline(incident_id, id);
        """,
        // 4: address keys (`source.ip`, …) share the `ip` index entry (`EventQuery.addressKeys`).
        """
        INSERT OR IGNORE INTO event_terms(key, value, event_id)
            SELECT 'ip', value, event_id FROM event_terms WHERE key IN ('source.ip', 'destination.ip', 'client.ip');
        DELETE FROM event_terms WHERE key IN ('source.ip', 'destination.ip', 'client.ip');
        """,
        // 5: the filter index moves from B-trees (event_terms, events_host/source/agent) to the
        // FTS5 table `event_keys` (see `EventKeys`); `backfills[4]` fills it from events.
        """
        CREATE VIRTUAL TABLE event_keys USING fts5(k, content='', columnsize=0, detail=none);
        DROP TABLE event_terms;
        DROP INDEX events_host;
        DROP INDEX events_source;
        DROP INDEX events_agent;
        """,
        // 6: the same for alerts' rule_id, severity and agent_id (`AlertKeys`; `backfills[5]`).
        """
        CREATE VIRTUAL TABLE alert_keys USING fts5(k, content='', columnsize=0, detail=none);
        DROP INDEX alerts_rule;
        DROP INDEX alerts_severity;
        DROP INDEX alerts_agent;
        """,
        // 7: the audit log of state changes. Append-only in the schema itself: updates and deletes
        // are refused, and so is an insert that would replace a row (REPLACE deletes without
        // firing delete triggers). A retention job will have to drop the delete trigger in its
        // own transaction (or get a dedicated path) to remove old rows.
        """
        CREATE TABLE audit_log(
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            role TEXT,
            address TEXT,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            status INTEGER NOT NULL,
            details TEXT NOT NULL DEFAULT '{}'
        );
        -- An actor's or an action's entries newest first: a seek, then the index in id order.
        CREATE INDEX audit_log_actor ON audit_log(actor, id);
        CREATE INDEX audit_log_action ON audit_log(action, id);
        -- A since..until window: a range on at, then a sort of that window by id.
        CREATE INDEX audit_log_at ON audit_log(at);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
        WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """,
        // 8: alerts carry their event's time (`ts`; NULL in older rows, read as `created_at`), and
        // the delivery positions of streams (a file as one agent follows it): per authenticated
        // identity and stream, the byte offset up to which every line is stored. Written in the
        // same transaction as the events, so a resent line is recognised and dropped.
        """
        ALTER TABLE alerts ADD COLUMN ts INTEGER;
        CREATE TABLE stream_positions(
            scope TEXT NOT NULL,
            stream TEXT NOT NULL,
            committed INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY(scope, stream)
        ) WITHOUT ROWID;
        """,
        // 9: threat-intel feeds (`SIEM_TI_FEEDS` and `POST /ti/feeds`) with their fetch state, and
        // which IOCs each lists. `owner` marks the feed whose values the IOC carries (it created
        // the IOC, or took it over); only an owner's dropping an IOC removes or expires it.
        """
        CREATE TABLE ti_feeds(
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            options TEXT NOT NULL,
            origin TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            etag TEXT,
            last_modified TEXT,
            added_after TEXT,
            last_attempt_at INTEGER,
            last_success_at INTEGER,
            last_error TEXT,
            ioc_count INTEGER NOT NULL DEFAULT 0,
            last_result TEXT
        );
        CREATE TABLE ti_feed_iocs(
            feed_id INTEGER NOT NULL REFERENCES ti_feeds(id) ON DELETE CASCADE,
            ioc_id INTEGER NOT NULL REFERENCES iocs(id) ON DELETE CASCADE,
            owner INTEGER NOT NULL,
            PRIMARY KEY(feed_id, ioc_id)
        ) WITHOUT ROWID;
        CREATE INDEX ti_feed_iocs_ioc ON ti_feed_iocs(ioc_id);
        """,
        // 10: alerts keep what their rule says of itself (`rule`: JSON of format, author,
        // references, false positives and file; NULL in older rows, read as a native rule), and
        // `alert_keys` also indexes each alert's tags and rule format (`backfills[9]` rebuilds it).
        """
        ALTER TABLE alerts ADD COLUMN rule TEXT;
        """,
        // 11: alerts that stand for many events (suppressed repeats, threshold and correlation
        // alerts: `count`, `first_seen`, `last_seen`, a sample of `event_ids`, the `grp` values
        // that group them, and every event behind them in `alert_events`), their triage (`status`,
        // `assigned_to`, `updated_at`), the key suppression folds repeats by, and the state of
        // open correlation windows (`correlation_state`, written in the commit of the events it
        // counted, so a restart resumes them). NULLs in older rows read as a one-event alert.
        """
        ALTER TABLE alerts ADD COLUMN kind TEXT;
        ALTER TABLE alerts ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE alerts ADD COLUMN first_seen INTEGER;
        ALTER TABLE alerts ADD COLUMN last_seen INTEGER;
        ALTER TABLE alerts ADD COLUMN event_ids TEXT;
        ALTER TABLE alerts ADD COLUMN grp TEXT;
        ALTER TABLE alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
        ALTER TABLE alerts ADD COLUMN assigned_to TEXT;
        ALTER TABLE alerts ADD COLUMN updated_at INTEGER;
        ALTER TABLE alerts ADD COLUMN suppress_key TEXT;
        CREATE INDEX alerts_suppress ON alerts(suppress_key, id) WHERE suppress_key IS NOT NULL;
        CREATE INDEX alerts_status ON alerts(status, id);
        CREATE TABLE alert_events(
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            event_id INTEGER NOT NULL,
            PRIMARY KEY(alert_id, event_id)
        ) WITHOUT ROWID;
        CREATE INDEX alert_events_event ON alert_events(event_id);
        CREATE TABLE correlation_state(
            key TEXT PRIMARY KEY,
            state TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
        // 12: near-real-time indexing (`IndexMode.background`): every event up to `indexed_id` has
        // its search-index entries; the indexer fills them from the rows after it and moves the
        // mark in the same transaction. Every event stored so far was indexed with its insert.
        """
        CREATE TABLE index_state(
            name TEXT PRIMARY KEY,
            indexed_id INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO index_state(name, indexed_id) SELECT 'events', coalesce(max(id), 0) FROM events;
        """,
    ]

    /// Work in Swift that follows a migration, in its transaction (by index in `all`).
    static let backfills: [Int: @Sendable (SQLiteConnection) throws -> Void] = [
        4: { try EventKeys.backfill($0) }, 5: { try AlertKeys.backfill($0) },
        9: { try AlertKeys.rebuild($0) },
    ]

    /// Brings the database at `connection` to the latest version, one transaction per migration.
    static func migrate(_ connection: SQLiteConnection) throws(StoreError) {
        let current = Int(try connection.scalar("PRAGMA user_version") ?? 0)
        guard current <= all.count else {
            throw .sqlite(
                code: 0,
                message: "the database has schema version \(current), newer than this siemd knows (\(all.count))")
        }
        for version in current..<all.count {
            do {
                try connection.transaction {
                    try connection.execute(all[version])
                    try backfills[version]?(connection)
                    try connection.execute("PRAGMA user_version = \(version + 1)")
                }
            } catch let error as StoreError {
                throw error
            } catch {
                throw .sqlite(code: 0, message: "\(error)")
            }
        }
    }
}
