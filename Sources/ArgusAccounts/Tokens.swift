//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Crypto
import Foundation

/// Random secrets and their hashes: session ids, CSRF tokens, API keys, the setup token.
public enum Tokens {
    /// A random token of `bytes` bytes (from the system's CSPRNG), base64url without padding.
    public static func random(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=", with: "")
    }

    /// SHA-256 of a text, lower-case hex: what the store keeps instead of a secret.
    public static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two secrets in time that depends only on their lengths.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }

    /// A new API key: `argus_` and 256 random bits. Shown once; only its hash is stored.
    public static func apiKey() -> (key: String, prefix: String, hash: String) {
        let key = "argus_" + random(bytes: 32)
        return (key, String(key.prefix(12)), sha256(key))
    }
}

/// Account chores shared by argus-server and argus-cli, over any store.
public struct Accounts: Sendable {
    /// Where users and keys are kept.
    public let store: any AccountStore
    /// Password hashing.
    public let hasher: PasswordHasher

    /// Creates the helper.
    public init(store: any AccountStore, hasher: PasswordHasher = PasswordHasher()) {
        self.store = store
        self.hasher = hasher
    }

    /// Why an account request is refused.
    public struct Refusal: Error, CustomStringConvertible {
        /// The field at fault.
        public var field: String
        /// For people.
        public var description: String
    }

    /// True for 1 to 64 letters, digits, `.`, `_` or `-`.
    public static func isValidUsername(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// Adds a user.
    public func addUser(_ username: String, password: String) async throws -> User {
        guard Self.isValidUsername(username) else {
            throw Refusal(field: "username", description: "a user name is 1 to 64 letters, digits, '.', '_' or '-'")
        }
        if let problem = PasswordHasher.problem(with: password) { throw Refusal(field: "password", description: "the password \(problem)") }
        return try await store.createUser(username: username, passwordHash: await hasher.hash(password), at: Date())
    }

    /// Sets a user's password and ends their sessions.
    public func setPassword(of username: String, to password: String) async throws {
        guard let user = try await store.user(named: username) else { throw Refusal(field: "username", description: "no user is named \(username)") }
        if let problem = PasswordHasher.problem(with: password) { throw Refusal(field: "password", description: "the password \(problem)") }
        try await store.setPasswordHash(await hasher.hash(password), for: user.id)
        try await store.deleteSessions(of: user.id)
    }

    /// Creates an API key; the returned secret is shown once and never stored.
    public func createAPIKey(for user: User, name: String, expiresInDays: Int?) async throws -> (key: APIKey, secret: String) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(trimmed.count), trimmed.allSatisfy({ $0.isLetter || $0.isNumber || " _-.".contains($0) }) else {
            throw Refusal(field: "name", description: "a key's name is 1 to 100 letters, digits, spaces, '.', '_' or '-'")
        }
        if let days = expiresInDays, !(1...3650).contains(days) {
            throw Refusal(field: "expires_in_days", description: "a key expires after 1 to 3650 days")
        }
        let (secret, prefix, hash) = Tokens.apiKey()
        let key = try await store.createAPIKey(
            userID: user.id, name: trimmed, prefix: prefix, keyHash: hash,
            expiresAt: expiresInDays.map { Date().addingTimeInterval(TimeInterval($0 * 86_400)) }, at: Date())
        return (key, secret)
    }
}
