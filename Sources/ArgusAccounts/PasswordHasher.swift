//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Dispatch
import HummingbirdBcrypt
import Synchronization

/// bcrypt, run off the server's event loops and off Swift's cooperative threads (it is
/// deliberately slow: on two cores, a few sign-ins at once would otherwise stall every other
/// request and task).
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
        return await Self.offThePool { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether a password matches a hash. With no hash (an unknown user), a dummy hash of this
    /// hasher's cost is checked, so the answer takes as long either way.
    public func verify(_ password: String, hash: String?) async -> Bool {
        let cost = cost
        let matches = await Self.offThePool { Bcrypt.verify(password, hash: hash ?? Self.dummyHash(cost: cost)) }
        return hash != nil && matches
    }

    /// The dummy hashes, one per cost, made on first need.
    private static let dummyHashes = Mutex<[UInt8: String]>([:])

    private static func dummyHash(cost: UInt8) -> String {
        if let known = dummyHashes.withLock({ $0[cost] }) { return known }
        let made = Bcrypt.hash("argus-dummy-password", cost: cost)
        return dummyHashes.withLock { hashes in
            if let known = hashes[cost] { return known }
            hashes[cost] = made
            return made
        }
    }

    /// Where bcrypt runs: Dispatch's threads, not the cooperative pool's (one per core).
    private static let queue = DispatchQueue(label: "argus.bcrypt", qos: .userInitiated, attributes: .concurrent)

    private static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
