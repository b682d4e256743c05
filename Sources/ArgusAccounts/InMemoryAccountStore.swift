//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// An ``AccountStore`` that keeps everything in memory: for tests and for a server that needs no
/// accounts on disk.
public actor InMemoryAccountStore: AccountStore {
    private var userRecords: [UserID: User] = [:]
    private var keyRecords: [APIKeyID: APIKey] = [:]
    private var sessions: [String: LoginSession] = [:]
    private var auditLog: [AuditEntry] = []
    private var nextID: Int64 = 1

    /// Creates an empty store.
    public init() {}

    private func makeID<T>() -> Identifier<T> {
        defer { nextID += 1 }
        return Identifier(nextID)
    }

    public func createUser(username: String, passwordHash: String, at date: Date) throws -> User {
        guard !userRecords.values.contains(where: { $0.username == username }) else {
            throw StoreError(.duplicate, "a user named \(username) already exists")
        }
        let user = User(id: makeID(), username: username, passwordHash: passwordHash, createdAt: date)
        userRecords[user.id] = user
        return user
    }

    public func user(named username: String) -> User? { userRecords.values.first { $0.username == username } }
    public func user(_ id: UserID) -> User? { userRecords[id] }
    public func userCount() -> Int { userRecords.count }

    public func setPasswordHash(_ hash: String, for user: UserID) throws {
        guard userRecords[user] != nil else { throw StoreError.notFound("user \(user)") }
        userRecords[user]?.passwordHash = hash
    }

    public func recordLogin(of user: UserID, at date: Date) throws {
        guard userRecords[user] != nil else { throw StoreError.notFound("user \(user)") }
        userRecords[user]?.lastLoginAt = date
    }

    public func createAPIKey(userID: UserID, name: String, prefix: String, keyHash: String, expiresAt: Date?, at date: Date) throws -> APIKey {
        guard userRecords[userID] != nil else { throw StoreError.notFound("user \(userID)") }
        guard !keyRecords.values.contains(where: { $0.keyHash == keyHash }) else { throw StoreError(.duplicate, "an API key with this hash exists") }
        let key = APIKey(id: makeID(), userID: userID, name: name, prefix: prefix, keyHash: keyHash, createdAt: date, expiresAt: expiresAt)
        keyRecords[key.id] = key
        return key
    }

    public func apiKey(hash: String) -> APIKey? { keyRecords.values.first { $0.keyHash == hash } }

    public func apiKeys(of user: UserID?) -> [APIKey] {
        keyRecords.values.filter { user == nil || $0.userID == user }.sorted { $0.id < $1.id }
    }

    public func revokeAPIKey(_ id: APIKeyID, at date: Date) -> Bool {
        guard keyRecords[id] != nil else { return false }
        if keyRecords[id]?.revokedAt == nil { keyRecords[id]?.revokedAt = date }
        return true
    }

    public func recordUse(of key: APIKeyID, at date: Date) {
        keyRecords[key]?.lastUsedAt = date
    }

    public func users() -> [User] { userRecords.values.sorted { $0.id < $1.id } }

    public func createFirstUser(username: String, passwordHash: String, at date: Date) throws -> User? {
        guard userRecords.isEmpty else { return nil }
        return try createUser(username: username, passwordHash: passwordHash, at: date)
    }

    // MARK: Sessions

    public func createSession(_ session: LoginSession) { sessions[session.idHash] = session }
    public func session(idHash: String) -> LoginSession? { sessions[idHash] }
    public func touchSession(idHash: String, at date: Date) { sessions[idHash]?.lastSeenAt = date }
    public func deleteSession(idHash: String) { sessions[idHash] = nil }

    public func deleteSessions(of user: UserID) -> Int {
        let ended = sessions.values.filter { $0.userID == user }.map(\.idHash)
        for hash in ended { sessions[hash] = nil }
        return ended.count
    }

    public func deleteExpiredSessions(at date: Date) -> Int {
        let ended = sessions.values.filter { !$0.isValid(at: date) }.map(\.idHash)
        for hash in ended { sessions[hash] = nil }
        return ended.count
    }

    // MARK: Audit log

    public func appendAudit(_ entry: AuditEntry) -> AuditEntry {
        var stored = entry
        stored.id = nextID
        nextID += 1
        auditLog.append(stored)
        return stored
    }

    public func auditEntries(action: String?, limit: Int, offset: Int) -> Page<AuditEntry> {
        let matching = auditLog.reversed().filter { action == nil || $0.action == action }
        return Page(items: Array(matching.dropFirst(offset).prefix(limit)), total: matching.count)
    }
}
