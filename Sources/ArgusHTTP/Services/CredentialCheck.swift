//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusAccounts
import Foundation
import Hummingbird

/// Checks a user name and password for the sign-in form and `POST /api/login` alike, slowing
/// guessing (per client and per user) and auditing every attempt.
struct CredentialCheck: Sendable {
    /// Where users are kept.
    let accounts: any AccountStore
    /// Verifies password hashes.
    let hasher: PasswordHasher
    /// Slows guessing.
    let throttle: LoginThrottle
    /// Records each attempt.
    let audit: AuditLog

    /// Creates the check with the configured failure limits.
    init(accounts: any AccountStore, hasher: PasswordHasher, configuration: ServerConfiguration, audit: AuditLog) {
        self.accounts = accounts
        self.hasher = hasher
        self.audit = audit
        self.throttle = LoginThrottle(
            limit: configuration.maxLoginFailures, window: TimeInterval(configuration.lockoutMinutes * 60),
            firstDelay: TimeInterval(configuration.firstLoginDelaySeconds), ceiling: configuration.maxFailuresPerUserPerHour)
    }

    /// The user whose name and password these are.
    /// - Throws: ``APIError`` 429 (with `Retry-After`) while throttled, 401 when wrong.
    func verify(username: String, password: String, request: Request, context: ArgusRequestContext) async throws -> User {
        let client = context.clientAddress
        let name = String(username.prefix(64))
        if let wait = await throttle.retryAfter(client: client, username: username) {
            await audit("login", context, request: request, details: "throttled: \(name)", success: false)
            throw APIError(.tooManyRequests, "Too many failed sign-ins: try again in \(wait) s", headers: [.retryAfter: "\(wait)"])
        }
        let user = try await accounts.user(named: username)
        guard await hasher.verify(password, hash: user?.passwordHash), let user else {
            await throttle.recordFailure(client: client, username: username)
            await audit("login", context, request: request, details: "wrong user name or password for \(name)", success: false)
            throw APIError(.unauthorized, "Wrong user name or password")
        }
        await throttle.recordSuccess(client: client, username: username)
        try await accounts.recordLogin(of: user.id, at: Date())
        await audit("login", context, request: request, user: user)
        return user
    }
}
