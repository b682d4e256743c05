//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import ArgusAccounts
import Foundation
import Hummingbird

/// The first run: while no user exists, a one-time token (written to the log) lets one person
/// create the admin, through the API or the setup page alike.
public actor FirstRunSetup {
    /// Where the admin is created.
    let accounts: any AccountStore
    /// Where the networks given at setup are kept.
    let store: any ArgusStore
    /// Hashes the admin's password.
    let hasher: PasswordHasher
    /// Checks the networks given at setup.
    let targetRules: ScanTargetRules
    /// Addresses config.yaml never lets a scan reach.
    let exclusions: [String]
    /// Records each attempt.
    let audit: AuditLog
    private var token: String?

    /// How a first-run setup went.
    enum Outcome {
        /// The admin was created (and signed nowhere yet).
        case created(User)
        /// A user exists already.
        case done
        /// The token was not the one in the log (the attempt is audited).
        case wrongToken
    }

    init(accounts: any AccountStore, store: any ArgusStore, hasher: PasswordHasher, configuration: ServerConfiguration, audit: AuditLog) {
        self.accounts = accounts
        self.store = store
        self.hasher = hasher
        self.targetRules = configuration.targetRules
        self.exclusions = configuration.exclusions
        self.audit = audit
    }

    /// Makes the one-time setup token when no user exists yet (and returns it, to be logged);
    /// `nil` once an admin exists.
    public func prepare() async throws -> String? {
        guard try await accounts.userCount() == 0 else { return nil }
        let token = Tokens.random(bytes: 16)
        self.token = token
        return token
    }

    /// The networks given at setup (`"192.168.1.0/24, 10.0.0.5"`), checked against the
    /// exclusions and the address limit.
    /// - Throws: What is wrong with them, for people.
    nonisolated func networks(_ text: String) throws -> [String] {
        try targetRules.targets(ScanTargetRules.split(text), excluding: exclusions).targets.map(\.text)
    }

    /// Spends the token, creates the admin atomically (the token comes back if that fails),
    /// keeps the networks, and audits.
    func complete(username: String, password: String, token candidate: String, networks: [String], request: Request, context: ArgusRequestContext)
        async throws -> Outcome
    {
        guard let current = token, Tokens.constantTimeEquals(candidate, current) else {
            await audit("setup", context, request: request, details: "wrong setup token", success: false)
            return .wrongToken
        }
        token = nil
        let created: User?
        do {
            created = try await accounts.createFirstUser(username: username, passwordHash: await hasher.hash(password), at: Date())
        } catch {
            token = token ?? current
            throw error
        }
        guard let user = created else { return .done }
        if !networks.isEmpty { try await store.setSetting("network.subnets", to: networks.joined(separator: ",")) }
        await audit("setup", context, request: request, user: user, resource: ("user", "\(user.id)"))
        return .created(user)
    }
}
