//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import ArgusAccounts
public import ArgusAlerts
public import Foundation
import HTTPTypes
import Hummingbird
public import Logging
import Synchronization

/// What the routes share: the store, the scan coordinator, settings and the security helpers.
public final class ServerServices: Sendable {
    /// The session cookie's name on plain HTTP.
    static let sessionCookie = "argus_session"
    /// The session cookie's name when cookies are Secure: the `__Host-` prefix makes browsers
    /// refuse it unless it is Secure, for this host only (no `Domain`) and for `Path=/`, so a
    /// sibling subdomain or a plain-HTTP page cannot plant or overwrite it.
    static let secureSessionCookie = "__Host-argus_session"
    /// The CSRF header.
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    /// The API key header.
    static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    /// Where the inventory, the outbox, vulnerabilities and settings are kept.
    public let store: any ArgusStore
    /// Where users, API keys, sessions and the audit log are kept.
    public let accounts: any AccountStore
    /// The settings.
    public let configuration: ServerConfiguration
    /// Runs scans.
    public let scans: ScanCoordinator
    /// Hashes passwords.
    public let hasher: PasswordHasher
    /// Delivers alerts.
    public let alerts: AlertDispatcher
    /// The names of the sinks given at start (config.yaml's: the API cannot change those).
    public let configuredSinkNames: Set<String>
    /// The sink types the API and the settings page may add (the built-in ones, and a
    /// program's own).
    public let sinkTypes: AlertSinkRegistry
    /// Slows guessing.
    let throttle: LoginThrottle
    /// When the server started.
    public let startedAt = Date()
    let logger: Logger
    private let setupToken: Mutex<String?>
    private let storeDamage = Mutex<String?>(nil)

    /// Creates the shared services.
    public init(
        store: any ArgusStore, accounts: any AccountStore, configuration: ServerConfiguration, scans: ScanCoordinator,
        hasher: PasswordHasher = PasswordHasher(), alerts: AlertDispatcher? = nil,
        sinkTypes: AlertSinkRegistry = .standard, fixedSinkNames: Set<String>? = nil,
        logger: Logger = Logger(label: "argus-server")
    ) {
        self.alerts = alerts ?? AlertDispatcher(store: store, sinks: [])
        self.configuredSinkNames = fixedSinkNames ?? Set(configuration.alertSinks.map(\.name))
        self.sinkTypes = sinkTypes
        self.store = store
        self.accounts = accounts
        self.configuration = configuration
        self.scans = scans
        self.hasher = hasher
        self.logger = logger
        self.throttle = LoginThrottle(
            limit: configuration.maxLoginFailures, window: TimeInterval(configuration.lockoutMinutes * 60),
            ceiling: configuration.maxFailuresPerUserPerHour)
        self.setupToken = Mutex(nil)
    }

    /// Why the store cannot be used now (a damaged database met at run time), in a sentence
    /// without paths; `nil` while it is healthy.
    public func storeProblem() async -> String? {
        if let noted = storeDamage.withLock({ $0 }) { return noted }
        return await (store as? any StoreHealthReporting)?.healthProblem()
    }

    /// Notes a store error a request met: a corruption error makes the store unhealthy (the
    /// server then refuses requests with 503 and `/health` says why) until the server restarts.
    func noteStoreError(_ error: StoreError) {
        guard error.code == .corrupt else { return }
        storeDamage.withLock { noted in
            if noted == nil {
                noted =
                    "the database is damaged; restore it from a backup, or recover what it holds with sqlite3's .recover, then restart argus-server"
            }
        }
    }

    /// A store error's message for the server's log: the database's path and folder replaced
    /// by "the database", and any other absolute path by "a file" (logs are read by more people
    /// than the database's owner, and a store an embedder passes may name its own files).
    func redacted(_ error: StoreError) -> String {
        var text = error.message
        if let path = configuration.databasePath, !path.isEmpty {
            text = text.replacingOccurrences(of: path, with: "the database")
            if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
                text = text.replacingOccurrences(of: String(path[..<slash]), with: "the database's folder")
            }
        }
        return text.replacingOccurrences(of: #"(?<![\w.~])/[^\s()'";,]+"#, with: "a file", options: .regularExpression)
    }

    /// Makes the one-time setup token when no user exists yet (and returns it, to be logged);
    /// `nil` once an admin exists.
    public func prepareSetup() async throws -> String? {
        guard try await accounts.userCount() == 0 else { return nil }
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

    /// The networks given at setup (`"192.168.1.0/24, 10.0.0.5"`), checked against the
    /// exclusions and the address limit.
    /// - Throws: What is wrong with them, for people.
    func setupNetworks(_ text: String) throws -> [String] {
        try configuration.targetRules.targets(ScanTargetRules.split(text), excluding: configuration.exclusions).targets.map(\.text)
    }

    /// How a first-run setup went.
    enum SetupOutcome {
        /// The admin was created (and signed nowhere yet).
        case created(User)
        /// A user exists already.
        case done
        /// The token was not the one in the log (the attempt is audited).
        case wrongToken
    }

    /// The first-run setup, for the API and the form alike: spends the token, creates the admin
    /// atomically (the token comes back if that fails), keeps the networks, and audits.
    func completeSetup(username: String, password: String, token: String, networks: [String], request: Request, context: ArgusRequestContext)
        async throws -> SetupOutcome
    {
        guard consumeSetupToken(token) else {
            await audit("setup", context, request: request, details: "wrong setup token", success: false)
            return .wrongToken
        }
        let created: User?
        do {
            created = try await accounts.createFirstUser(username: username, passwordHash: await hasher.hash(password), at: Date())
        } catch {
            restoreSetupToken(token)
            throw error
        }
        guard let user = created else { return .done }
        if !networks.isEmpty { try await store.setSetting("network.subnets", to: networks.joined(separator: ",")) }
        await audit("setup", context, request: request, user: user, resource: ("user", "\(user.id)"))
        return .created(user)
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

    /// Starts a session: a random id in an HttpOnly, SameSite=Strict cookie, its hash in the store.
    func startSession(for user: User, remember: Bool, request: Request, context: ArgusRequestContext) async throws -> (Cookie, LoginSession) {
        let now = Date()
        let id = Tokens.random(bytes: 32)
        let lifetime = remember ? TimeInterval(configuration.rememberDays * 86_400) : TimeInterval(configuration.sessionAbsoluteHours * 3_600)
        let idle = remember ? lifetime : TimeInterval(configuration.sessionIdleMinutes * 60)
        let session = LoginSession(
            idHash: Tokens.sha256(id), userID: user.id, csrfToken: Tokens.random(bytes: 24), createdAt: now, lastSeenAt: now,
            expiresAt: now.addingTimeInterval(lifetime), idleTimeout: idle, remember: remember, clientAddress: context.clientAddress,
            userAgent: request.headers[.userAgent].map { String($0.prefix(200)) })
        try await accounts.createSession(session)
        let secure = usesSecureCookies(request, context: context)
        let cookie = Cookie(
            name: secure ? Self.secureSessionCookie : Self.sessionCookie, value: id, maxAge: remember ? Int(lifetime) : nil, path: "/",
            secure: secure, httpOnly: true, sameSite: .strict)
        return (cookie, session)
    }

    /// A cookie that clears the session cookie.
    func expiredSessionCookie(_ request: Request, context: ArgusRequestContext) -> Cookie {
        let secure = usesSecureCookies(request, context: context)
        return Cookie(
            name: secure ? Self.secureSessionCookie : Self.sessionCookie, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true,
            sameSite: .strict)
    }

    /// The session id a request carries: in `__Host-argus_session` when cookies are Secure for
    /// it (a plain `argus_session` is then ignored: anyone on the path could have set it), else
    /// in `argus_session`.
    func sessionID(in request: Request, context: ArgusRequestContext) -> String? {
        let name = usesSecureCookies(request, context: context) ? Self.secureSessionCookie : Self.sessionCookie
        guard let value = request.cookies[name]?.value, !value.isEmpty else { return nil }
        return value
    }

    /// Whether cookies should be marked Secure for this request: as `server.secure_cookies` says,
    /// else when a trusted proxy says the request came over HTTPS (`X-Forwarded-Proto: https`).
    func usesSecureCookies(_ request: Request, context: ArgusRequestContext) -> Bool {
        if let secure = configuration.secureCookies { return secure }
        let peer = context.remoteAddress?.ipAddress ?? ""
        guard configuration.trustedProxies.contains(peer), let proto = request.headers[HTTPField.Name("X-Forwarded-Proto")!] else { return false }
        return proto.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
    }

    /// The targets of a network scan: the given subnets, else config.yaml's, else what setup
    /// stored; exclusions always apply.
    /// - Throws: ``APIError`` (422 on `subnet`) when none is configured or one is invalid.
    public func networkTargets(_ subnets: [String] = []) async throws -> ScanTargetList {
        // Targets a caller names are held to the scan scope; the configured networks are it.
        if !subnets.isEmpty { return try await scopedTargets(subnets, field: "subnet") }
        let subnets = try await configuredSubnets()
        guard !subnets.isEmpty else {
            throw APIError.invalid("subnet", "no network is configured: give a subnet, or set network.subnets in config.yaml")
        }
        let exclusions = try await exclusions()
        do {
            return try configuration.targetRules.targets(subnets, excluding: exclusions)
        } catch let error as ScanTargetError where exclusions.contains(error.input) {
            // Saved before every input went through the same rules: say where to fix it.
            throw APIError.invalid("network.exclusions", "\(error) (change it on the settings page)")
        } catch {
            throw APIError.invalid("subnet", "\(error)")
        }
    }

    /// The setting that lets scans reach outside the configured networks.
    static let allowOutsideScopeSetting = "scanning.allow_outside_scope"

    /// Whether an admin let scans reach outside the configured networks.
    public func allowsScansOutsideScope() async throws -> Bool {
        try await store.setting(Self.allowOutsideScopeSetting) == "true"
    }

    /// The scan scope: the configured networks, their host names resolved.
    public func scanScope() async throws -> ScanScope {
        var networks: [ScanTarget] = []
        for text in try await configuredSubnets() {
            guard let target = try? ScanTarget(text) else { continue }
            if target.kind == .hostname {
                networks += HostResolver.addresses(of: text).compactMap { try? ScanTarget($0) }
            } else {
                networks.append(target)
            }
        }
        return ScanScope(networks: networks)
    }

    /// Targets a request names, ready for nmap: host names resolved once (the address is what
    /// is checked and scanned), exclusions applied, and — unless `scanning.allow_outside_scope`
    /// is on — every target inside the scan scope.
    /// - Throws: ``APIError`` 422 on `field` for an invalid or unresolvable target, 403 on
    ///   `field` for one outside the configured networks.
    public func scopedTargets(_ texts: [String], field: String) async throws -> ScanTargetList {
        let exclusions = try await exclusions()
        var resolved: [String] = []
        var names: [String: String] = [:]
        for text in texts {
            let target: ScanTarget
            do { target = try ScanTarget(text) } catch { throw APIError.invalid(field, "\(error)") }
            guard target.kind == .hostname else {
                resolved.append(text)
                continue
            }
            guard let address = HostResolver.addresses(of: text).first else {
                throw APIError.invalid(field, "\(text) does not resolve to an address")
            }
            names[address] = text
            resolved.append(address)
        }
        let list: ScanTargetList
        do {
            list = try configuration.targetRules.targets(resolved, excluding: exclusions)
        } catch let error as ScanTargetError where exclusions.contains(error.input) {
            throw APIError.invalid("network.exclusions", "\(error) (change it on the settings page)")
        } catch {
            throw APIError.invalid(field, "\(error)")
        }
        guard try await !allowsScansOutsideScope() else { return list }
        let scope = try await scanScope()
        let excluded = exclusions.compactMap { try? ScanTarget($0) }
        for target in list.targets where !scope.contains(target, excluding: excluded) {
            let shown = names[target.text].map { "\($0) (\(target.text))" } ?? target.text
            let networks = scope.networks.isEmpty ? "none is configured" : scope.networks.map(\.text).joined(separator: ", ")
            throw APIError(
                .forbidden,
                "\(shown) is outside the configured networks (\(networks)); scans reach only network.subnets unless an admin allows scans outside them (scanning.allow_outside_scope)",
                field: field)
        }
        return list
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

    /// Deletes scans past the retention settings (devices and their latest observations stay),
    /// and settled alert messages older than `retention.days`.
    /// - Returns: How many scans were deleted.
    public func pruneScans(now: Date = Date()) async throws -> Int {
        let days = configuration.retentionDays
        let keep = configuration.keepScans
        let cutoff = days > 0 ? now.addingTimeInterval(-Double(days) * 86_400) : nil
        if let cutoff { try await store.pruneSettledMessages(queuedBefore: cutoff) }
        return try await store.pruneScans(finishedBefore: cutoff, keepingNewest: keep > 0 ? keep : nil)
    }

    /// Appends to the audit log; a failure to write it is logged, never hidden.
    /// The setting that holds the sinks added through the API (secrets included: the database
    /// is the server's own, mode 0600).
    static let storedSinksSetting = "alerts.api_sinks"

    /// A sink as the API and the settings page show it.
    public struct SinkListing: Sendable {
        /// Its name.
        public var name: String
        /// Where it sends (secrets redacted).
        public var description: String
        /// `config` (config.yaml, read-only) or `api`.
        public var source: String
    }

    /// Every sink, with where it was defined.
    public func alertSinkList() async -> [SinkListing] {
        // A sink's secrets are taken out even of its description (one without its own would show
        // every field).
        await alerts.allSinks.map {
            SinkListing(
                name: $0.name, description: SecretRedaction.redact("\($0)", secrets: $0.secrets),
                source: configuredSinkNames.contains($0.name) ? "config" : "api")
        }
    }

    /// Whether a sink of that name exists.
    public func hasAlertSink(_ name: String) async -> Bool { await alerts.sinkNames.contains(name) }

    /// The sinks added through the API, as stored: one JSON object each, kept as written so
    /// that one this version cannot read is never lost when another is added or removed.
    private func storedSinks() async throws -> [[String: Any]] {
        guard let text = try await store.setting(Self.storedSinksSetting) else { return [] }
        guard let items = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { return [] }
        return items
    }

    private func saveStoredSinks(_ sinks: [[String: Any]]) async throws {
        let data = try JSONSerialization.data(withJSONObject: sinks, options: [.sortedKeys])
        try await store.setSetting(Self.storedSinksSetting, to: String(decoding: data, as: UTF8.self))
    }

    /// A stored sink's settings. Versions before the sink registry wrote camelCase keys
    /// (`caFile`); they are read as today's `ca_file`.
    private func decodeStoredSink(_ object: [String: Any]) throws -> AlertSinkConfiguration {
        let settings = Dictionary(object.map { ($0.key.snakeCased, $0.value) }) { first, _ in first }
        let decoder = JSONDecoder()
        decoder.userInfo = sinkTypes.userInfo(refusingUnknownSettings: false)
        return try decoder.decode(AlertSinkConfiguration.self, from: JSONSerialization.data(withJSONObject: settings))
    }

    /// Starts the sinks added through the API in an earlier run. One that no longer builds is
    /// logged and left out (and kept in the store); its messages wait in the outbox.
    public func restoreAlertSinks() async throws {
        for object in try await storedSinks() {
            let name = object["name"] as? String ?? "(unnamed)"
            guard !configuredSinkNames.contains(name) else { continue }
            let settings: AlertSinkConfiguration
            do {
                settings = try decodeStoredSink(object)
            } catch {
                logger.error("alerts: the sink \(name) added through the API cannot be read: \(error)")
                continue
            }
            do {
                await alerts.add(try sinkTypes.sink(for: settings), policy: configuration.deliveryPolicy(for: settings))
            } catch {
                logger.error(
                    "alerts: the sink \(name) added through the API cannot be used: \(SecretRedaction.redact("\(error)", secrets: settings.secretValues))"
                )
            }
        }
    }

    /// Adds a sink, or replaces one added earlier through the API.
    /// - Throws: ``APIError`` 422 naming the field (also for types that only config.yaml may
    ///   define), 409 for a name config.yaml uses.
    public func addAlertSink(_ settings: AlertSinkConfiguration) async throws -> any AlertSink {
        guard !configuredSinkNames.contains(settings.name) else {
            throw APIError(.conflict, "The sink \(settings.name) is defined in config.yaml; change it there.", field: "name")
        }
        try requireAddableSinkType(settings.type)
        do {
            try sinkTypes.check(settings)
        } catch {
            throw APIError.invalid(error.key.isEmpty ? "body" : error.key, error.reason)
        }
        let sink: any AlertSink
        do {
            sink = try sinkTypes.sink(for: settings)
        } catch {
            throw APIError(.unprocessableContent, SecretRedaction.redact("\(error)", secrets: settings.secretValues))
        }
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as? [String: Any] ?? [:]
        try await saveStoredSinks(try await storedSinks().filter { $0["name"] as? String != settings.name } + [encoded])
        await alerts.add(sink, policy: configuration.deliveryPolicy(for: settings))
        return sink
    }

    /// Refuses a type the registry does not know, or one that only config.yaml may define.
    /// - Throws: ``APIError`` 422 on `type`.
    func requireAddableSinkType(_ name: String) throws {
        guard let type = sinkTypes[name], type.isAddableAtRunTime else {
            let addable = sinkTypes.types.filter(\.isAddableAtRunTime).map(\.name)
            throw APIError.invalid(
                "type",
                sinkTypes[name] == nil
                    ? "one of \(addable.joined(separator: ", "))" : "\(name) sinks run programs or touch files, so only config.yaml may define them")
        }
    }

    /// Removes a sink added through the API; its undelivered messages stay in the outbox.
    /// - Throws: ``APIError`` 404 for an unknown sink, 409 for one config.yaml defines.
    public func removeAlertSink(_ name: String) async throws {
        guard !configuredSinkNames.contains(name) else { throw APIError(.conflict, "The sink \(name) is defined in config.yaml; remove it there.") }
        let stored = try await storedSinks()
        guard stored.contains(where: { $0["name"] as? String == name }) else { throw APIError.notFound("Alert sink") }
        try await saveStoredSinks(stored.filter { $0["name"] as? String != name })
        await alerts.remove(named: name)
    }

    /// Acknowledges changes (or takes that back). Acknowledged changes' alerts that still wait
    /// in the outbox (quiet hours, a digest, a grace period, a dead sink) are not sent: the
    /// owner already knows.
    /// - Returns: How many changes exist among `ids`, and how many waiting alerts were withdrawn.
    func acknowledgeChanges(_ ids: [ChangeID], acknowledged: Bool) async throws -> (updated: Int, withdrawn: Int) {
        let updated = try await store.acknowledgeChanges(ids, acknowledged: acknowledged)
        guard acknowledged, updated > 0 else { return (updated, 0) }
        let keys = try await AlertRules.alertIDs(for: try await store.changes(withIDs: ids), in: store)
        return (updated, try await store.suppressPendingMessages(idempotencyKeys: keys, reason: "acknowledged", at: Date()))
    }

    /// Silences alerts for `minutes` (0 lifts the snooze): every alert, or one device's.
    /// - Throws: ``APIError`` 404 for an unknown device.
    @discardableResult
    func snoozeAlerts(for device: DeviceID?, minutes: Int) async throws -> AlertSnooze {
        let now = Date()
        var snooze = try await AlertSnooze.load(from: store).pruned(at: now)
        let until = minutes > 0 ? now.addingTimeInterval(TimeInterval(minutes * 60)) : nil
        if let device {
            guard try await store.device(device) != nil else { throw APIError.notFound("Device") }
            snooze.devices[device.rawValue] = until
        } else {
            snooze.allUntil = until
        }
        try await snooze.save(to: store)
        return snooze
    }

    func audit(
        _ action: String, _ context: ArgusRequestContext, request: Request, user: User? = nil, resource: (type: String, id: String)? = nil,
        details: String? = nil, success: Bool = true
    ) async {
        var apiKeyID: APIKeyID?
        var actor = user
        if let identity = context.identity {
            actor = actor ?? identity.user
            if case .apiKey(_, let key) = identity { apiKeyID = key.id }
        }
        let entry = AuditEntry(
            userID: actor?.id, username: actor?.username, apiKeyID: apiKeyID, action: action, resourceType: resource?.type, resourceID: resource?.id,
            details: details, clientAddress: context.clientAddress, userAgent: request.headers[.userAgent].map { String($0.prefix(200)) },
            success: success)
        do {
            try await accounts.appendAudit(entry)
        } catch {
            logger.error("could not write the audit log: \(error)", metadata: ["action": "\(action)"])
        }
    }
}
