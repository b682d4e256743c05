//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import ArgusAccounts

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Users, API keys, sessions and the audit log, in the same database as the inventory.
extension SQLiteDeviceStore: AccountStore {

    static func user(_ row: SQLiteStatement) -> User {
        User(id: row.id(0), username: row.string(1), passwordHash: row.string(2), createdAt: row.date(3), lastLoginAt: row.optionalDate(4))
    }

    public func createUser(username: String, passwordHash: String, at date: Date) async throws -> User {
        try await writer.perform { connection in
            do {
                try connection.run(
                    "INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)", [.text(username), .text(passwordHash), .of(date)])
            } catch let error as StoreError where error.code == .duplicate {
                throw StoreError(.duplicate, "a user named \(username) already exists")
            }
            return User(id: UserID(connection.lastInsertedID), username: username, passwordHash: passwordHash, createdAt: date)
        }
    }

    public func user(named username: String) async throws -> User? {
        try await reader.perform {
            try $0.first("SELECT id, username, password_hash, created_at, last_login_at FROM users WHERE username = ?", [.text(username)], Self.user)
        }
    }

    public func user(_ id: UserID) async throws -> User? {
        try await reader.perform {
            try $0.first("SELECT id, username, password_hash, created_at, last_login_at FROM users WHERE id = ?", [.of(id)], Self.user)
        }
    }

    public func userCount() async throws -> Int {
        try await reader.perform { try $0.first("SELECT count(*) FROM users") { $0.int(0) } ?? 0 }
    }

    public func setPasswordHash(_ hash: String, for user: UserID) async throws {
        try await writer.perform { connection in
            guard try connection.run("UPDATE users SET password_hash = ? WHERE id = ?", [.text(hash), .of(user)]) == 1 else {
                throw StoreError.notFound("user \(user)")
            }
        }
    }

    public func recordLogin(of user: UserID, at date: Date) async throws {
        try await writer.perform { connection in
            guard try connection.run("UPDATE users SET last_login_at = ? WHERE id = ?", [.of(date), .of(user)]) == 1 else {
                throw StoreError.notFound("user \(user)")
            }
        }
    }

    static func apiKey(_ row: SQLiteStatement) -> APIKey {
        APIKey(
            id: row.id(0), userID: row.id(1), name: row.string(2), prefix: row.string(3), keyHash: row.string(4), createdAt: row.date(5),
            lastUsedAt: row.optionalDate(6), expiresAt: row.optionalDate(7), revokedAt: row.optionalDate(8))
    }

    static let keyColumns = "id, user_id, name, prefix, key_hash, created_at, last_used_at, expires_at, revoked_at"

    public func createAPIKey(userID: UserID, name: String, prefix: String, keyHash: String, expiresAt: Date?, at date: Date) async throws -> APIKey {
        try await writer.perform { connection in
            guard try connection.first("SELECT 1 FROM users WHERE id = ?", [.of(userID)], { _ in true }) != nil else {
                throw StoreError.notFound("user \(userID)")
            }
            do {
                try connection.run(
                    "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [.of(userID), .text(name), .text(prefix), .text(keyHash), .of(date), .of(expiresAt)])
            } catch let error as StoreError where error.code == .duplicate {
                throw StoreError(.duplicate, "an API key with this hash exists")
            }
            return APIKey(
                id: APIKeyID(connection.lastInsertedID), userID: userID, name: name, prefix: prefix, keyHash: keyHash, createdAt: date,
                expiresAt: expiresAt)
        }
    }

    public func apiKey(hash: String) async throws -> APIKey? {
        try await reader.perform { try $0.first("SELECT \(Self.keyColumns) FROM api_keys WHERE key_hash = ?", [.text(hash)], Self.apiKey) }
    }

    public func apiKeys(of user: UserID?) async throws -> [APIKey] {
        try await reader.perform { connection in
            if let user {
                return try connection.query("SELECT \(Self.keyColumns) FROM api_keys WHERE user_id = ? ORDER BY id", [.of(user)], Self.apiKey)
            }
            return try connection.query("SELECT \(Self.keyColumns) FROM api_keys ORDER BY id", [], Self.apiKey)
        }
    }

    public func revokeAPIKey(_ id: APIKeyID, at date: Date) async throws -> Bool {
        try await writer.perform { connection in
            try connection.run("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", [.of(date), .of(id)]) == 1
        }
    }

    public func recordUse(of key: APIKeyID, at date: Date) async throws {
        _ = try await writer.perform { connection in
            try connection.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [.of(date), .of(key)])
        }
    }

    public func users() async throws -> [User] {
        try await reader.perform {
            try $0.query("SELECT id, username, password_hash, created_at, last_login_at FROM users ORDER BY id", [], Self.user)
        }
    }

    public func createFirstUser(username: String, passwordHash: String, at date: Date) async throws -> User? {
        try await writer.perform { connection in
            try connection.transaction {
                guard try connection.first("SELECT count(*) FROM users", [], { $0.int(0) }) == 0 else { return nil }
                try connection.run(
                    "INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)", [.text(username), .text(passwordHash), .of(date)])
                return User(id: UserID(connection.lastInsertedID), username: username, passwordHash: passwordHash, createdAt: date)
            }
        }
    }

    // MARK: Sessions

    static func session(_ row: SQLiteStatement) -> LoginSession {
        LoginSession(
            idHash: row.string(0), userID: row.id(1), csrfToken: row.string(2), createdAt: row.date(3), lastSeenAt: row.date(4),
            expiresAt: row.date(5), idleTimeout: row.double(6), remember: row.bool(7), clientAddress: row.optionalString(8),
            userAgent: row.optionalString(9))
    }

    public func createSession(_ session: LoginSession) async throws {
        _ = try await writer.perform { connection in
            try connection.run(
                "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, idle_timeout, remember, client_address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(session.idHash), .of(session.userID), .text(session.csrfToken), .of(session.createdAt), .of(session.lastSeenAt),
                    .of(session.expiresAt), .real(session.idleTimeout), .of(session.remember), .of(session.clientAddress), .of(session.userAgent),
                ])
        }
    }

    public func session(idHash: String) async throws -> LoginSession? {
        try await reader.perform {
            try $0.first(
                "SELECT id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, idle_timeout, remember, client_address, user_agent FROM sessions WHERE id_hash = ?",
                [.text(idHash)], Self.session)
        }
    }

    public func touchSession(idHash: String, at date: Date) async throws {
        _ = try await writer.perform { try $0.run("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", [.of(date), .text(idHash)]) }
    }

    public func deleteSession(idHash: String) async throws {
        _ = try await writer.perform { try $0.run("DELETE FROM sessions WHERE id_hash = ?", [.text(idHash)]) }
    }

    public func deleteSessions(of user: UserID) async throws -> Int {
        try await writer.perform { try $0.run("DELETE FROM sessions WHERE user_id = ?", [.of(user)]) }
    }

    public func deleteExpiredSessions(at date: Date) async throws -> Int {
        let now = date.timeIntervalSince1970
        return try await writer.perform {
            try $0.run("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at + idle_timeout <= ?", [.real(now), .real(now)])
        }
    }

    // MARK: Audit log

    public func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry {
        try await writer.perform { connection in
            try connection.run(
                """
                INSERT INTO audit_log (timestamp, user_id, username, api_key_id, action, resource_type, resource_id, details, client_address, user_agent, success)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .of(entry.timestamp), .of(entry.userID), .of(entry.username), .of(entry.apiKeyID), .text(entry.action), .of(entry.resourceType),
                    .of(entry.resourceID), .of(entry.details), .of(entry.clientAddress), .of(entry.userAgent), .of(entry.success),
                ])
            var stored = entry
            stored.id = connection.lastInsertedID
            return stored
        }
    }

    public func auditEntries(action: String?, limit: Int, offset: Int) async throws -> Page<AuditEntry> {
        try await reader.perform { connection in
            let filter = action == nil ? "" : "WHERE action = ?"
            let arguments: [SQLiteValue] = action.map { [.text($0)] } ?? []
            let total = try connection.first("SELECT count(*) FROM audit_log \(filter)", arguments) { $0.int(0) } ?? 0
            let items = try connection.query(
                """
                SELECT id, timestamp, user_id, username, api_key_id, action, resource_type, resource_id, details, client_address, user_agent, success
                FROM audit_log \(filter) ORDER BY id DESC LIMIT ? OFFSET ?
                """, arguments + [.of(limit), .of(offset)]
            ) { row in
                AuditEntry(
                    id: row.int64(0), timestamp: row.date(1), userID: row.optionalID(2), username: row.optionalString(3), apiKeyID: row.optionalID(4),
                    action: row.string(5), resourceType: row.optionalString(6), resourceID: row.optionalString(7), details: row.optionalString(8),
                    clientAddress: row.optionalString(9), userAgent: row.optionalString(10), success: row.bool(11))
            }
            return Page(items: items, total: total)
        }
    }
}
