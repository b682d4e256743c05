//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// The settings: scanning, schedules, alert sinks and snoozes, API keys, the password,
/// retention and the audit log, each section with its own form.
struct SettingsPage: WebPage {
    /// The settings page's values.
    struct View: PageView {
        /// The scanning form's current values.
        struct Scanning: Sendable {
            /// The networks, comma-separated.
            var subnets: String
            /// The addresses never scanned (set here), comma-separated.
            var exclusions: String
            /// The port range, or empty for the profile's.
            var ports: String
            /// Whether OS detection is on.
            var os: Bool
            /// Whether scans outside the configured networks are allowed.
            var outside: Bool
        }

        /// A scan schedule.
        struct Schedule: Sendable {
            /// Its id.
            var id: Int64
            /// Its name.
            var name: String
            /// Its cron expression or interval.
            var expression: String
            /// The expression in words.
            var summary: String
            /// The scan profile's name.
            var profile: String
            /// When it runs next, or "disabled".
            var next: String
        }

        /// One of the user's API keys.
        struct Key: Sendable {
            /// Its id.
            var id: Int64
            /// Its name.
            var name: String
            /// The key's visible start.
            var prefix: String
            /// When it was created.
            var created: String
            /// When it was last used, or "never".
            var lastUsed: String
            /// When it expires, or "never".
            var expires: String
            /// "active", "revoked" or "expired".
            var state: String
            /// Whether it can be revoked.
            var active: Bool
        }

        /// An alert sink.
        struct Sink: Sendable {
            /// Its name.
            var name: String
            /// Where it sends (secrets redacted).
            var description: String
            /// Whether it was added through the API or this page (and so can be removed).
            var removable: Bool
        }

        /// An alert's delivery to a sink.
        struct Delivery: Sendable {
            /// When it was created.
            var created: String
            /// The sink's name.
            var sink: String
            /// The alert's severity.
            var severity: String
            /// The alert's title.
            var title: String
            /// Its status.
            var status: String
            /// Why it was not sent, when it was sent, or when it is due.
            var detail: String
        }

        /// The retention's settings from config.yaml.
        struct Retention: Sendable {
            /// Scans older than this many days are deleted...
            var days: Int
            /// ...beyond the newest this many.
            var keep: Int
        }

        /// An entry of the audit log.
        struct AuditEntry: Sendable {
            /// When it happened.
            var when: String
            /// The user, the API key, or a dash.
            var who: String
            /// What was done.
            var action: String
            /// The details, or empty.
            var details: String
            /// The client's address.
            var client: String
            /// Whether it succeeded.
            var success: Bool
        }

        /// The template.

        static let template = "settings"
        /// The layout's values.
        var frame: PageFrame
        /// The scanning form's values.
        var scanning: Scanning
        /// The profiles, the saved one selected.
        var profiles: [Option]
        /// The addresses config.yaml never scans, or "none".
        var exclusions: String
        /// Whether there are schedules.
        var hasSchedules: Bool
        /// The scan schedules.
        var schedules: [Schedule]
        /// Whether the user has keys.
        var hasKeys = false
        /// The signed-in user's keys.
        var keys: [Key] = []
        /// A key just created, shown this once.
        var newKey: String?
        /// Whether any sink is set up.
        var hasSinks: Bool
        /// The alert sinks.
        var sinks: [Sink]
        /// The form that adds a sink.
        var sinkForm: SinkForm
        /// Whether any sink type may be added at run time.
        var canAddSinks: Bool
        /// The alerts waiting in the outbox.
        var pendingAlerts: Int
        /// The offline grace and quiet hours, in words.
        var alertPolicy: String
        /// Until when every alert is snoozed, if it is.
        var snoozedUntil: String?
        /// Whether anything was delivered yet.
        var hasDeliveries: Bool
        /// The latest 20 deliveries.
        var deliveries: [Delivery]
        /// The retention settings.
        var retention: Retention
        /// The latest 50 entries.
        var audit: [AuditEntry]
    }

    /// The server's services.
    let services: ServerServices
    /// The templates.
    let pages: PageRenderer

    /// Registers the page and its forms.
    func register(on routes: RouteGroups) {
        routes.pages.get("/settings", use: show)
        routes.pages.post("/settings/scanning", use: saveScanning)
        routes.pages.post("/settings/schedules", use: addSchedule)
        routes.pages.post("/settings/schedules/:id/delete", use: deleteSchedule)
        routes.pages.post("/settings/keys", use: createKey)
        routes.pages.post("/settings/keys/:id/revoke", use: revokeKey)
        routes.pages.post("/settings/password", use: changePassword)
        routes.pages.post("/settings/retention", use: applyRetention)
        routes.pages.post("/settings/alerts/:name/test", use: testAlert)
        routes.pages.post("/settings/alerts/snooze", use: snoozeAlerts)
        routes.pages.post("/settings/alerts", use: addSink)
        routes.pages.post("/settings/alerts/:name/delete", use: removeSink)
    }

    /// The settings, with the message a form's redirect carries.
    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        try await render(context, flash: request.queryText("done"))
    }

    /// The settings page with a message or error, and a key just created.
    func render(
        _ context: ArgusRequestContext, flash: String? = nil, error: String? = nil, newKey: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let store = services.store
        let configuration = services.configuration
        let profile = try await store.setting("network.scan_profile") ?? configuration.scanProfile
        let scanning = View.Scanning(
            subnets: try await services.scanning.configuredSubnets().joined(separator: ", "),
            exclusions: (try await store.setting("network.exclusions") ?? "").split(separator: ",").joined(separator: ", "),
            ports: try await store.setting("scanning.port_range") ?? "", os: try await store.setting("scanning.enable_os_detection") != "false",
            outside: try await services.scanning.allowsScansOutsideScope())
        let schedules = try await store.schedules().map { schedule in
            View.Schedule(
                id: schedule.id.rawValue, name: schedule.name, expression: schedule.expression,
                summary: (try? ScanCadence(schedule.expression))?.summary ?? "", profile: schedule.profile,
                next: schedule.isEnabled ? WebDate.text(schedule.nextRunAt) : "disabled")
        }
        var keys: [View.Key] = []
        if case .session(let user, _) = context.identity {
            keys = try await services.accounts.apiKeys(of: user.id).map { key in
                let state = key.revokedAt != nil ? "revoked" : key.isUsable() ? "active" : "expired"
                return View.Key(
                    id: key.id.rawValue, name: key.name, prefix: key.prefix, created: WebDate.text(key.createdAt),
                    lastUsed: key.lastUsedAt.map { WebDate.text($0) } ?? "never", expires: key.expiresAt.map { WebDate.text($0) } ?? "never",
                    state: state, active: state == "active")
            }
        }
        let sinks = await services.sinks.list().map { View.Sink(name: $0.name, description: $0.description, removable: $0.source == "api") }
        let sinkForm = SinkForm(services.sinks.types)
        let pendingAlerts = try await store.pendingMessageCount()
        let alertPolicy =
            "Offline alerts wait \(configuration.offlineGraceMinutes) minutes for the device to come back"
            + (configuration.alertQuietHours.map { "; quiet hours \($0) (\(configuration.alertQuietHoursBreakthrough.rawValue) alerts still go out)" }
                ?? "") + "."
        let snooze = try await AlertSnooze.load(from: store).pruned(at: Date())
        let deliveries = try await store.recentMessages(limit: 20).map(AlertRoutes.Delivery.init).map { delivery in
            View.Delivery(
                created: WebDate.text(delivery.createdAt), sink: delivery.sink, severity: delivery.severity ?? "info",
                title: delivery.title ?? delivery.alertID, status: delivery.status,
                detail: delivery.reason ?? delivery.lastError
                    ?? (delivery.deliveredAt.map { "sent \(WebDate.text($0))" } ?? (delivery.nextAttemptAt.map { "due \(WebDate.text($0))" } ?? "")))
        }
        let audit = try await services.accounts.auditEntries(action: nil, limit: 50, offset: 0).items.map { entry in
            View.AuditEntry(
                when: WebDate.text(entry.timestamp), who: entry.username ?? (entry.apiKeyID.map { "key \($0)" } ?? "—"), action: entry.action,
                details: entry.details ?? "", client: entry.clientAddress ?? "", success: entry.success)
        }
        let view = View(
            frame: PageFrame(context, nav: .settings, flash: flash, error: error), scanning: scanning,
            profiles: Option.list(configuration.profiles.map(\.name), selected: profile),
            exclusions: configuration.exclusions.isEmpty ? "none" : configuration.exclusions.joined(separator: ", "),
            hasSchedules: !schedules.isEmpty, schedules: schedules, hasKeys: !keys.isEmpty, keys: keys, newKey: newKey, hasSinks: !sinks.isEmpty,
            sinks: sinks, sinkForm: sinkForm, canAddSinks: !sinkForm.choices.isEmpty, pendingAlerts: pendingAlerts, alertPolicy: alertPolicy,
            snoozedUntil: snooze.allUntil.map { WebDate.text($0) }, hasDeliveries: !deliveries.isEmpty, deliveries: deliveries,
            retention: View.Retention(days: configuration.retentionDays, keep: configuration.keepScans), audit: audit)
        return pages.render(view, status: status)
    }

    /// Saves the scanning form, checked by the rules every scan applies.
    @Sendable func saveScanning(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        let subnets = ScanTargetRules.split(form["subnets"] ?? "")
        let exclusions = ScanTargetRules.split(form["exclusions"] ?? "")
        // The rules every scan applies: what is saved here can never make a scan fail.
        let rules = services.configuration.targetRules
        do { _ = try rules.exclusions(exclusions) } catch {
            return try await render(context, error: "Never scan: \(error)", status: .unprocessableContent)
        }
        if !subnets.isEmpty {
            do { _ = try rules.targets(subnets, excluding: services.configuration.exclusions + exclusions) } catch {
                return try await render(context, error: "Networks: \(error)", status: .unprocessableContent)
            }
        }
        let profile = form["profile"] ?? "normal"
        guard services.configuration.profiles.contains(where: { $0.name == profile }) else {
            return try await render(context, error: "Unknown profile.", status: .unprocessableContent)
        }
        let ports = (form["ports"] ?? "").trimmingCharacters(in: .whitespaces)
        if !ports.isEmpty {
            do { _ = try PortSpecification(ports) } catch {
                return try await render(context, error: "Ports: \(error)", status: .unprocessableContent)
            }
        }
        try await services.store.setSetting("network.subnets", to: subnets.isEmpty ? nil : subnets.joined(separator: ","))
        try await services.store.setSetting("network.exclusions", to: exclusions.isEmpty ? nil : exclusions.joined(separator: ","))
        try await services.store.setSetting("network.scan_profile", to: profile)
        try await services.store.setSetting("scanning.port_range", to: ports.isEmpty ? nil : ports)
        try await services.store.setSetting("scanning.enable_os_detection", to: form["os"] == "true" ? "true" : "false")
        let outside = form["outside"] == "true"
        let wasOutside = try await services.scanning.allowsScansOutsideScope()
        try await services.scanning.allowScansOutsideScope(outside)
        await services.audit(
            "config_update", context, request: request, resource: ("config", "scanning"),
            details:
                "web: subnets=\(subnets.joined(separator: ",")); exclusions=\(exclusions.joined(separator: ",")); profile=\(profile); ports=\(ports)\(outside != wasOutside ? "; allow_outside_scope=\(outside)" : "")"
        )
        return Redirect.to("/settings?done=Saved.")
    }

    /// Adds a scan schedule.
    @Sendable func addSchedule(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count), name.allSatisfy({ $0.isLetter || $0.isNumber || " _-".contains($0) }) else {
            return try await render(
                context, error: "A schedule's name is 1 to 100 letters, digits, spaces, '_' or '-'.", status: .unprocessableContent)
        }
        let cadence: ScanCadence
        do { cadence = try ScanCadence(form["cron"] ?? "") } catch {
            return try await render(context, error: "The schedule: \(error.description).", status: .unprocessableContent)
        }
        let profile = form["profile"] ?? "normal"
        guard services.configuration.profiles.contains(where: { $0.name == profile }) else {
            return try await render(context, error: "Unknown profile.", status: .unprocessableContent)
        }
        let stored = try await services.store.createSchedule(
            Schedule(id: ScheduleID(0), name: name, expression: cadence.description, profile: profile, nextRunAt: cadence.nextRun(after: Date())))
        await services.audit(
            "schedule_create", context, request: request, resource: ("schedule", "\(stored.id)"), details: "web: \(name): \(stored.expression)")
        return Redirect.to("/settings?done=Schedule+added.")
    }

    /// Deletes a scan schedule.
    @Sendable func deleteSchedule(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.invalid("id", "must be a schedule id") }
        if try await services.store.deleteSchedule(ScheduleID(id)) {
            await services.audit("schedule_delete", context, request: request, resource: ("schedule", "\(id)"))
        }
        return Redirect.to("/settings?done=Schedule+deleted.")
    }

    /// Creates an API key and shows its secret once.
    @Sendable func createKey(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let (user, _) = try context.requireSession()
        let form = try await Form(request)
        let days = form["expires_in_days"].flatMap { $0.isEmpty ? nil : Int($0) }
        do {
            let (key, secret) = try await Accounts(store: services.accounts, hasher: services.hasher).createAPIKey(
                for: user, name: form["name"] ?? "", expiresInDays: days)
            await services.audit("api_key_create", context, request: request, resource: ("api_key", "\(key.id)"), details: "web: \(key.name)")
            // Shown in this answer only: it is not stored, and a reload does not show it again.
            return try await render(context, flash: "API key \(key.name) created.", newKey: secret)
        } catch let refusal as Accounts.Refusal {
            return try await render(context, error: refusal.description, status: .unprocessableContent)
        }
    }

    /// Revokes one of the user's API keys.
    @Sendable func revokeKey(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let (user, _) = try context.requireSession()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.invalid("id", "must be a key id") }
        if let key = try await services.accounts.apiKeys(of: user.id).first(where: { $0.id.rawValue == id }), key.revokedAt == nil {
            try await services.accounts.revokeAPIKey(key.id, at: Date())
            await services.audit("api_key_revoke", context, request: request, resource: ("api_key", "\(id)"), details: "web: \(key.name)")
        }
        return Redirect.to("/settings?done=Key+revoked.")
    }

    /// Changes the password (the current one is asked for) and starts a new session, ending the others.
    @Sendable func changePassword(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let (user, _) = try context.requireSession()
        let form = try await Form(request)
        guard await services.hasher.verify(form["current_password"] ?? "", hash: user.passwordHash) else {
            await services.audit("password_change", context, request: request, details: "wrong current password", success: false)
            return try await render(context, error: "The current password is wrong.", status: .forbidden)
        }
        if let problem = PasswordHasher.problem(with: form["new_password"] ?? "") {
            return try await render(context, error: "The new password \(problem).", status: .unprocessableContent)
        }
        try await Accounts(store: services.accounts, hasher: services.hasher).setPassword(of: user.username, to: form["new_password"] ?? "")
        await services.audit("password_change", context, request: request)
        let (cookie, _) = try await services.sessions.start(for: user, remember: false, request: request, context: context)
        return Redirect.to("/settings?done=Password+changed%3B+other+sessions+have+ended.", cookie: cookie)
    }

    /// Sends a test alert to a sink and shows whether it went.
    @Sendable func testAlert(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        guard await services.sinks.contains(name) else { throw APIError.notFound("Alert sink") }
        do {
            try await services.alerts.test(name)
            await services.audit("alert_test", context, request: request, resource: ("alert_sink", name))
            return try await render(context, flash: "A test alert went to \(name).")
        } catch {
            await services.audit("alert_test", context, request: request, resource: ("alert_sink", name), details: "\(error)", success: false)
            return try await render(context, error: "The test alert to \(name) failed: \(error)", status: .badGateway)
        }
    }

    /// Adds an alert sink from the form.
    @Sendable func addSink(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        do {
            let settings = try SinkForm.settings(from: form, registry: services.sinks.types, services: services)
            let sink = try await services.sinks.add(settings)
            await services.audit("alert_sink_add", context, request: request, resource: ("alert_sink", sink.name), details: "web: \(settings.type)")
            return Redirect.to("/settings?done=Alert+sink+added.")
        } catch let error as APIError {
            return try await render(context, error: "The sink was not added: \(error.detail)", status: error.status)
        }
    }

    /// Removes an alert sink added at run time.
    @Sendable func removeSink(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        try await services.sinks.remove(named: name)
        await services.audit("alert_sink_remove", context, request: request, resource: ("alert_sink", name), details: "web")
        return Redirect.to("/settings?done=Alert+sink+removed.")
    }

    /// Snoozes (or resumes) every alert or one device's.
    @Sendable func snoozeAlerts(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        guard let minutes = Int(form["minutes"] ?? ""), (0...43_200).contains(minutes) else {
            return try await render(context, error: "Snooze for 1 minute to 30 days.", status: .unprocessableContent)
        }
        /// The device.
        var device: DeviceID?
        if let text = form["device_id"], !text.isEmpty {
            guard let id = Int64(text) else { throw APIError.notFound("Device") }
            device = DeviceID(id)
        }
        try await services.suppression.snooze(device, minutes: minutes)
        await services.audit(
            minutes > 0 ? "alerts_snoozed" : "alerts_unsnoozed", context, request: request, resource: device.map { ("device", "\($0.rawValue)") },
            details: "web: \(minutes) minutes")
        if let device { return Redirect.to("/devices/\(device.rawValue)") }
        return Redirect.to(minutes > 0 ? "/settings?done=Alerts+snoozed." : "/settings?done=Alerts+resumed.")
    }

    /// Deletes the scans the retention settings no longer keep.
    @Sendable func applyRetention(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let deleted = try await services.retention.prune()
        await services.audit("retention_cleanup", context, request: request, details: "web: \(deleted) scans")
        return Redirect.to("/settings?done=\(deleted)+old+scans+deleted.")
    }
}
