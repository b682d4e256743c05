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

/// A user's id in the account store.
public typealias UserID = Identifier<User>
/// An API key's id in the account store.
public typealias APIKeyID = Identifier<APIKey>

/// Someone who may sign in.
public struct User: Sendable, Codable, Hashable, Identifiable {
    /// The store's id for the user.
    public var id: UserID
    /// The sign-in name (unique, compared exactly).
    public var username: String
    /// The password hash (bcrypt or Argon2id, encoded with its parameters). Never shown.
    public var passwordHash: String
    /// When the user was created.
    public var createdAt: Date
    /// When the user last signed in.
    public var lastLoginAt: Date?

    /// Creates a user record.
    public init(id: UserID, username: String, passwordHash: String, createdAt: Date, lastLoginAt: Date? = nil) {
        self.id = id
        self.username = username
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.lastLoginAt = lastLoginAt
    }
}

/// An API key. Only its SHA-256 hash is stored; the key itself is shown once, when created.
public struct APIKey: Sendable, Codable, Hashable, Identifiable {
    /// The store's id for the key.
    public var id: APIKeyID
    /// The user the key acts for.
    public var userID: UserID
    /// The owner's name for the key.
    public var name: String
    /// The first characters of the key, to tell keys apart in lists.
    public var prefix: String
    /// The SHA-256 of the key, hex-encoded.
    public var keyHash: String
    /// When the key was created.
    public var createdAt: Date
    /// When the key was last used.
    public var lastUsedAt: Date?
    /// When the key stops working.
    public var expiresAt: Date?
    /// When the key was revoked.
    public var revokedAt: Date?

    /// Creates a key record.
    public init(
        id: APIKeyID, userID: UserID, name: String, prefix: String, keyHash: String, createdAt: Date, lastUsedAt: Date? = nil, expiresAt: Date? = nil,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.name = name
        self.prefix = prefix
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// True when the key is neither revoked nor expired at `date`.
    public func isUsable(at date: Date = Date()) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > date } ?? true)
    }
}

/// One line of the audit log: who did what, from where, and whether it worked.
public struct AuditEntry: Sendable, Codable, Hashable {
    /// The store's id for the entry (0 before it is stored).
    public var id: Int64
    /// When it happened.
    public var timestamp: Date
    /// The user who acted, if known.
    public var userID: UserID?
    /// The name used (kept even when the user is later removed, or the sign-in failed).
    public var username: String?
    /// The API key used, if any.
    public var apiKeyID: APIKeyID?
    /// What was done, e.g. `login`, `setup`, `scan.start`, `device.edit`, `apikey.create`.
    public var action: String
    /// The kind of thing acted on, e.g. `device`.
    public var resourceType: String?
    /// Which one.
    public var resourceID: String?
    /// Details as JSON text.
    public var details: String?
    /// The client's address.
    public var clientAddress: String?
    /// The client's user agent.
    public var userAgent: String?
    /// Whether it worked.
    public var success: Bool

    /// Creates an audit entry.
    public init(
        id: Int64 = 0, timestamp: Date = Date(), userID: UserID? = nil, username: String? = nil, apiKeyID: APIKeyID? = nil, action: String,
        resourceType: String? = nil, resourceID: String? = nil, details: String? = nil, clientAddress: String? = nil, userAgent: String? = nil,
        success: Bool = true
    ) {
        self.id = id
        self.timestamp = timestamp
        self.userID = userID
        self.username = username
        self.apiKeyID = apiKeyID
        self.action = action
        self.resourceType = resourceType
        self.resourceID = resourceID
        self.details = details
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.success = success
    }
}

/// A signed-in browser session. The store keeps only a hash of the session id the cookie
/// carries, so a copy of the database opens no session.
public struct LoginSession: Sendable, Codable, Hashable {
    /// SHA-256 of the session id, hex.
    public var idHash: String
    /// Who signed in.
    public var userID: UserID
    /// The token forms and scripts send back with every state-changing request (CSRF).
    public var csrfToken: String
    /// When the session began.
    public var createdAt: Date
    /// When it was last used.
    public var lastSeenAt: Date
    /// When it ends whatever happens (absolute expiry).
    public var expiresAt: Date
    /// How long it may stay unused before it ends, in seconds.
    public var idleTimeout: Double
    /// Whether the owner asked to be remembered (a lasting cookie).
    public var remember: Bool
    /// The client's address when it signed in.
    public var clientAddress: String?
    /// The client's user agent when it signed in.
    public var userAgent: String?

    /// Creates a session record.
    public init(
        idHash: String, userID: UserID, csrfToken: String, createdAt: Date, lastSeenAt: Date, expiresAt: Date, idleTimeout: Double, remember: Bool,
        clientAddress: String? = nil, userAgent: String? = nil
    ) {
        self.idHash = idHash
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.idleTimeout = idleTimeout
        self.remember = remember
        self.clientAddress = clientAddress
        self.userAgent = userAgent
    }

    /// True while neither the absolute nor the idle expiry has passed.
    public func isValid(at date: Date) -> Bool {
        date < expiresAt && date.timeIntervalSince(lastSeenAt) < idleTimeout
    }
}
