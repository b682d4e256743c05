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

/// Where argus-server keeps who may sign in: users, API keys (only their hashes), sign-in
/// sessions (only their ids' hashes) and the audit log.
///
/// ``InMemoryAccountStore`` ships here; `SQLiteDeviceStore` (module `ArgusSQLite`) plays this role
/// beside its others, in the same database.
///
/// ## Implementation requirements
///
/// - ``createFirstUser(username:passwordHash:at:)`` is atomic: of two concurrent calls, one wins.
/// - A user name is unique; ``createUser(username:passwordHash:at:)`` refuses a taken one with a
///   `StoreError` of code `duplicate`.
/// - Keys and sessions are found by hash only; nothing here ever holds a secret itself.
/// - Errors are ``StoreError``s.
///
/// The contract suite is `AccountStoreContract` in `ArgusTesting`.
public protocol AccountStore: Sendable {

    /// Creates a user; the name must be free.
    func createUser(username: String, passwordHash: String, at date: Date) async throws -> User
    /// A user by name.
    func user(named username: String) async throws -> User?
    /// A user by id.
    func user(_ id: UserID) async throws -> User?
    /// How many users exist.
    func userCount() async throws -> Int
    /// Replaces a user's password hash.
    func setPasswordHash(_ hash: String, for user: UserID) async throws
    /// Records a successful sign-in.
    func recordLogin(of user: UserID, at date: Date) async throws
    /// Stores a new API key's hash.
    func createAPIKey(userID: UserID, name: String, prefix: String, keyHash: String, expiresAt: Date?, at date: Date) async throws -> APIKey
    /// The key with this SHA-256 hash (hex), revoked or not.
    func apiKey(hash: String) async throws -> APIKey?
    /// Keys, of one user or all.
    func apiKeys(of user: UserID?) async throws -> [APIKey]
    /// Revokes a key; false when there is no such key.
    @discardableResult
    func revokeAPIKey(_ id: APIKeyID, at date: Date) async throws -> Bool
    /// Records a key's use.
    func recordUse(of key: APIKeyID, at date: Date) async throws

    /// Every user, by id.
    func users() async throws -> [User]

    /// Creates the first user, only while no user exists (atomically: of two concurrent calls,
    /// one wins). Returns `nil` when a user exists already.
    func createFirstUser(username: String, passwordHash: String, at date: Date) async throws -> User?

    // MARK: Sessions

    /// Saves a new session.
    func createSession(_ session: LoginSession) async throws
    /// The session with this id hash, if any (expired ones too: callers check ``LoginSession/isValid(at:)``).
    func session(idHash: String) async throws -> LoginSession?
    /// Records that a session was used.
    func touchSession(idHash: String, at date: Date) async throws
    /// Ends a session (logout).
    func deleteSession(idHash: String) async throws
    /// Ends every session of a user (password change); returns how many.
    @discardableResult
    func deleteSessions(of user: UserID) async throws -> Int
    /// Removes sessions that have expired; returns how many.
    @discardableResult
    func deleteExpiredSessions(at date: Date) async throws -> Int

    // MARK: Audit log

    /// Appends an entry; returns it with its id.
    @discardableResult
    func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry
    /// Entries, newest first, optionally of one action.
    func auditEntries(action: String?, limit: Int, offset: Int) async throws -> Page<AuditEntry>
}
