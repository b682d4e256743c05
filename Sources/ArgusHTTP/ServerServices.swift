//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import ArgusAccounts
public import Foundation
import Hummingbird
public import Logging
import HTTPTypes
import Synchronization

/// What the routes share: the store, the scan coordinator, settings and the security helpers.
public final class ServerServices: Sendable {
    /// The session cookie's name.
    static let sessionCookie = "argus_session"
    /// The CSRF header.
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    /// The API key header.
    static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    /// Where everything is kept.
    public let store: any DeviceStore
    /// The settings.
    public let configuration: ServerConfiguration
    /// Runs scans.
    public let scans: ScanCoordinator
    /// Hashes passwords.
    public let hasher: PasswordHasher
    /// Delivers alerts.
    public let alerts: AlertDispatcher
    /// The alert sinks' names and descriptions (secrets redacted).
    public let alertSinks: [(name: String, description: String)]
    /// Slows guessing.
    let throttle: LoginThrottle
    /// When the server started.
    public let startedAt = Date()
    let logger: Logger
    private let setupToken: Mutex<String?>

    /// Creates the shared services.
    public init(store: any DeviceStore, configuration: ServerConfiguration, scans: ScanCoordinator, hasher: PasswordHasher = PasswordHasher(), alerts: AlertDispatcher? = nil, alertSinks: [(name: String, description: String)] = [], logger: Logger = Logger(label: "argus-server")) {
        self.alerts = alerts ?? AlertDispatcher(store: store, sinks: [])
        self.alertSinks = alertSinks
        self.store = store
        self.configuration = configuration
        self.scans = scans
        self.hasher = hasher
        self.logger = logger
        self.throttle = LoginThrottle(limit: configuration.maxLoginFailures, window: TimeInterval(configuration.lockoutMinutes * 60))
        self.setupToken = Mutex(nil)
    }

    /// Makes the one-time setup token when no user exists yet (and returns it, to be logged);
    /// `nil` once an admin exists.
    public func prepareSetup() async throws -> String? {
        guard try await store.userCount() == 0 else { return nil }
        let token = Tokens.random(bytes: 16)
        setupToken.withLock { $0 = token }
        return token
    }

    /// Whether a setup token is the current one; a match consumes it.
    func consumeSetupToken(_ candidate: String) -> Bool {
        setupToken.withLock { token in
            guard let current = token, Tokens.constantTimeEquals(candidate, current) else { return false }
            token = nil
            return true
        }
    }

    /// Puts a consumed setup token back (the setup failed after all).
    func restoreSetupToken(_ token: String) {
        setupToken.withLock { $0 = $0 ?? token }
    }

    /// The client's address: the peer, or the first `X-Forwarded-For` hop when the peer is a
    /// trusted proxy.
    func clientAddress(of request: Request, peer: String?) -> String {
        let peer = peer ?? "unknown"
        guard configuration.trustedProxies.contains(peer), let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!] else { return peer }
        return forwarded.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? peer
    }

    /// True when an `Origin` header names this server (its `Host`).
    func isSameOrigin(_ origin: String, request: Request) -> Bool {
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    /// Checks a user name and password, with throttling and audit.
    /// - Throws: ``APIError`` 429 (with `Retry-After`) while throttled, 401 when wrong.
    func verifyCredentials(username: String, password: String, request: Request, context: ArgusRequestContext) async throws -> User {
        let client = context.clientAddress
        let name = String(username.prefix(64))
        if let wait = await throttle.retryAfter(client: client, username: username) {
            await audit("login", context, request: request, details: "throttled: \(name)", success: false)
            throw APIError(.tooManyRequests, "Too many failed sign-ins: try again in \(wait) s", headers: [.retryAfter: "\(wait)"])
        }
        let user = try await store.user(named: username)
        guard await hasher.verify(password, hash: user?.passwordHash), let user else {
            await throttle.recordFailure(client: client, username: username)
            await audit("login", context, request: request, details: "wrong user name or password for \(name)", success: false)
            throw APIError(.unauthorized, "Wrong user name or password")
        }
        await throttle.recordSuccess(client: client, username: username)
        try await store.recordLogin(of: user.id, at: Date())
        await audit("login", context, request: request, user: user)
        return user
    }

    /// Starts a session: a random id in an HttpOnly, SameSite=Strict cookie, its hash in the store.
    func startSession(for user: User, remember: Bool, request: Request, context: ArgusRequestContext) async throws -> (Cookie, LoginSession) {
        let now = Date()
        let id = Tokens.random(bytes: 32)
        let lifetime = remember ? TimeInterval(configuration.rememberDays * 86_400) : TimeInterval(configuration.sessionAbsoluteHours * 3_600)
        let idle = remember ? lifetime : TimeInterval(configuration.sessionIdleMinutes * 60)
        let session = LoginSession(idHash: Tokens.sha256(id), userID: user.id, csrfToken: Tokens.random(bytes: 24), createdAt: now, lastSeenAt: now, expiresAt: now.addingTimeInterval(lifetime), idleTimeout: idle, remember: remember, clientAddress: context.clientAddress, userAgent: request.headers[.userAgent].map { String($0.prefix(200)) })
        try await store.createSession(session)
        let cookie = Cookie(name: Self.sessionCookie, value: id, maxAge: remember ? Int(lifetime) : nil, path: "/", secure: usesSecureCookies(request, context: context), httpOnly: true, sameSite: .strict)
        return (cookie, session)
    }

    /// A cookie that clears the session cookie.
    func expiredSessionCookie(_ request: Request, context: ArgusRequestContext) -> Cookie {
        Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/", secure: usesSecureCookies(request, context: context), httpOnly: true, sameSite: .strict)
    }

    /// Whether cookies should be marked Secure for this request.
    func usesSecureCookies(_ request: Request, context: ArgusRequestContext) -> Bool {
        if let secure = configuration.secureCookies { return secure }
        let peer = context.remoteAddress?.ipAddress ?? ""
        return configuration.trustedProxies.contains(peer) && request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
    }

    /// The targets of a network scan: the given subnets, else config.yaml's, else what setup
    /// stored; exclusions always apply.
    /// - Throws: ``APIError`` (422 on `subnet`) when none is configured or one is invalid.
    public func networkTargets(_ subnets: [String] = []) async throws -> ScanTargetList {
        let subnets = subnets.isEmpty ? try await configuredSubnets() : subnets
        guard !subnets.isEmpty else { throw APIError.invalid("subnet", "no network is configured: give a subnet, or set network.subnets in config.yaml") }
        do {
            return try ScanTargetList(subnets, excluding: try await exclusions(), addressLimit: configuration.maxAddresses)
        } catch {
            throw APIError.invalid("subnet", "\(error)")
        }
    }

    /// The networks to scan: set at run time (setup, `PUT /api/config`), else config.yaml's.
    public func configuredSubnets() async throws -> [String] {
        if let stored = try await store.setting("network.subnets"), !stored.isEmpty {
            return stored.split(separator: ",").map(String.init)
        }
        return configuration.subnets
    }

    /// Addresses never scanned: config.yaml's, and those added at run time (settings page).
    public func exclusions() async throws -> [String] {
        let stored = try await store.setting("network.exclusions")?.split(separator: ",").map(String.init) ?? []
        return configuration.exclusions + stored.filter { !configuration.exclusions.contains($0) }
    }

    /// The profile of network scans, with the ports and OS detection set at run time.
    public func defaultProfile(named name: String? = nil) async throws -> ScanProfile? {
        var chosen = name
        if chosen == nil { chosen = try await store.setting("network.scan_profile") }
        let name = chosen ?? configuration.scanProfile
        guard var profile = configuration.profiles.first(where: { $0.name == name }) else { return nil }
        if profile.ports != nil, let ports = try await store.setting("scanning.port_range"), let specification = try? PortSpecification(ports) {
            profile.ports = specification
        }
        if try await store.setting("scanning.enable_os_detection") == "false" { profile.detectsOS = false }
        return profile
    }

    /// Deletes scans past the retention settings (devices and their latest observations stay).
    public func pruneScans(now: Date = Date()) async throws -> Int {
        let days = configuration.retentionDays
        let keep = configuration.keepScans
        return try await store.pruneScans(finishedBefore: days > 0 ? now.addingTimeInterval(-Double(days) * 86_400) : nil, keepingNewest: keep > 0 ? keep : nil)
    }

    /// Appends to the audit log; a failure to write it is logged, never hidden.
    func audit(_ action: String, _ context: ArgusRequestContext, request: Request, user: User? = nil, resource: (type: String, id: String)? = nil, details: String? = nil, success: Bool = true) async {
        var apiKeyID: APIKeyID?
        var actor = user
        if let identity = context.identity {
            actor = actor ?? identity.user
            if case .apiKey(_, let key) = identity { apiKeyID = key.id }
        }
        let entry = AuditEntry(userID: actor?.id, username: actor?.username, apiKeyID: apiKeyID, action: action, resourceType: resource?.type, resourceID: resource?.id, details: details, clientAddress: context.clientAddress, userAgent: request.headers[.userAgent].map { String($0.prefix(200)) }, success: success)
        do {
            try await store.appendAudit(entry)
        } catch {
            logger.error("could not write the audit log: \(error)", metadata: ["action": "\(action)"])
        }
    }
}
