//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// The database schema, as numbered migrations. `PRAGMA user_version` holds the number of
/// migrations applied; `PRAGMA application_id` marks the file as Argus's.
enum Schema {
    /// "ARGU" — tells an Argus database from any other SQLite file.
    static let applicationID: Int32 = 0x4152_4755

    /// Migration `n` brings the schema from version `n` to `n + 1`. Never edit one that shipped:
    /// add another.
    static let migrations: [String] = [
        """
        CREATE TABLE scans (
            id INTEGER PRIMARY KEY,
            status TEXT NOT NULL,
            kind TEXT NOT NULL,
            profile TEXT NOT NULL,
            targets TEXT NOT NULL,
            created_at REAL NOT NULL,
            started_at REAL,
            finished_at REAL,
            nmap_version TEXT,
            nmap_arguments TEXT,
            hosts_up INTEGER NOT NULL DEFAULT 0,
            hosts_down INTEGER NOT NULL DEFAULT 0,
            devices_found INTEGER NOT NULL DEFAULT 0,
            open_ports INTEGER NOT NULL DEFAULT 0,
            error_message TEXT,
            runner TEXT
        ) STRICT;
        CREATE INDEX scans_by_status ON scans (status, id);
        CREATE INDEX scans_by_kind ON scans (kind, id);

        CREATE TABLE devices (
            id INTEGER PRIMARY KEY,
            mac TEXT,
            ip TEXT NOT NULL,
            ip_key BLOB NOT NULL,
            hostname TEXT,
            vendor TEXT,
            device_type TEXT NOT NULL DEFAULT 'unknown',
            os_name TEXT,
            os_accuracy INTEGER,
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL,
            times_seen INTEGER NOT NULL DEFAULT 1,
            last_scan_id INTEGER REFERENCES scans (id) ON DELETE SET NULL,
            is_online INTEGER NOT NULL DEFAULT 1,
            risk_level TEXT NOT NULL DEFAULT 'none',
            risk_score INTEGER NOT NULL DEFAULT 0,
            open_ports INTEGER NOT NULL DEFAULT 0,
            assessment TEXT,
            label TEXT,
            notes TEXT,
            is_trusted INTEGER NOT NULL DEFAULT 0,
            zone TEXT
        ) STRICT;
        CREATE INDEX devices_by_mac ON devices (mac) WHERE mac IS NOT NULL;
        CREATE INDEX devices_by_ip_key ON devices (ip_key, id);
        CREATE INDEX devices_by_hostname ON devices (hostname, id);
        CREATE INDEX devices_by_last_seen ON devices (last_seen, id);
        CREATE INDEX devices_by_first_seen ON devices (first_seen, id);
        CREATE INDEX devices_by_risk ON devices (risk_score, id);
        CREATE INDEX devices_by_zone ON devices (zone) WHERE zone IS NOT NULL;
        CREATE INDEX devices_by_type ON devices (device_type);

        CREATE TABLE observations (
            scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
            device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
            observed_at REAL NOT NULL,
            state TEXT NOT NULL,
            ip TEXT NOT NULL,
            mac TEXT,
            hostname TEXT,
            vendor TEXT,
            os_name TEXT,
            os_accuracy INTEGER,
            risk_level TEXT NOT NULL,
            risk_score INTEGER NOT NULL,
            PRIMARY KEY (scan_id, device_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX observations_by_device ON observations (device_id, scan_id);

        CREATE TABLE ports (
            scan_id INTEGER NOT NULL,
            device_id INTEGER NOT NULL,
            protocol TEXT NOT NULL,
            number INTEGER NOT NULL,
            state TEXT NOT NULL,
            service_name TEXT,
            product TEXT,
            version TEXT,
            extra_info TEXT,
            tunnel TEXT,
            cpes TEXT,
            PRIMARY KEY (scan_id, device_id, protocol, number),
            FOREIGN KEY (scan_id, device_id) REFERENCES observations (scan_id, device_id) ON DELETE CASCADE
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
            device_id INTEGER REFERENCES devices (id) ON DELETE SET NULL,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL,
            severity_rank INTEGER NOT NULL,
            ip TEXT,
            mac TEXT,
            port INTEGER,
            protocol TEXT,
            old_value TEXT,
            new_value TEXT,
            description TEXT NOT NULL,
            detected_at REAL NOT NULL,
            acknowledged INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX changes_by_scan ON changes (scan_id, id);
        CREATE INDEX changes_by_device ON changes (device_id, id);
        CREATE INDEX changes_by_kind ON changes (kind, id);
        CREATE INDEX changes_by_acknowledged ON changes (acknowledged, id);

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            created_at REAL NOT NULL,
            last_login_at REAL
        ) STRICT;

        CREATE TABLE api_keys (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            prefix TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            last_used_at REAL,
            expires_at REAL,
            revoked_at REAL
        ) STRICT;
        CREATE INDEX api_keys_by_user ON api_keys (user_id);

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            timestamp REAL NOT NULL,
            user_id INTEGER,
            username TEXT,
            api_key_id INTEGER,
            action TEXT NOT NULL,
            resource_type TEXT,
            resource_id TEXT,
            details TEXT,
            client_address TEXT,
            user_agent TEXT,
            success INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX audit_log_by_action ON audit_log (action, id);

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            sink TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            delivered_at REAL,
            last_error TEXT,
            UNIQUE (sink, idempotency_key)
        ) STRICT;
        CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;

        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE schedules (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            expression TEXT NOT NULL,
            profile TEXT NOT NULL,
            targets TEXT NOT NULL,
            is_enabled INTEGER NOT NULL,
            next_run_at REAL,
            last_run_at REAL
        ) STRICT;
        """,
        // 2: imported vulnerabilities (NVD feeds), indexed by the canonical products they affect.
        """
        CREATE TABLE vulnerabilities (
            id TEXT PRIMARY KEY,
            data TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE vulnerability_products (
            product TEXT NOT NULL,
            vulnerability_id TEXT NOT NULL REFERENCES vulnerabilities (id) ON DELETE CASCADE,
            PRIMARY KEY (product, vulnerability_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX vulnerability_products_by_id ON vulnerability_products (vulnerability_id);
        """,
        // 3: browser sessions (only a hash of each session id is stored).
        """
        CREATE TABLE sessions (
            id_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            created_at REAL NOT NULL,
            last_seen_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            idle_timeout REAL NOT NULL,
            remember INTEGER NOT NULL,
            client_address TEXT,
            user_agent TEXT
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX sessions_by_user ON sessions (user_id);
        """,
        // 4: dashboard counts from an index, not the wide device rows.
        """
        CREATE INDEX devices_by_level_online ON devices (risk_level, is_online);
        """,
        // 5: alert delivery: what a message is about (a device's presence, for grace and
        // flapping), and why it was settled without being sent (snoozed, in a digest, …).
        """
        ALTER TABLE outbox ADD COLUMN subject TEXT;
        ALTER TABLE outbox ADD COLUMN suppressed_reason TEXT;
        CREATE INDEX outbox_by_subject ON outbox (sink, subject, id) WHERE subject IS NOT NULL;
        CREATE INDEX outbox_due_by_sink ON outbox (sink, next_attempt_at, id) WHERE delivered_at IS NULL;
        """,
        // 6: what each scan covered (JSON), and when a port carried over from an earlier scan
        // was last confirmed.
        """
        ALTER TABLE scans ADD COLUMN coverage TEXT;
        ALTER TABLE ports ADD COLUMN confirmed_at REAL;
        """,
    ]

    /// The schema version this build writes.
    static var latestVersion: Int { migrations.count }
}
