//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
public import ArgusAccounts

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The contract every ``AccountStore`` keeps: users, API keys, sessions and the audit log. See ``StoreContract`` for how to run it.
public enum AccountStoreContract: StoreContract {
    /// The store each check takes.
    public typealias Store = any AccountStore

    /// The checks, by name.
    public static let checks: [String: @Sendable (Store) async throws -> Void] = [
        "sessionsAndTheFirstUser": { try await sessionsAndTheFirstUser($0) },
        "usersAndAPIKeys": { try await usersAndAPIKeys($0) },
        "auditLog": { try await auditLog($0) },
    ]

    static func sessionsAndTheFirstUser(_ store: any AccountStore) async throws {
        let admin = try await require(try await store.createFirstUser(username: "admin", passwordHash: "h1", at: day(1)))
        try await expect(try await store.createFirstUser(username: "mallory", passwordHash: "h2", at: day(1)) == nil, "only while no user exists")
        try await expect(try await store.userCount() == 1)
        try await expect(try await store.users().map(\.username) == ["admin"])

        let session = LoginSession(
            idHash: "abc", userID: admin.id, csrfToken: "token", createdAt: day(1), lastSeenAt: day(1), expiresAt: day(2), idleTimeout: 3_600,
            remember: false, clientAddress: "127.0.0.1", userAgent: "test")
        try await store.createSession(session)
        try await expect(try await store.session(idHash: "abc") == session)
        try await expect(try await store.session(idHash: "other") == nil)
        try await expect(session.isValid(at: day(1).addingTimeInterval(3_599)))
        try await expect(!session.isValid(at: day(1).addingTimeInterval(3_600)), "idle expiry")
        try await store.touchSession(idHash: "abc", at: day(1, hour: 23))
        try await expect(try await store.session(idHash: "abc")?.lastSeenAt == day(1, hour: 23))
        try await expect(try await store.session(idHash: "abc")?.isValid(at: day(2)) == false, "absolute expiry")

        var second = session
        second.idHash = "def"
        second.lastSeenAt = day(1, hour: 23)
        second.expiresAt = day(5)
        second.idleTimeout = 7_200
        try await store.createSession(second)
        try await expect(try await store.deleteExpiredSessions(at: day(1, hour: 23).addingTimeInterval(60)) == 0)
        try await expect(try await store.deleteExpiredSessions(at: day(2)) == 1, "abc reached its absolute expiry")
        try await expect(try await store.session(idHash: "def") != nil)
        try await store.deleteSession(idHash: "def")
        try await expect(try await store.session(idHash: "def") == nil)
        try await store.createSession(session)
        try await store.createSession(second)
        try await expect(try await store.deleteSessions(of: admin.id) == 2)
    }

    static func usersAndAPIKeys(_ store: any AccountStore) async throws {
        try await expect(try await store.userCount() == 0)
        let admin = try await store.createUser(username: "admin", passwordHash: "$2b$12$hash", at: day(1))
        try await expect(try await store.userCount() == 1)
        try await expectThrows(StoreError.self) { try await store.createUser(username: "admin", passwordHash: "x", at: day(1)) }
        try await expect(try await store.user(named: "admin") == admin)
        try await expect(try await store.user(named: "Admin") == nil)
        try await expect(try await store.user(admin.id)?.username == "admin")
        try await store.setPasswordHash("$2b$12$other", for: admin.id)
        try await store.recordLogin(of: admin.id, at: day(2))
        let updated = try await require(try await store.user(admin.id))
        try await expect(updated.passwordHash == "$2b$12$other" && updated.lastLoginAt == day(2))
        try await expectThrows(StoreError.self) { try await store.setPasswordHash("x", for: UserID(99)) }

        let key = try await store.createAPIKey(userID: admin.id, name: "grafana", prefix: "argus_ab", keyHash: "aa11", expiresAt: day(30), at: day(1))
        let other = try await store.createAPIKey(userID: admin.id, name: "ha", prefix: "argus_cd", keyHash: "bb22", expiresAt: nil, at: day(1))
        try await expectThrows(StoreError.self) {
            try await store.createAPIKey(userID: admin.id, name: "dup", prefix: "argus_ab", keyHash: "aa11", expiresAt: nil, at: day(1))
        }
        try await expectThrows(StoreError.self) {
            try await store.createAPIKey(userID: UserID(99), name: "x", prefix: "p", keyHash: "cc33", expiresAt: nil, at: day(1))
        }
        try await expect(try await store.apiKey(hash: "aa11") == key)
        try await expect(try await store.apiKey(hash: "zz") == nil)
        try await expect(try await store.apiKeys(of: admin.id).map(\.name) == ["grafana", "ha"])
        try await expect(try await store.apiKeys(of: nil).count == 2)
        try await store.recordUse(of: key.id, at: day(3))
        try await expect(try await store.apiKey(hash: "aa11")?.lastUsedAt == day(3))
        try await expect(try await store.revokeAPIKey(other.id, at: day(4)))
        try await expect(try await store.revokeAPIKey(other.id, at: day(5)))
        try await expect(try await store.apiKey(hash: "bb22")?.revokedAt == day(4))
        try await expect(try await store.revokeAPIKey(APIKeyID(99), at: day(4)) == false)
        try await expect(try await store.apiKey(hash: "bb22")?.isUsable(at: day(4)) == false)
        try await expect(key.isUsable(at: day(29)) && !key.isUsable(at: day(31)))
    }

    static func auditLog(_ store: any AccountStore) async throws {
        let first = try await store.appendAudit(
            AuditEntry(timestamp: day(1), username: "admin", action: "login", clientAddress: "127.0.0.1", userAgent: "curl", success: false))
        try await store.appendAudit(AuditEntry(timestamp: day(2), userID: UserID(1), username: "admin", action: "login", clientAddress: "127.0.0.1"))
        try await store.appendAudit(
            AuditEntry(
                timestamp: day(3), userID: UserID(1), apiKeyID: APIKeyID(2), action: "device.edit", resourceType: "device", resourceID: "7",
                details: #"{"label":"NAS"}"#))
        try await expect(first.id > 0)
        let all = try await store.auditEntries(action: nil, limit: 10, offset: 0)
        try await expect(all.total == 3 && all.items.map(\.action) == ["device.edit", "login", "login"])
        try await expect(all.items[0].details == #"{"label":"NAS"}"# && all.items[0].apiKeyID == APIKeyID(2) && all.items[0].resourceID == "7")
        try await expect(all.items[2] == first)
        let logins = try await store.auditEntries(action: "login", limit: 1, offset: 1)
        try await expect(logins.total == 2 && logins.items.map(\.success) == [false])
    }
}
