//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import HummingbirdBcrypt

/// bcrypt, run off the server's event loops (it is deliberately slow).
public struct PasswordHasher: Sendable {
    /// The bcrypt cost: 12 in production; tests use 4.
    public var cost: UInt8

    /// Creates a hasher.
    public init(cost: UInt8 = 12) {
        self.cost = cost
    }

    /// The shortest password accepted.
    public static let minimumLength = 10

    /// Why a new password is refused, or `nil` when it is acceptable.
    public static func problem(with password: String) -> String? {
        if password.count < minimumLength { return "must be at least \(minimumLength) characters" }
        if password.utf8.count > 72 { return "must be at most 72 bytes (bcrypt's limit)" }
        return nil
    }

    /// The hash of a password.
    public func hash(_ password: String) async -> String {
        let cost = cost
        return await Task.detached { Bcrypt.hash(password, cost: cost) }.value
    }

    /// Whether a password matches a hash. With no hash (an unknown user), a dummy hash is
    /// checked so the answer takes as long either way.
    public func verify(_ password: String, hash: String?) async -> Bool {
        let target = hash ?? Self.dummyHash
        let matches = await Task.detached { Bcrypt.verify(password, hash: target) }.value
        return hash != nil && matches
    }

    private static let dummyHash = Bcrypt.hash("argus-dummy-password", cost: 12)
}
