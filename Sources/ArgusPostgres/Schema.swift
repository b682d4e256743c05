//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// The PostgreSQL schema, as numbered migrations, modelled on ArgusSQLite's.
///
/// `argus_schema_migrations` holds one row per migration applied. Each migration runs in its
/// own transaction under `pg_advisory_xact_lock(advisoryLockKey)`, so replicas that start
/// together apply it once. Times are `timestamptz`, ids `bigint` identities, imported
/// vulnerabilities `jsonb`; settings values and alert payloads stay `text`, since callers expect
/// their exact text back.
enum Schema {
    /// "ARGU": the advisory lock every migration takes (advisory locks are per database).
    static let advisoryLockKey: Int64 = 0x4152_4755

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
        // The DeviceStore's tables (scans, devices, observations, ports, changes) come next.
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
        ]
    ]

    /// The schema version this build writes.
    static var latestVersion: Int { migrations.count }
}
