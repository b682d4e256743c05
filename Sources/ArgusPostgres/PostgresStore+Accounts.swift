//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import ArgusAccounts
import PostgresNIO

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Users, API keys, sessions and the audit log.
extension PostgresStore: AccountStore {

    /// The advisory lock ``createFirstUser(username:passwordHash:at:)`` takes, so that of two
    /// concurrent calls (on any replica) one wins.
    static let firstUserLockKey: Int64 = 0x4152_4701

    /// The columns ``user(_:)-swift.type.method`` reads, in order.
    static let userColumns = "id, username, password_hash, created_at, last_login_at"

    /// A user from a row of ``userColumns``.
    static func user(_ row: PostgresRow) throws -> User {
        let (id, username, passwordHash, createdAt, lastLoginAt) = try row.decode((Int64, String, String, Date, Date?).self)
        return User(id: UserID(id), username: username, passwordHash: passwordHash, createdAt: createdAt, lastLoginAt: lastLoginAt)
    }

    public func createUser(username: String, passwordHash: String, at date: Date) async throws -> User {
        do {
            let rows = try await fetch(
                "INSERT INTO users (username, password_hash, created_at) VALUES (\(username), \(passwordHash), \(date)) RETURNING id",
                "saving a user")
            return User(
                id: UserID(try decode(rows) { try $0.decode(Int64.self) }[0]), username: username, passwordHash: passwordHash, createdAt: date)
        } catch let error as StoreError where error.code == .duplicate {
            throw StoreError(.duplicate, "a user named \(username) already exists")
        }
    }

    public func user(named username: String) async throws -> User? {
        let rows = try await fetch("SELECT \(unescaped: Self.userColumns) FROM users WHERE username = \(username)", "reading a user")
        return try decode(rows, Self.user).first
    }

    public func user(_ id: UserID) async throws -> User? {
        let rows = try await fetch("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id.rawValue)", "reading a user")
        return try decode(rows, Self.user).first
    }

    public func userCount() async throws -> Int {
        try await count("SELECT count(*) FROM users", "counting users")
    }

    public func setPasswordHash(_ hash: String, for user: UserID) async throws {
        let rows = try await fetch("UPDATE users SET password_hash = \(hash) WHERE id = \(user.rawValue) RETURNING id", "saving a password hash")
        guard !rows.isEmpty else { throw StoreError.notFound("user \(user)") }
    }

    public func recordLogin(of user: UserID, at date: Date) async throws {
        let rows = try await fetch("UPDATE users SET last_login_at = \(date) WHERE id = \(user.rawValue) RETURNING id", "recording a sign-in")
        guard !rows.isEmpty else { throw StoreError.notFound("user \(user)") }
    }

    /// The columns ``apiKey(_:)`` reads, in order.
    static let keyColumns = "id, user_id, name, prefix, key_hash, created_at, last_used_at, expires_at, revoked_at"

    /// An API key from a row of ``keyColumns``.
    static func apiKey(_ row: PostgresRow) throws -> APIKey {
        let (id, userID, name, prefix, keyHash, createdAt, lastUsedAt, expiresAt, revokedAt) = try row.decode(
            (Int64, Int64, String, String, String, Date, Date?, Date?, Date?).self)
        return APIKey(
            id: APIKeyID(id), userID: UserID(userID), name: name, prefix: prefix, keyHash: keyHash, createdAt: createdAt, lastUsedAt: lastUsedAt,
            expiresAt: expiresAt, revokedAt: revokedAt)
    }

    public func createAPIKey(userID: UserID, name: String, prefix: String, keyHash: String, expiresAt: Date?, at date: Date) async throws -> APIKey {
        let rows: [PostgresRow]
        do {
            rows = try await fetch(
                """
                INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at, expires_at)
                SELECT id, \(name), \(prefix), \(keyHash), \(date), \(expiresAt) FROM users WHERE id = \(userID.rawValue) RETURNING id
                """, "saving an API key")
        } catch let error as StoreError where error.code == .duplicate {
            throw StoreError(.duplicate, "an API key with this hash exists")
        }
        guard let id = try decode(rows, { try $0.decode(Int64.self) }).first else { throw StoreError.notFound("user \(userID)") }
        return APIKey(id: APIKeyID(id), userID: userID, name: name, prefix: prefix, keyHash: keyHash, createdAt: date, expiresAt: expiresAt)
    }

    public func apiKey(hash: String) async throws -> APIKey? {
        let rows = try await fetch("SELECT \(unescaped: Self.keyColumns) FROM api_keys WHERE key_hash = \(hash)", "reading an API key")
        return try decode(rows, Self.apiKey).first
    }

    public func apiKeys(of user: UserID?) async throws -> [APIKey] {
        let rows = try await fetch(
            "SELECT \(unescaped: Self.keyColumns) FROM api_keys WHERE \(user?.rawValue)::bigint IS NULL OR user_id = \(user?.rawValue) ORDER BY id",
            "reading API keys")
        return try decode(rows, Self.apiKey)
    }

    public func revokeAPIKey(_ id: APIKeyID, at date: Date) async throws -> Bool {
        try await !fetch(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, \(date)) WHERE id = \(id.rawValue) RETURNING id", "revoking an API key"
        ).isEmpty
    }

    public func recordUse(of key: APIKeyID, at date: Date) async throws {
        try await fetch("UPDATE api_keys SET last_used_at = \(date) WHERE id = \(key.rawValue)", "recording an API key's use")
    }

    public func users() async throws -> [User] {
        try decode(try await fetch("SELECT \(unescaped: Self.userColumns) FROM users ORDER BY id", "reading users"), Self.user)
    }

    public func createFirstUser(username: String, passwordHash: String, at date: Date) async throws -> User? {
        try await transaction("creating the first user") { connection in
            // The lock serialises every caller, on every replica, until this transaction ends.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.firstUserLockKey))", logger: logger)
            guard try await connection.query("SELECT 1 FROM users LIMIT 1", logger: logger).collect().isEmpty else { return nil }
            let rows = try await connection.query(
                "INSERT INTO users (username, password_hash, created_at) VALUES (\(username), \(passwordHash), \(date)) RETURNING id", logger: logger
            ).collect()
            return User(id: UserID(try rows[0].decode(Int64.self)), username: username, passwordHash: passwordHash, createdAt: date)
        }
    }

    // MARK: Sessions

    /// The columns ``session(_:)`` reads, in order.
    static let sessionColumns =
        "id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, idle_timeout, remember, client_address, user_agent"

    /// A session from a row of ``sessionColumns``.
    static func session(_ row: PostgresRow) throws -> LoginSession {
        let (idHash, userID, csrfToken, createdAt, lastSeenAt, expiresAt, idleTimeout, remember, clientAddress, userAgent) = try row.decode(
            (String, Int64, String, Date, Date, Date, Double, Bool, String?, String?).self)
        return LoginSession(
            idHash: idHash, userID: UserID(userID), csrfToken: csrfToken, createdAt: createdAt, lastSeenAt: lastSeenAt, expiresAt: expiresAt,
            idleTimeout: idleTimeout, remember: remember, clientAddress: clientAddress, userAgent: userAgent)
    }

    public func createSession(_ session: LoginSession) async throws {
        try await fetch(
            """
            INSERT INTO sessions (\(unescaped: Self.sessionColumns))
            VALUES (\(session.idHash), \(session.userID.rawValue), \(session.csrfToken), \(session.createdAt), \(session.lastSeenAt),
            \(session.expiresAt), \(session.idleTimeout), \(session.remember), \(session.clientAddress), \(session.userAgent))
            """, "saving a session")
    }

    public func session(idHash: String) async throws -> LoginSession? {
        let rows = try await fetch("SELECT \(unescaped: Self.sessionColumns) FROM sessions WHERE id_hash = \(idHash)", "reading a session")
        return try decode(rows, Self.session).first
    }

    public func touchSession(idHash: String, at date: Date) async throws {
        try await fetch("UPDATE sessions SET last_seen_at = \(date) WHERE id_hash = \(idHash)", "recording a session's use")
    }

    public func deleteSession(idHash: String) async throws {
        try await fetch("DELETE FROM sessions WHERE id_hash = \(idHash)", "ending a session")
    }

    public func deleteSessions(of user: UserID) async throws -> Int {
        try await count(
            "WITH deleted AS (DELETE FROM sessions WHERE user_id = \(user.rawValue) RETURNING 1) SELECT count(*) FROM deleted", "ending sessions")
    }

    public func deleteExpiredSessions(at date: Date) async throws -> Int {
        try await count(
            """
            WITH deleted AS (
                DELETE FROM sessions WHERE expires_at <= \(date) OR last_seen_at + idle_timeout * interval '1 second' <= \(date) RETURNING 1
            ) SELECT count(*) FROM deleted
            """, "removing expired sessions")
    }

    // MARK: Audit log

    public func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry {
        let rows = try await fetch(
            """
            INSERT INTO audit_log (timestamp, user_id, username, api_key_id, action, resource_type, resource_id, details, client_address, user_agent, success)
            VALUES (\(entry.timestamp), \(entry.userID?.rawValue), \(entry.username), \(entry.apiKeyID?.rawValue), \(entry.action),
            \(entry.resourceType), \(entry.resourceID), \(entry.details), \(entry.clientAddress), \(entry.userAgent), \(entry.success))
            RETURNING id
            """, "appending to the audit log")
        var stored = entry
        stored.id = try decode(rows) { try $0.decode(Int64.self) }[0]
        return stored
    }

    /// An audit log entry from a row.
    static func auditEntry(_ row: PostgresRow) throws -> AuditEntry {
        let (id, timestamp, userID, username, apiKeyID, action, resourceType, resourceID, details, clientAddress, userAgent, success) =
            try row.decode((Int64, Date, Int64?, String?, Int64?, String, String?, String?, String?, String?, String?, Bool).self)
        return AuditEntry(
            id: id, timestamp: timestamp, userID: userID.map { UserID($0) }, username: username, apiKeyID: apiKeyID.map { APIKeyID($0) },
            action: action, resourceType: resourceType, resourceID: resourceID, details: details, clientAddress: clientAddress,
            userAgent: userAgent, success: success)
    }

    public func auditEntries(action: String?, limit: Int, offset: Int) async throws -> Page<AuditEntry> {
        let total = try await count(
            "SELECT count(*) FROM audit_log WHERE \(action)::text IS NULL OR action = \(action)", "counting audit log entries")
        let rows = try await fetch(
            """
            SELECT id, timestamp, user_id, username, api_key_id, action, resource_type, resource_id, details, client_address, user_agent, success
            FROM audit_log WHERE \(action)::text IS NULL OR action = \(action) ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)
            """, "reading the audit log")
        return Page(items: try decode(rows, Self.auditEntry), total: total)
    }
}
