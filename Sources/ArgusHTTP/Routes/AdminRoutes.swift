//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// The audit log, exports and retention.
struct AdminRoutes {
    let services: ServerServices

    func register(on routes: RouteGroups) {
        routes.api.get("/api/audit-logs", use: auditLog)
        routes.api.get("/api/audit-logs/actions", use: auditActions)
        routes.api.get("/api/export/devices.json", use: exportJSON)
        routes.api.get("/api/export/devices.csv", use: exportCSV)
        routes.api.post("/api/retention/cleanup", use: cleanup)
    }

    struct AuditResource: Encodable, Sendable {
        var id: Int64
        var timestamp: Date
        var username: String?
        var apiKeyId: Int64?
        var action: String
        var resourceType: String?
        var resourceId: String?
        var details: String?
        var ipAddress: String?
        var success: Bool
    }

    /// `GET /api/audit-logs?limit&offset&action&username`, newest first.
    @Sendable func auditLog(_ request: Request, context: ArgusRequestContext) async throws -> [AuditResource] {
        let limit = try request.queryInt("limit", default: 50, in: 1...1_000)
        let offset = try request.queryInt("offset", default: 0, in: 0...Int(Int32.max))
        let username = request.queryText("username")
        // The store filters by action; a user name filter reads further pages as needed.
        var found: [AuditEntry] = []
        var skipped = 0
        var page = 0
        while found.count < limit {
            let entries = try await services.accounts.auditEntries(action: request.queryText("action"), limit: 500, offset: page * 500).items
            for entry in entries where username == nil || entry.username == username {
                if skipped < offset { skipped += 1 } else if found.count < limit { found.append(entry) }
            }
            if entries.count < 500 { break }
            page += 1
        }
        return found.map {
            AuditResource(
                id: $0.id, timestamp: $0.timestamp, username: $0.username, apiKeyId: $0.apiKeyID?.rawValue, action: $0.action,
                resourceType: $0.resourceType, resourceId: $0.resourceID, details: $0.details, ipAddress: $0.clientAddress, success: $0.success)
        }
    }

    struct Actions: ResponseEncodable {
        struct Action: Encodable { var value: String, label: String }
        var actions: [Action]
    }

    static let actions: [(String, String)] = [
        ("setup", "First-run setup"), ("login", "Sign-in"), ("logout", "Sign-out"), ("password_change", "Password change"),
        ("api_key_create", "API key created"), ("api_key_revoke", "API key revoked"), ("user_create", "User created"),
        ("scan_start", "Scan started"), ("scan_cancel", "Scan cancelled"), ("scan_import", "Scan imported"),
        ("device_edit", "Device edited"), ("change_acknowledge", "Changes acknowledged"),
        ("schedule_create", "Schedule created"), ("schedule_update", "Schedule changed"), ("schedule_delete", "Schedule deleted"),
        ("export", "Export"), ("retention_cleanup", "Old scans deleted"), ("config_update", "Settings changed"),
        ("alert_test", "Test alert sent"), ("alert_sink_add", "Alert sink added"), ("alert_sink_remove", "Alert sink removed"),
        ("alerts_snoozed", "Alerts snoozed"), ("alerts_unsnoozed", "Alert snooze lifted"),
    ]

    @Sendable func auditActions(_ request: Request, context: ArgusRequestContext) async throws -> Actions {
        Actions(actions: Self.actions.map { Actions.Action(value: $0.0, label: $0.1) })
    }

    func allDevices() async throws -> [DeviceResource] {
        var devices: [DeviceResource] = []
        var offset = 0
        while true {
            let page = try await services.store.devices(DeviceQuery(limit: 5_000, offset: offset))
            devices += page.items.map { DeviceResource($0.device, openPorts: $0.openPorts) }
            offset += page.items.count
            if page.items.isEmpty || offset >= page.total { return devices }
        }
    }

    @Sendable func exportJSON(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let devices = try await allDevices()
        await services.audit("export", context, request: request, details: "devices.json, \(devices.count) devices")
        var response = try devices.response(from: request, context: context)
        response.headers[.contentDisposition] = "attachment; filename=\"argus-devices.json\""
        return response
    }

    /// CSV per RFC 4180 (``CSVExport``): cells holding CR, LF, a comma or a quote are quoted, and
    /// cells that a spreadsheet would run as a formula are prefixed with `'`.
    @Sendable func exportCSV(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let devices = try await allDevices()
        let header = [
            "id", "ip_address", "mac_address", "hostname", "vendor", "device_type", "os_name", "label", "zone", "is_trusted", "is_online",
            "risk_level", "risk_score", "open_ports", "first_seen", "last_seen", "times_seen",
        ]
        let rows = devices.map { device -> [String] in
            let cells: [String?] = [
                "\(device.id)", device.ipAddress, device.macAddress, device.hostname, device.vendor, device.deviceType, device.osName, device.label,
                device.zone, "\(device.isTrusted)", "\(device.isOnline)", device.riskLevel, "\(device.riskScore)", device.openPorts.map(String.init),
                device.firstSeen.formatted(.iso8601), device.lastSeen.formatted(.iso8601), "\(device.timesSeen)",
            ]
            return cells.map { $0 ?? "" }
        }
        let text = try CSVExport.document(header: header, rows: rows)
        await services.audit("export", context, request: request, details: "devices.csv, \(devices.count) devices")
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"argus-devices.csv\""],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    struct Cleaned: ResponseEncodable {
        var success = true
        var deletedScans: Int
    }

    /// `POST /api/retention/cleanup`: applies `retention.days` and `retention.keep_scans` now.
    @Sendable func cleanup(_ request: Request, context: ArgusRequestContext) async throws -> Cleaned {
        let deleted = try await services.retention.prune()
        await services.audit("retention_cleanup", context, request: request, details: "\(deleted) scans")
        return Cleaned(deletedScans: deleted)
    }
}
