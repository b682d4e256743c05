//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// The pages beyond the inventory: settings, comparing scans, the network map, bulk edits.
extension WebRoutes {
    func registerMore(on routes: RouteGroups) {
        routes.pages.post("/devices/bulk", use: bulkEdit)
        routes.pages.get("/compare", use: compare)
        routes.pages.get("/visualization", use: visualization)
        routes.pages.get("/settings", use: settings)
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

    // MARK: Bulk edits

    @Sendable func bulkEdit(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        let ids = form.all("ids").compactMap(Int64.init).prefix(10_000).map { DeviceID($0) }
        let edit: DeviceEdit
        switch form["action"] {
        case "trust": edit = DeviceEdit(isTrusted: true)
        case "untrust": edit = DeviceEdit(isTrusted: false)
        case "zone":
            let zone = (form["zone"] ?? "").trimmingCharacters(in: .whitespaces)
            guard zone.count <= 100, zone.allSatisfy({ $0.isLetter || $0.isNumber || " _-".contains($0) }) else {
                return Self.redirect("/devices?error=zone")
            }
            edit = DeviceEdit(zone: zone)
        default: return Self.redirect("/devices")
        }
        var changed = 0
        for id in ids where try await services.store.device(id) != nil {
            try await services.store.editDevice(id, edit)
            changed += 1
        }
        if changed > 0 { await services.audit("device_edit", context, request: request, details: "bulk \(form["action"] ?? ""): \(changed) devices") }
        return Self.redirect("/devices")
    }

    // MARK: Compare

    @Sendable func compare(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let scans = try await services.store.scans(ScanQuery(status: .completed, limit: 100)).items
        let later = request.queryText("scan1").flatMap(Int64.init) ?? scans.first?.id.rawValue
        let earlier = request.queryText("scan2").flatMap(Int64.init) ?? scans.dropFirst().first?.id.rawValue
        func options(_ selected: Int64?) -> [[String: Any]] {
            scans.map {
                [
                    "value": $0.id.rawValue, "label": "Scan \($0.id) · \(Self.date($0.finishedAt)) · \($0.targets.joined(separator: ", "))",
                    "selected": $0.id.rawValue == selected,
                ]
            }
        }
        var values = base(context, nav: "compare")
        values["earlier"] = options(earlier)
        values["later"] = options(later)
        if let later, let earlier, later != earlier {
            let now = try await services.store.observations(in: ScanID(later))
            let before = try await services.store.observations(in: ScanID(earlier))
            let changes = ChangeDetector().changes(
                from: before.map(DeviceSnapshot.init(observation:)), to: now.map(DeviceSnapshot.init(observation:)), coversAllPrevious: true)
            values["compared"] = true
            values["summary"] = "\(changes.count) changes from scan \(earlier) to scan \(later)."
            values["hasChanges"] = !changes.isEmpty
            values["changes"] = changes.map { change -> [String: Any] in
                var deviceID: Int64?
                if case .known(let id)? = change.device { deviceID = id.rawValue }
                return Self.present(["when": "", "severity": change.severity.rawValue, "description": change.description, "deviceID": deviceID])
            }
        }
        return pages.render("compare", values)
    }

    // MARK: Network map

    @Sendable func visualization(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let listings = try await services.store.devices(DeviceQuery(sort: .risk, descending: true, limit: 500)).items
        var values = base(context, nav: "visualization")
        values["tiles"] = listings.map { listing -> [String: Any] in
            let device = listing.device
            return [
                "id": device.id.rawValue, "name": Self.name(device), "ip": device.ip, "risk": device.riskLevel.rawValue, "score": device.riskScore,
                "type": device.deviceType.rawValue,
            ]
        }
        // Ports and services: the 20 most common open ports across the devices' latest observations.
        var rows: [(Device, [ObservedPort])] = []
        var counts: [String: Int] = [:]
        for listing in listings.prefix(200) {
            let ports = (try await services.store.history(of: listing.device.id, limit: 1).first?.openPorts) ?? []
            rows.append((listing.device, ports))
            for port in ports { counts["\(port.number)/\(port.protocol.rawValue)", default: 0] += 1 }
        }
        let columns = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(20).map(\.key)
        values["ports"] = columns
        values["hasMatrix"] = !columns.isEmpty
        values["matrix"] = rows.filter { !$0.1.isEmpty }.map { device, ports -> [String: Any] in
            let open = Dictionary(ports.map { ("\($0.number)/\($0.protocol.rawValue)", $0) }) { first, _ in first }
            return [
                "id": device.id.rawValue, "name": Self.name(device),
                "cells": columns.map { column -> [String: Any] in
                    guard let port = open[column] else { return ["open": false] }
                    return ["open": true, "service": [port.serviceName, port.product, port.version].compactMap(\.self).joined(separator: " ")]
                },
            ]
        }
        return pages.render("visualization", values)
    }

    // MARK: Settings

    @Sendable func settings(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        try await renderSettings(context, flash: request.queryText("done"))
    }

    func renderSettings(
        _ context: ArgusRequestContext, flash: String? = nil, error: String? = nil, newKey: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let store = services.store
        var values = base(context, nav: "settings", flash: flash, error: error)
        let profile = try await store.setting("network.scan_profile") ?? services.configuration.scanProfile
        values["scanning"] = [
            "subnets": try await services.scanning.configuredSubnets().joined(separator: ", "),
            "exclusions": (try await store.setting("network.exclusions") ?? "").split(separator: ",").joined(separator: ", "),
            "ports": try await store.setting("scanning.port_range") ?? "", "os": try await store.setting("scanning.enable_os_detection") != "false",
            "outside": try await services.scanning.allowsScansOutsideScope(),
        ]
        values["profiles"] = Self.options(services.configuration.profiles.map(\.name), selected: profile)
        values["exclusions"] = services.configuration.exclusions.isEmpty ? "none" : services.configuration.exclusions.joined(separator: ", ")
        let schedules = try await store.schedules()
        values["hasSchedules"] = !schedules.isEmpty
        values["schedules"] = schedules.map { schedule -> [String: Any] in
            [
                "id": schedule.id.rawValue, "name": schedule.name, "expression": schedule.expression,
                "summary": (try? ScanCadence(schedule.expression))?.summary ?? "", "profile": schedule.profile,
                "next": schedule.isEnabled ? Self.date(schedule.nextRunAt) : "disabled",
            ]
        }
        if case .session(let user, _) = context.identity {
            let keys = try await services.accounts.apiKeys(of: user.id)
            values["hasKeys"] = !keys.isEmpty
            values["keys"] = keys.map { key -> [String: Any] in
                let state = key.revokedAt != nil ? "revoked" : key.isUsable() ? "active" : "expired"
                return [
                    "id": key.id.rawValue, "name": key.name, "prefix": key.prefix, "created": Self.date(key.createdAt),
                    "lastUsed": key.lastUsedAt.map { Self.date($0) } ?? "never", "expires": key.expiresAt.map { Self.date($0) } ?? "never",
                    "state": state, "active": state == "active",
                ]
            }
        }
        if let newKey { values["newKey"] = newKey }
        let sinks = await services.sinks.list()
        values["hasSinks"] = !sinks.isEmpty
        values["sinks"] = sinks.map { ["name": $0.name, "description": $0.description, "removable": $0.source == "api"] as [String: Any] }
        let sinkForm = SinkForm(services.sinks.types)
        values["sinkForm"] = sinkForm
        values["canAddSinks"] = !sinkForm.choices.isEmpty
        values["pendingAlerts"] = try await store.pendingMessageCount()
        let configuration = services.configuration
        values["alertPolicy"] =
            "Offline alerts wait \(configuration.offlineGraceMinutes) minutes for the device to come back"
            + (configuration.alertQuietHours.map { "; quiet hours \($0) (\(configuration.alertQuietHoursBreakthrough.rawValue) alerts still go out)" }
                ?? "") + "."
        let snooze = try await AlertSnooze.load(from: store).pruned(at: Date())
        if let until = snooze.allUntil { values["snoozedUntil"] = Self.date(until) }
        let deliveries = try await store.recentMessages(limit: 20).map(AlertRoutes.Delivery.init)
        values["hasDeliveries"] = !deliveries.isEmpty
        values["deliveries"] = deliveries.map { delivery -> [String: Any] in
            [
                "created": Self.date(delivery.createdAt), "sink": delivery.sink, "severity": delivery.severity ?? "info",
                "title": delivery.title ?? delivery.alertID, "status": delivery.status,
                "detail": delivery.reason ?? delivery.lastError
                    ?? (delivery.deliveredAt.map { "sent \(Self.date($0))" } ?? (delivery.nextAttemptAt.map { "due \(Self.date($0))" } ?? "")),
            ]
        }
        values["retention"] = ["days": services.configuration.retentionDays, "keep": services.configuration.keepScans]
        values["audit"] = try await services.accounts.auditEntries(action: nil, limit: 50, offset: 0).items.map { entry -> [String: Any] in
            [
                "when": Self.date(entry.timestamp), "who": entry.username ?? (entry.apiKeyID.map { "key \($0)" } ?? "—"), "action": entry.action,
                "details": entry.details ?? "", "client": entry.clientAddress ?? "", "success": entry.success,
            ]
        }
        return pages.render("settings", values, status: status)
    }

    @Sendable func saveScanning(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        let subnets = ScanTargetRules.split(form["subnets"] ?? "")
        let exclusions = ScanTargetRules.split(form["exclusions"] ?? "")
        // The rules every scan applies: what is saved here can never make a scan fail.
        let rules = services.configuration.targetRules
        do { _ = try rules.exclusions(exclusions) } catch {
            return try await renderSettings(context, error: "Never scan: \(error)", status: .unprocessableContent)
        }
        if !subnets.isEmpty {
            do { _ = try rules.targets(subnets, excluding: services.configuration.exclusions + exclusions) } catch {
                return try await renderSettings(context, error: "Networks: \(error)", status: .unprocessableContent)
            }
        }
        let profile = form["profile"] ?? "normal"
        guard services.configuration.profiles.contains(where: { $0.name == profile }) else {
            return try await renderSettings(context, error: "Unknown profile.", status: .unprocessableContent)
        }
        let ports = (form["ports"] ?? "").trimmingCharacters(in: .whitespaces)
        if !ports.isEmpty {
            do { _ = try PortSpecification(ports) } catch {
                return try await renderSettings(context, error: "Ports: \(error)", status: .unprocessableContent)
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
        return Self.redirect("/settings?done=Saved.")
    }

    @Sendable func addSchedule(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count), name.allSatisfy({ $0.isLetter || $0.isNumber || " _-".contains($0) }) else {
            return try await renderSettings(
                context, error: "A schedule's name is 1 to 100 letters, digits, spaces, '_' or '-'.", status: .unprocessableContent)
        }
        let cadence: ScanCadence
        do { cadence = try ScanCadence(form["cron"] ?? "") } catch {
            return try await renderSettings(context, error: "The schedule: \(error.description).", status: .unprocessableContent)
        }
        let profile = form["profile"] ?? "normal"
        guard services.configuration.profiles.contains(where: { $0.name == profile }) else {
            return try await renderSettings(context, error: "Unknown profile.", status: .unprocessableContent)
        }
        let stored = try await services.store.createSchedule(
            Schedule(id: ScheduleID(0), name: name, expression: cadence.description, profile: profile, nextRunAt: cadence.nextRun(after: Date())))
        await services.audit(
            "schedule_create", context, request: request, resource: ("schedule", "\(stored.id)"), details: "web: \(name): \(stored.expression)")
        return Self.redirect("/settings?done=Schedule+added.")
    }

    @Sendable func deleteSchedule(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.invalid("id", "must be a schedule id") }
        if try await services.store.deleteSchedule(ScheduleID(id)) {
            await services.audit("schedule_delete", context, request: request, resource: ("schedule", "\(id)"))
        }
        return Self.redirect("/settings?done=Schedule+deleted.")
    }

    @Sendable func createKey(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let (user, _) = try context.requireSession()
        let form = try await Form(request)
        let days = form["expires_in_days"].flatMap { $0.isEmpty ? nil : Int($0) }
        do {
            let (key, secret) = try await Accounts(store: services.accounts, hasher: services.hasher).createAPIKey(
                for: user, name: form["name"] ?? "", expiresInDays: days)
            await services.audit("api_key_create", context, request: request, resource: ("api_key", "\(key.id)"), details: "web: \(key.name)")
            // Shown in this answer only: it is not stored, and a reload does not show it again.
            return try await renderSettings(context, flash: "API key \(key.name) created.", newKey: secret)
        } catch let refusal as Accounts.Refusal {
            return try await renderSettings(context, error: refusal.description, status: .unprocessableContent)
        }
    }

    @Sendable func revokeKey(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let (user, _) = try context.requireSession()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.invalid("id", "must be a key id") }
        if let key = try await services.accounts.apiKeys(of: user.id).first(where: { $0.id.rawValue == id }), key.revokedAt == nil {
            try await services.accounts.revokeAPIKey(key.id, at: Date())
            await services.audit("api_key_revoke", context, request: request, resource: ("api_key", "\(id)"), details: "web: \(key.name)")
        }
        return Self.redirect("/settings?done=Key+revoked.")
    }

    @Sendable func changePassword(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let (user, _) = try context.requireSession()
        let form = try await Form(request)
        guard await services.hasher.verify(form["current_password"] ?? "", hash: user.passwordHash) else {
            await services.audit("password_change", context, request: request, details: "wrong current password", success: false)
            return try await renderSettings(context, error: "The current password is wrong.", status: .forbidden)
        }
        if let problem = PasswordHasher.problem(with: form["new_password"] ?? "") {
            return try await renderSettings(context, error: "The new password \(problem).", status: .unprocessableContent)
        }
        try await Accounts(store: services.accounts, hasher: services.hasher).setPassword(of: user.username, to: form["new_password"] ?? "")
        await services.audit("password_change", context, request: request)
        let (cookie, _) = try await services.sessions.start(for: user, remember: false, request: request, context: context)
        return Self.redirect("/settings?done=Password+changed%3B+other+sessions+have+ended.", cookie: cookie)
    }

    @Sendable func testAlert(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        guard await services.sinks.contains(name) else { throw APIError.notFound("Alert sink") }
        do {
            try await services.alerts.test(name)
            await services.audit("alert_test", context, request: request, resource: ("alert_sink", name))
            return try await renderSettings(context, flash: "A test alert went to \(name).")
        } catch {
            await services.audit("alert_test", context, request: request, resource: ("alert_sink", name), details: "\(error)", success: false)
            return try await renderSettings(context, error: "The test alert to \(name) failed: \(error)", status: .badGateway)
        }
    }

    @Sendable func addSink(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        do {
            let settings = try SinkForm.settings(from: form, registry: services.sinks.types, services: services)
            let sink = try await services.sinks.add(settings)
            await services.audit("alert_sink_add", context, request: request, resource: ("alert_sink", sink.name), details: "web: \(settings.type)")
            return Self.redirect("/settings?done=Alert+sink+added.")
        } catch let error as APIError {
            return try await renderSettings(context, error: "The sink was not added: \(error.detail)", status: error.status)
        }
    }

    @Sendable func removeSink(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        try await services.sinks.remove(named: name)
        await services.audit("alert_sink_remove", context, request: request, resource: ("alert_sink", name), details: "web")
        return Self.redirect("/settings?done=Alert+sink+removed.")
    }

    @Sendable func snoozeAlerts(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        guard let minutes = Int(form["minutes"] ?? ""), (0...43_200).contains(minutes) else {
            return try await renderSettings(context, error: "Snooze for 1 minute to 30 days.", status: .unprocessableContent)
        }
        var device: DeviceID?
        if let text = form["device_id"], !text.isEmpty {
            guard let id = Int64(text) else { throw APIError.notFound("Device") }
            device = DeviceID(id)
        }
        try await services.suppression.snooze(device, minutes: minutes)
        await services.audit(
            minutes > 0 ? "alerts_snoozed" : "alerts_unsnoozed", context, request: request, resource: device.map { ("device", "\($0.rawValue)") },
            details: "web: \(minutes) minutes")
        if let device { return Self.redirect("/devices/\(device.rawValue)") }
        return Self.redirect(minutes > 0 ? "/settings?done=Alerts+snoozed." : "/settings?done=Alerts+resumed.")
    }

    @Sendable func applyRetention(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let deleted = try await services.retention.prune()
        await services.audit("retention_cleanup", context, request: request, details: "web: \(deleted) scans")
        return Self.redirect("/settings?done=\(deleted)+old+scans+deleted.")
    }
}
