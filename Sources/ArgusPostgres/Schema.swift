//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// The PostgreSQL schema, as numbered migrations, modelled on ArgusSQLite's.
///
/// `argus_schema_migrations` holds one row per migration applied. Each migration runs in its
/// own transaction under `pg_advisory_xact_lock(advisoryLockKey)`, so replicas that start
/// together apply it once. Times are `timestamptz`, ids `bigint` identities, imported
/// vulnerabilities `jsonb`; settings values, alert payloads, threat assessments and scan
/// coverage stay `text` (JSON), since callers expect their exact text back and ingest need not
/// parse them. Devices and changes take ids `BY DEFAULT`: a scan's recorder reserves them from
/// the sequence in batches, to hand them out before their rows reach the server.
enum Schema {
    /// "ARGU": the advisory lock every migration takes (advisory locks are per database).
    static let advisoryLockKey: Int64 = 0x4152_4755
    /// "ARGS": the advisory lock a scan's recording transaction holds, so that one scan is
    /// recorded at a time across every replica.
    static let recordingLockKey: Int64 = 0x4152_4753

    /// The table of applied migrations.
    static let versionTable = """
        CREATE TABLE IF NOT EXISTS argus_schema_migrations (
            version integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// Migration `n` brings the schema from version `n` to `n + 1`, one statement per element
    /// (the extended query protocol runs one at a time). Never edit one that shipped: add another.
    static let migrations: [[String]] = [
        // 1: settings and schedules, accounts, imported vulnerabilities and the alert outbox.
        [
            """
            CREATE TABLE settings (
                key text PRIMARY KEY,
                value text NOT NULL
            )
            """,
            """
            CREATE TABLE schedules (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name text NOT NULL,
                expression text NOT NULL,
                profile text NOT NULL,
                targets text[] NOT NULL,
                is_enabled boolean NOT NULL,
                next_run_at timestamptz,
                last_run_at timestamptz
            )
            """,
            """
            CREATE TABLE users (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                username text NOT NULL UNIQUE,
                password_hash text NOT NULL,
                created_at timestamptz NOT NULL,
                last_login_at timestamptz
            )
            """,
            """
            CREATE TABLE api_keys (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name text NOT NULL,
                prefix text NOT NULL,
                key_hash text NOT NULL UNIQUE,
                created_at timestamptz NOT NULL,
                last_used_at timestamptz,
                expires_at timestamptz,
                revoked_at timestamptz
            )
            """,
            "CREATE INDEX api_keys_by_user ON api_keys (user_id)",
            """
            CREATE TABLE sessions (
                id_hash text PRIMARY KEY,
                user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                csrf_token text NOT NULL,
                created_at timestamptz NOT NULL,
                last_seen_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                idle_timeout double precision NOT NULL,
                remember boolean NOT NULL,
                client_address text,
                user_agent text
            )
            """,
            "CREATE INDEX sessions_by_user ON sessions (user_id)",
            """
            CREATE TABLE audit_log (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                timestamp timestamptz NOT NULL,
                user_id bigint,
                username text,
                api_key_id bigint,
                action text NOT NULL,
                resource_type text,
                resource_id text,
                details text,
                client_address text,
                user_agent text,
                success boolean NOT NULL
            )
            """,
            "CREATE INDEX audit_log_by_action ON audit_log (action, id)",
            """
            CREATE TABLE vulnerabilities (
                id text PRIMARY KEY,
                data jsonb NOT NULL
            )
            """,
            """
            CREATE TABLE vulnerability_products (
                product text NOT NULL,
                vulnerability_id text NOT NULL REFERENCES vulnerabilities (id) ON DELETE CASCADE,
                PRIMARY KEY (product, vulnerability_id)
            )
            """,
            "CREATE INDEX vulnerability_products_by_id ON vulnerability_products (vulnerability_id)",
            """
            CREATE TABLE outbox (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                sink text NOT NULL,
                idempotency_key text NOT NULL,
                payload text NOT NULL,
                created_at timestamptz NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL,
                delivered_at timestamptz,
                last_error text,
                subject text,
                suppressed_reason text,
                UNIQUE (sink, idempotency_key)
            )
            """,
            "CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL",
            "CREATE INDEX outbox_due_by_sink ON outbox (sink, next_attempt_at, id) WHERE delivered_at IS NULL",
            "CREATE INDEX outbox_by_subject ON outbox (sink, subject, id) WHERE subject IS NOT NULL",
            "CREATE INDEX outbox_by_key ON outbox (idempotency_key) WHERE delivered_at IS NULL",
        ],
        // 2: the inventory: scans, devices, what each scan saw of each device, ports, changes.
        [
            """
            CREATE TABLE scans (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                status text NOT NULL,
                kind text NOT NULL,
                profile text NOT NULL,
                targets text[] NOT NULL,
                created_at timestamptz NOT NULL,
                started_at timestamptz,
                finished_at timestamptz,
                nmap_version text,
                nmap_arguments text,
                hosts_up integer NOT NULL DEFAULT 0,
                hosts_down integer NOT NULL DEFAULT 0,
                devices_found integer NOT NULL DEFAULT 0,
                open_ports integer NOT NULL DEFAULT 0,
                error_message text,
                runner text,
                coverage text
            )
            """,
            "CREATE INDEX scans_by_status ON scans (status, id)",
            "CREATE INDEX scans_by_kind ON scans (kind, id)",
            """
            CREATE TABLE devices (
                id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                mac text,
                ip text NOT NULL,
                ip_key bytea NOT NULL,
                hostname text,
                vendor text,
                device_type text NOT NULL DEFAULT 'unknown',
                os_name text,
                os_accuracy integer,
                first_seen timestamptz NOT NULL,
                last_seen timestamptz NOT NULL,
                times_seen integer NOT NULL DEFAULT 1,
                last_scan_id bigint REFERENCES scans (id) ON DELETE SET NULL,
                is_online boolean NOT NULL DEFAULT true,
                risk_level text NOT NULL DEFAULT 'none',
                risk_score integer NOT NULL DEFAULT 0,
                open_ports integer NOT NULL DEFAULT 0,
                assessment text,
                label text,
                notes text,
                is_trusted boolean NOT NULL DEFAULT false,
                zone text
            )
            """,
            "CREATE INDEX devices_by_mac ON devices (mac) WHERE mac IS NOT NULL",
            "CREATE INDEX devices_by_ip_key ON devices (ip_key, id)",
            "CREATE INDEX devices_by_hostname ON devices (hostname, id)",
            "CREATE INDEX devices_by_last_seen ON devices (last_seen, id)",
            "CREATE INDEX devices_by_first_seen ON devices (first_seen, id)",
            "CREATE INDEX devices_by_risk ON devices (risk_score, id)",
            "CREATE INDEX devices_by_zone ON devices (zone) WHERE zone IS NOT NULL",
            "CREATE INDEX devices_by_type ON devices (device_type)",
            "CREATE INDEX devices_by_level_online ON devices (risk_level, is_online)",
            "CREATE INDEX devices_by_last_scan ON devices (last_scan_id)",
            """
            CREATE TABLE observations (
                scan_id bigint NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
                device_id bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
                observed_at timestamptz NOT NULL,
                state text NOT NULL,
                ip text NOT NULL,
                mac text,
                hostname text,
                vendor text,
                os_name text,
                os_accuracy integer,
                risk_level text NOT NULL,
                risk_score integer NOT NULL,
                PRIMARY KEY (scan_id, device_id)
            )
            """,
            "CREATE INDEX observations_by_device ON observations (device_id, scan_id)",
            """
            CREATE TABLE ports (
                scan_id bigint NOT NULL,
                device_id bigint NOT NULL,
                protocol text NOT NULL,
                number integer NOT NULL,
                state text NOT NULL,
                service_name text,
                product text,
                version text,
                extra_info text,
                tunnel text,
                cpes text[],
                confirmed_at timestamptz,
                PRIMARY KEY (scan_id, device_id, protocol, number),
                FOREIGN KEY (scan_id, device_id) REFERENCES observations (scan_id, device_id) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE changes (
                id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                scan_id bigint NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
                device_id bigint REFERENCES devices (id) ON DELETE SET NULL,
                kind text NOT NULL,
                severity text NOT NULL,
                severity_rank integer NOT NULL,
                ip text,
                mac text,
                port integer,
                protocol text,
                old_value text,
                new_value text,
                description text NOT NULL,
                detected_at timestamptz NOT NULL,
                acknowledged boolean NOT NULL DEFAULT false
            )
            """,
            "CREATE INDEX changes_by_scan ON changes (scan_id, id)",
            "CREATE INDEX changes_by_device ON changes (device_id, id)",
            "CREATE INDEX changes_by_kind ON changes (kind, id)",
            "CREATE INDEX changes_by_acknowledged ON changes (acknowledged, id)",
        ],
    ]

    /// The schema version this build writes.
    static var latestVersion: Int { migrations.count }
}
