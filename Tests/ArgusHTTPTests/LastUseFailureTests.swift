//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ArgusHTTP

/// An account store whose "last use" writes fail on demand, as a database gone read-only (or a
/// full disk) makes them fail; everything else is the in-memory store's.
actor LastUseFailingAccounts: AccountStore {
    let base = InMemoryAccountStore()
    /// Whether `recordUse` and `touchSession` throw.
    var failing = false
    /// How many of them were attempted while failing.
    private(set) var failedAttempts = 0

    func fail() { failing = true }

    private func check() throws {
        guard failing else { return }
        failedAttempts += 1
        throw StoreError(.readOnly, "cannot write to /var/lib/argus/argus.db or its folder (attempt to write a readonly database)")
    }

    func createUser(username: String, passwordHash: String, at date: Date) async throws -> User {
        try await base.createUser(username: username, passwordHash: passwordHash, at: date)
    }
    func user(named username: String) async throws -> User? { await base.user(named: username) }
    func user(_ id: UserID) async throws -> User? { await base.user(id) }
    func userCount() async throws -> Int { await base.userCount() }
    func setPasswordHash(_ hash: String, for user: UserID) async throws { try await base.setPasswordHash(hash, for: user) }
    func recordLogin(of user: UserID, at date: Date) async throws { try await base.recordLogin(of: user, at: date) }
    func createAPIKey(userID: UserID, name: String, prefix: String, keyHash: String, expiresAt: Date?, at date: Date) async throws -> APIKey {
        try await base.createAPIKey(userID: userID, name: name, prefix: prefix, keyHash: keyHash, expiresAt: expiresAt, at: date)
    }
    func apiKey(hash: String) async throws -> APIKey? { await base.apiKey(hash: hash) }
    func apiKeys(of user: UserID?) async throws -> [APIKey] { await base.apiKeys(of: user) }
    func revokeAPIKey(_ id: APIKeyID, at date: Date) async throws -> Bool { await base.revokeAPIKey(id, at: date) }
    func recordUse(of key: APIKeyID, at date: Date) async throws {
        try check()
        await base.recordUse(of: key, at: date)
    }
    func users() async throws -> [User] { await base.users() }
    func createFirstUser(username: String, passwordHash: String, at date: Date) async throws -> User? {
        try await base.createFirstUser(username: username, passwordHash: passwordHash, at: date)
    }
    func createSession(_ session: LoginSession) async throws { await base.createSession(session) }
    func session(idHash: String) async throws -> LoginSession? { await base.session(idHash: idHash) }
    func touchSession(idHash: String, at date: Date) async throws {
        try check()
        await base.touchSession(idHash: idHash, at: date)
    }
    func deleteSession(idHash: String) async throws { await base.deleteSession(idHash: idHash) }
    func deleteSessions(of user: UserID) async throws -> Int { await base.deleteSessions(of: user) }
    func deleteExpiredSessions(at date: Date) async throws -> Int { await base.deleteExpiredSessions(at: date) }
    func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry { await base.appendAudit(entry) }
    func auditEntries(action: String?, limit: Int, offset: Int) async throws -> Page<AuditEntry> {
        await base.auditEntries(action: action, limit: limit, offset: offset)
    }
}

@Suite struct LastUseFailureTests {
    /// Recording a key's or a session's last use is bookkeeping: when the store refuses it, the
    /// request is still served (reads included), and the failure is logged, not answered.
    @Test func aFailureToRecordLastUseNeverFailsTheRequest() async throws {
        let accounts = LastUseFailingAccounts()
        var configuration = ServerConfiguration()
        configuration.subnets = ["192.0.2.0/24"]
        let server = ArgusServer(
            configuration: configuration, store: InMemoryDeviceStore(), accounts: accounts, scanner: FakeScanner(), hasher: PasswordHasher(cost: 4))
        let token = try #require(try await server.services.setup.prepare())
        try await server.application().test(.router) { client in
            let setup = try await client.execute(
                uri: "/api/setup", method: .post, headers: [.contentType: "application/json"],
                body: json(["username": "admin", "password": TestServer.password, "setup_token": token]))
            let browser = try client.browser(from: setup)
            let created = try await client.object("/api/keys", method: .post, headers: browser.headers, body: json(["name": "ha"]))
            let key = try #require(created.1["key"] as? String)
            // A session last seen two minutes ago: this request would touch it.
            let sessionID = Tokens.random(bytes: 32)
            let user = try #require(try await accounts.user(named: "admin"))
            let earlier = Date().addingTimeInterval(-120)
            try await accounts.createSession(
                LoginSession(
                    idHash: Tokens.sha256(sessionID), userID: user.id, csrfToken: Tokens.random(bytes: 24), createdAt: earlier, lastSeenAt: earlier,
                    expiresAt: Date().addingTimeInterval(3_600), idleTimeout: 3_600, remember: false, clientAddress: "127.0.0.1", userAgent: nil))

            await accounts.fail()
            let withKey = try await client.execute(uri: "/api/devices", method: .get, headers: [HTTPField.Name("X-API-Key")!: key])
            #expect(withKey.status == .ok, "\(String(buffer: withKey.body))")
            let withSession = try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: "argus_session=\(sessionID)"])
            #expect(withSession.status == .ok, "\(String(buffer: withSession.body))")
            #expect(!String(buffer: withSession.body).contains("/var/lib"))
            #expect(await accounts.failedAttempts == 2, "both last uses were attempted")
            // What is logged of such a failure names no file.
            let logged = server.services.storeHealth.redacted(
                StoreError(.readOnly, "cannot write to /var/lib/argus/argus.db or its folder (attempt to write a readonly database)"))
            #expect(logged == "cannot write to a file or its folder (attempt to write a readonly database)", "\(logged)")
            #expect(server.services.storeHealth.redacted(StoreError(.storage, "port 22/tcp of 192.0.2.1/24")) == "port 22/tcp of 192.0.2.1/24")
        }
    }
}
