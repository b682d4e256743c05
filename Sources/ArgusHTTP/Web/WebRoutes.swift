//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird
import Mustache

/// The web UI: server-rendered pages (Mustache templates compiled into the binary, so escaping
/// is on for every value), plain HTML forms that work without JavaScript, and one small script
/// for live scan progress. Every asset is served by argus-server itself.
struct WebRoutes {
    let services: ServerServices
    let pages: PageRenderer

    init(services: ServerServices) throws {
        self.services = services
        self.pages = try PageRenderer()
    }

    func register(on routes: RouteGroups) {
        routes.assets.get("/static/app.css") { _, _ in WebAssets.response(PackageResources.app_css, type: "text/css; charset=utf-8") }
        routes.assets.get("/static/app.js") { _, _ in WebAssets.response(PackageResources.app_js, type: "text/javascript; charset=utf-8") }
        routes.open.get("/login", use: loginPage)
        routes.open.post("/login", use: login)
        routes.open.get("/setup", use: setupPage)
        routes.open.post("/setup", use: setup)
        routes.pages.post("/logout", use: logout)
        routes.pages.get("/", use: dashboard)
        routes.pages.get("/devices", use: devices)
        routes.pages.get("/devices/:id", use: device)
        routes.pages.post("/devices/:id", use: editDevice)
        routes.pages.get("/scans", use: scans)
        routes.pages.post("/scans", use: startScan)
        routes.pages.post("/scans/:id/cancel", use: cancelScan)
        routes.pages.get("/changes", use: changes)
        routes.pages.post("/changes/acknowledge", use: acknowledge)
        registerMore(on: routes)
    }

    // MARK: Helpers

    /// The values every page's layout uses: the user, CSRF token, active menu item, messages.
    func base(_ context: ArgusRequestContext, nav: String? = nil, flash: String? = nil, error: String? = nil) -> [String: Any] {
        var values: [String: Any] = [:]
        if case .session(let user, let session) = context.identity {
            values["user"] = user.username
            values["csrf"] = session.csrfToken
        }
        if let nav { values["nav"] = [nav: true] }
        if let flash { values["flash"] = flash }
        if let error { values["error"] = error }
        return values
    }

    static func redirect(_ location: String, cookie: Cookie? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        if let cookie { response.setCookie(cookie) }
        return response
    }

    /// A `next` that stays on this site: one path on this origin, else `/`.
    ///
    /// Browsers drop tabs, CR and LF from a `Location` and read `\\` as `/`, so `/\t/evil.example`
    /// or `/\\evil.example` would leave the site as `//evil.example`. Only printable ASCII is
    /// accepted (a browser sends anything else percent-encoded): no control character, no white
    /// space, no backslash, no `//` at the start, no scheme or host.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.utf8.count < 500, next.hasPrefix("/"), !next.hasPrefix("//"),
            next.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "\\" }),
            let components = URLComponents(string: next), components.scheme == nil, components.host == nil, components.path.hasPrefix("/")
        else { return "/" }
        return next
    }

    static func date(_ date: Date?) -> String {
        guard let date else { return "" }
        return date.formatted(.iso8601.year().month().day().dateTimeSeparator(.space).time(includingFractionalSeconds: false)).replacingOccurrences(
            of: "Z", with: " UTC")
    }

    /// A template value without its missing entries (Mustache would print `nil`).
    static func present(_ values: [String: Any?]) -> [String: Any] {
        values.compactMapValues { $0 }
    }

    static func options(_ values: [String], selected: String?) -> [[String: Any]] {
        values.map { ["value": $0, "selected": $0 == selected] }
    }

    // MARK: Sign-in and setup

    @Sendable func loginPage(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        if try await services.accounts.userCount() == 0 { return Self.redirect("/setup") }
        if context.identity != nil { return Self.redirect("/") }
        return pages.render("login", base(context).merging(["next": Self.safeNext(request.queryText("next"))]) { $1 })
    }

    @Sendable func login(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        let next = Self.safeNext(form["next"])
        do {
            let user = try await services.credentials.verify(
                username: form["username"] ?? "", password: form["password"] ?? "", request: request, context: context)
            let (cookie, _) = try await services.sessions.start(for: user, remember: form["remember"] == "true", request: request, context: context)
            return Self.redirect(next, cookie: cookie)
        } catch let error as APIError {
            // The form again, with the reason; 429 while throttled.
            return pages.render(
                "login", base(context, error: error.detail).merging(["next": next, "username": form["username"] ?? ""]) { $1 },
                status: error.status == .tooManyRequests ? .tooManyRequests : .ok)
        }
    }

    @Sendable func setupPage(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        guard try await services.accounts.userCount() == 0 else { return Self.redirect("/login") }
        return pages.render("setup", base(context).merging(["schedule": "0 2 * * 0"]) { $1 })
    }

    @Sendable func setup(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        guard try await services.accounts.userCount() == 0 else { return Self.redirect("/login") }
        let values: [String: Any] = [
            "username": form["username"] ?? "", "subnet": form["subnet"] ?? "", "schedule": form["schedule"] ?? "",
            "setupToken": form["setup_token"] ?? "",
        ]
        func failure(_ message: String, _ status: HTTPResponse.Status = .unprocessableContent) -> Response {
            pages.render("setup", base(context, error: message).merging(values) { $1 }, status: status)
        }
        let username = form["username"] ?? ""
        let password = form["password"] ?? ""
        guard Accounts.isValidUsername(username) else { return failure("The user name is 1 to 64 letters, digits, '.', '_' or '-'.") }
        if let problem = PasswordHasher.problem(with: password) { return failure("The password \(problem).") }
        var networks: [String] = []
        if let subnet = form["subnet"], !subnet.isEmpty {
            do { networks = try services.setup.networks(subnet) } catch { return failure("The network: \(error).") }
        }
        var cadence: ScanCadence?
        if let schedule = form["schedule"], !schedule.isEmpty {
            do { cadence = try ScanCadence(schedule) } catch { return failure("The schedule: \(error.description).") }
        }
        let user: User
        switch try await services.setup.complete(
            username: username, password: password, token: form["setup_token"] ?? "", networks: networks, request: request, context: context)
        {
        case .created(let created): user = created
        case .done: return Self.redirect("/login")
        case .wrongToken: return failure("Wrong setup token: it is printed in argus-server's log at start.", .forbidden)
        }
        if let cadence {
            _ = try await services.store.createSchedule(
                Schedule(
                    id: ScheduleID(0), name: "Network", expression: cadence.description, profile: services.configuration.scanProfile,
                    nextRunAt: cadence.nextRun(after: Date())))
        }
        let (cookie, _) = try await services.sessions.start(for: user, remember: false, request: request, context: context)
        return Self.redirect("/", cookie: cookie)
    }

    @Sendable func logout(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        if case .session(let user, let session) = context.identity {
            try await services.accounts.deleteSession(idHash: session.idHash)
            await services.audit("logout", context, request: request, user: user)
        }
        return Self.redirect("/login", cookie: services.sessions.expired(request, context: context))
    }

    // MARK: Dashboard

    @Sendable func dashboard(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let store = services.store
        let counts = try await store.deviceCounts()
        let unacknowledged = try await store.changes(ChangeQuery(acknowledged: false, limit: 1)).total
        let latest = try await store.changes(ChangeQuery(limit: 8)).items
        let last = try await store.scans(ScanQuery(status: .completed, limit: 1)).items.first
        let next = try await store.schedules().filter(\.isEnabled).compactMap(\.nextRunAt).min()
        let recent = try await store.scans(ScanQuery(status: .completed, kind: .network, limit: 30)).items.reversed()
        var values = base(context, nav: "dashboard")
        values["stats"] = [
            "total": counts.total, "online": counts.online, "atRisk": counts.byRisk[.critical, default: 0] + counts.byRisk[.high, default: 0],
            "unacknowledged": unacknowledged,
        ]
        values["riskChart"] = Charts.riskBars(counts.byRisk)
        values["trendChart"] = Charts.line(recent.map { (Self.date($0.finishedAt), $0.devicesFound) }, label: "Devices found per scan")
        values["portsChart"] = Charts.line(recent.map { (Self.date($0.finishedAt), $0.openPorts) }, label: "Open ports per scan")
        var riskPoints: [(String, Int)] = []
        for scan in recent.suffix(30) {
            let observations = try await store.observations(in: scan.id)
            riskPoints.append((Self.date(scan.finishedAt), observations.count { $0.riskLevel >= .high }))
        }
        values["atRiskChart"] = Charts.line(riskPoints, label: "Devices at high risk or worse per scan")
        values["changes"] = latest.map(Self.change)
        values["hasChanges"] = !latest.isEmpty
        if let last { values["lastScan"] = Self.date(last.finishedAt) }
        if let next { values["nextRun"] = Self.date(next) }
        return pages.render("dashboard", values)
    }

    static func change(_ change: ChangeRecord) -> [String: Any] {
        present([
            "id": change.id.rawValue, "when": date(change.detectedAt), "severity": change.severity.rawValue, "description": change.description,
            "deviceID": change.deviceID?.rawValue, "acknowledged": change.acknowledged,
        ])
    }

    // MARK: Devices

    static func name(_ device: Device) -> String {
        if let label = device.label, !label.isEmpty { return label }
        return device.hostname ?? device.ip
    }

    @Sendable func devices(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        var query = DeviceQuery()
        let risk = request.queryText("risk_level")
        query.riskLevel = risk.flatMap(RiskLevel.init)
        query.isOnline = try? request.queryBool("online")
        query.isTrusted = try? request.queryBool("is_trusted")
        query.search = request.queryText("q").map { String($0.prefix(200)) }
        let type = request.queryText("type")
        query.deviceType = type.flatMap(DeviceType.init(rawValue:))
        let zone = request.queryText("zone")
        query.zone = zone
        let sort = request.queryText("sort") ?? "ip"
        query.sort = DeviceSort(rawValue: sort) ?? .ip
        query.descending = query.sort == .risk || query.sort == .lastSeen
        query.limit = 50
        query.offset = (try? request.queryInt("offset", default: 0, in: 0...Int(Int32.max))) ?? 0
        let page = try await services.store.devices(query)
        var values = base(context, nav: "devices")
        values["devices"] = page.items.map { listing -> [String: Any] in
            let device = listing.device
            return Self.present([
                "id": device.id.rawValue, "name": Self.name(device), "ip": device.ip, "mac": device.mac ?? "", "vendor": device.vendor ?? "",
                "randomizedMac": device.hasRandomizedMAC, "type": device.deviceType.rawValue,
                "typeLabel": device.deviceType.label, "openPorts": listing.openPorts,
                "risk": device.riskLevel.rawValue, "score": device.riskScore, "online": device.isOnline, "lastSeen": Self.date(device.lastSeen),
                "isTrusted": device.isTrusted, "zone": device.zone?.isEmpty == false ? device.zone : nil,
            ])
        }
        values["total"] = page.total
        let online = request.queryText("online")
        let trusted = request.queryText("is_trusted")
        values["filters"] = [
            "q": query.search ?? "", "onlineTrue": online == "true", "onlineFalse": online == "false", "trustedTrue": trusted == "true",
            "trustedFalse": trusted == "false",
        ]
        values["riskOptions"] = Self.options(RiskLevel.allCases.map(\.rawValue), selected: risk)
        values["sortOptions"] = Self.options(["ip", "hostname", "risk", "last_seen", "first_seen"], selected: sort)
        values["typeOptions"] = DeviceType.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": $0.rawValue == type] }
        values["zoneOptions"] = Self.options(
            Set(try await services.store.inventory().compactMap(\.zone).filter { !$0.isEmpty }).sorted(), selected: zone)
        func link(_ offset: Int) -> String {
            var items = (request.uri.queryParameters.map { (String($0.key), String($0.value)) }).filter { $0.0 != "offset" }
            items.append(("offset", "\(offset)"))
            return "/devices?" + items.map { "\(Form.escape($0.0))=\(Form.escape($0.1))" }.joined(separator: "&")
        }
        if query.offset > 0 { values["previous"] = link(max(0, query.offset - query.limit)) }
        if query.offset + page.items.count < page.total { values["next"] = link(query.offset + query.limit) }
        if page.total > query.limit { values["pageInfo"] = "showing \(query.offset + 1)–\(query.offset + page.items.count)" }
        return pages.render("devices", values)
    }

    @Sendable func device(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        try await renderDevice(try DeviceRoutes.deviceID(context), context: context, flash: request.queryText("saved") != nil ? "Saved." : nil)
    }

    func renderDevice(_ id: DeviceID, context: ArgusRequestContext, flash: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        guard let device = try await services.store.device(id) else { throw APIError.notFound("Device") }
        let history = try await services.store.history(of: id, limit: 20)
        let ports = history.first?.ports ?? []
        let assessment = try await ThreatDetector().including(vulnerabilitiesFrom: services.store, for: ports).assess(ports)
        var values = base(context, nav: "devices", flash: flash, error: error)
        values["device"] =
            [
                "id": device.id.rawValue, "name": Self.name(device), "ip": device.ip, "mac": device.mac ?? "—", "vendor": device.vendor ?? "—",
                "randomizedMac": device.hasRandomizedMAC, "type": device.deviceType.rawValue,
                "typeLabel": device.deviceType.label, "hostname": device.hostname ?? "—",
                "os": device.osName.map { $0 + (device.osAccuracy.map { " (\($0)%)" } ?? "") } ?? "—", "risk": device.riskLevel.rawValue,
                "score": device.riskScore, "timesSeen": device.timesSeen, "firstSeen": Self.date(device.firstSeen),
                "lastSeen": Self.date(device.lastSeen), "online": device.isOnline, "label": device.label ?? "", "notes": device.notes ?? "",
                "zone": device.zone ?? "", "isTrusted": device.isTrusted,
            ] as [String: Any]
        values["summary"] = assessment.summary
        if let until = try await AlertSnooze.load(from: services.store).pruned(at: Date()).devices[device.id.rawValue] {
            values["snoozedUntil"] = Self.date(until)
        }
        values["ports"] = ports.filter { $0.state == .open }.map {
            [
                "port": "\($0.number)/\($0.protocol.rawValue)", "service": $0.serviceName ?? "", "product": $0.product ?? "",
                "version": $0.version ?? "",
            ]
        }
        values["threats"] = assessment.findings.map {
            [
                "level": $0.level.rawValue, "port": $0.port, "protocol": $0.protocol.rawValue, "name": $0.name, "description": $0.description,
                "remediation": $0.remediation,
            ] as [String: Any]
        }
        values["cves"] = assessment.vulnerabilities.map {
            [
                "id": $0.id, "cvss": $0.cvss.map { String($0) } ?? "—", "confidence": $0.confidence.rawValue, "port": $0.port, "summary": $0.summary,
                "remediation": $0.remediation ?? "",
            ] as [String: Any]
        }
        values["hasPorts"] = ports.contains { $0.state == .open }
        values["hasThreats"] = !assessment.findings.isEmpty
        values["hasCVEs"] = !assessment.vulnerabilities.isEmpty
        values["history"] = history.map {
            [
                "when": Self.date($0.observedAt), "scan": $0.scanID.rawValue, "ip": $0.ip, "openPorts": $0.openPorts.count,
                "risk": $0.riskLevel.rawValue,
            ] as [String: Any]
        }
        return pages.render("device", values, status: status)
    }

    @Sendable func editDevice(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let id = try DeviceRoutes.deviceID(context)
        let form = try await Form(request)
        let label = (form["label"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let notes = (form["notes"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let zone = (form["zone"] ?? "").trimmingCharacters(in: .whitespaces)
        if label.count > 255 {
            return try await renderDevice(id, context: context, error: "The label is at most 255 characters.", status: .unprocessableContent)
        }
        if notes.count > 5_000 {
            return try await renderDevice(id, context: context, error: "The notes are at most 5000 characters.", status: .unprocessableContent)
        }
        if zone.count > 100 || !zone.allSatisfy({ $0.isLetter || $0.isNumber || " _-".contains($0) }) {
            return try await renderDevice(
                id, context: context, error: "A zone is at most 100 letters, digits, spaces, '_' or '-'.", status: .unprocessableContent)
        }
        guard try await services.store.device(id) != nil else { throw APIError.notFound("Device") }
        try await services.store.editDevice(id, DeviceEdit(label: label, notes: notes, isTrusted: form["is_trusted"] == "true", zone: zone))
        await services.audit("device_edit", context, request: request, resource: ("device", "\(id)"), details: "web form")
        return Self.redirect("/devices/\(id)?saved=1")
    }

    // MARK: Scans

    @Sendable func scans(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        try await renderScans(context, flash: request.queryText("started").map { "Scan \($0) started." })
    }

    func renderScans(_ context: ArgusRequestContext, flash: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        var values = base(context, nav: "scans", flash: flash, error: error)
        values["running"] = await services.scans.runningScans.map { scan -> [String: Any] in
            Self.present([
                "id": scan.scanID.rawValue, "targets": scan.targets.joined(separator: ", "), "profile": scan.profile, "phase": scan.progress.phase,
                "hosts": scan.progress.hostsFound, "percent": Int(scan.progress.percent), "eta": scan.progress.remainingSeconds,
            ])
        }
        // The configured profile, as the dashboard's button uses: a host-discovery scan only when chosen.
        let configured = (try? await services.scanning.defaultProfile())?.name ?? services.configuration.scanProfile
        values["profiles"] = Self.options(services.configuration.profiles.map(\.name), selected: configured)
        values["defaultTargets"] = (try? await services.scanning.configuredSubnets().joined(separator: ", ")) ?? ""
        values["scans"] = try await services.store.scans(ScanQuery(limit: 50)).items.map { scan -> [String: Any] in
            Self.present([
                "id": scan.id.rawValue, "started": Self.date(scan.startedAt ?? scan.createdAt),
                "duration": scan.duration.map { String(format: "%.1f s", $0) } ?? "—", "status": scan.status.rawValue, "error": scan.errorMessage,
                "targets": scan.targets.joined(separator: ", "), "kind": scan.kind.rawValue, "profile": scan.profile, "devices": scan.devicesFound,
                "openPorts": scan.openPorts,
            ])
        }
        return pages.render("scans", values, status: status)
    }

    @Sendable func startScan(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        do {
            guard var profile = try await services.scanning.defaultProfile(named: form["profile"]) else {
                throw APIError.invalid("profile", "one of quick, normal, intensive")
            }
            if let ports = form["ports"], !ports.isEmpty {
                do { profile.ports = try PortSpecification(ports) } catch { throw APIError.invalid("ports", "\(error)") }
            }
            let targets = try await services.scanning.networkTargets(ScanTargetRules.split(form["targets"] ?? ""))
            let id = try await services.scans.start(
                ScanRequest(
                    targets: targets, profile: profile, resolvesNames: services.configuration.resolveNames,
                    timeout: .seconds(services.configuration.scanTimeoutMinutes * 60)), kind: .network)
            await services.audit(
                "scan_start", context, request: request, resource: ("scan", "\(id)"),
                details: "web: \(profile.name) \(targets.targets.map(\.text).joined(separator: ", "))")
            return Self.redirect("/scans?started=\(id)")
        } catch let error as APIError {
            return try await renderScans(context, error: error.detail, status: error.status)
        } catch let error as ScanCoordinator.StartError {
            return try await renderScans(context, error: error.description, status: .conflict)
        }
    }

    @Sendable func cancelScan(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.invalid("id", "must be a scan id") }
        if await services.scans.cancel(ScanID(id)) {
            await services.audit("scan_cancel", context, request: request, resource: ("scan", "\(id)"))
            await services.scans.wait(for: ScanID(id))
        }
        return Self.redirect("/scans")
    }

    // MARK: Changes

    @Sendable func changes(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        var query = ChangeQuery(limit: 200)
        let severity = request.queryText("severity")
        query.minimumSeverity = severity.flatMap(Severity.init)
        query.acknowledged = try? request.queryBool("acknowledged")
        var values = base(context, nav: "changes", flash: request.queryText("acknowledged_count").map { "\($0) changes acknowledged." })
        let found = try await services.store.changes(query).items
        values["changes"] = found.map(Self.change)
        values["hasChanges"] = !found.isEmpty
        values["severities"] = Self.options(Severity.allCases.map(\.rawValue), selected: severity)
        values["onlyNew"] = query.acknowledged == false
        values["onlyAcknowledged"] = query.acknowledged == true
        return pages.render("changes", values)
    }

    @Sendable func acknowledge(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        let ids = form.all("ids").compactMap(Int64.init).prefix(10_000).map { ChangeID($0) }
        let (updated, withdrawn) = ids.isEmpty ? (0, 0) : try await services.suppression.acknowledge(Array(ids), acknowledged: true)
        if updated > 0 {
            await services.audit(
                "change_acknowledge", context, request: request,
                details: "\(updated) changes (web)" + (withdrawn > 0 ? ", \(withdrawn) waiting alerts withdrawn" : ""))
        }
        return Self.redirect("/changes?acknowledged_count=\(updated)")
    }
}
