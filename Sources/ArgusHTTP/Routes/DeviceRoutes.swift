//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// The inventory: list, detail, ports, edits, zones.
struct DeviceRoutes {
    let services: ServerServices

    func register(on routes: RouteGroups) {
        routes.api.get("/api/devices", use: list)
        routes.api.get("/api/devices/:id", use: detail)
        routes.api.get("/api/devices/:id/ports", use: ports)
        routes.api.put("/api/devices/:id", use: edit)
        routes.api.get("/api/zones", use: zones)
    }

    static func deviceID(_ context: ArgusRequestContext) throws -> DeviceID {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else {
            throw APIError.invalid("id", "must be a device id (a positive whole number)")
        }
        return DeviceID(id)
    }

    /// `GET /api/devices?scan_id&risk_level&is_trusted&zone&type&online&q&sort&order&limit&offset`
    @Sendable func list(_ request: Request, context: ArgusRequestContext) async throws -> PageResource<DeviceResource> {
        var query = DeviceQuery()
        if let scan = request.queryText("scan_id") {
            guard let id = Int64(scan) else { throw APIError.invalid("scan_id", "must be a scan id") }
            query.scanID = ScanID(id)
        }
        if let level = request.queryText("risk_level") {
            guard let risk = RiskLevel(rawValue: level) else { throw APIError.invalid("risk_level", "one of none, low, medium, high, critical") }
            query.riskLevel = risk
        }
        query.isTrusted = try request.queryBool("is_trusted")
        query.isOnline = try request.queryBool("online")
        query.zone = request.queryText("zone")
        if let name = request.queryText("type") {
            guard let type = DeviceType(rawValue: name) else {
                throw APIError.invalid("type", "one of \(DeviceType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.deviceType = type
        }
        query.search = request.queryText("q").map { String($0.prefix(200)) }
        if let sort = request.queryText("sort") {
            guard let order = DeviceSort(rawValue: sort) else { throw APIError.invalid("sort", "one of ip, hostname, last_seen, first_seen, risk") }
            query.sort = order
        }
        if let order = request.queryText("order") {
            guard order == "asc" || order == "desc" else { throw APIError.invalid("order", "asc or desc") }
            query.descending = order == "desc"
        }
        query.limit = try request.queryInt("limit", default: 100, in: 1...1_000)
        query.offset = try request.queryInt("offset", default: 0, in: 0...Int(Int32.max))
        let page = try await services.store.devices(query)
        return PageResource(
            items: page.items.map { DeviceResource($0.device, openPorts: $0.openPorts) }, total: page.total, limit: query.limit, offset: query.offset)
    }

    /// `GET /api/devices/{id}`: ports, threats with remediation, CVEs and history.
    @Sendable func detail(_ request: Request, context: ArgusRequestContext) async throws -> DeviceDetailResource {
        let id = try Self.deviceID(context)
        guard let device = try await services.store.device(id) else { throw APIError.notFound("Device") }
        let history = try await services.store.history(of: id, limit: try request.queryInt("history", default: 20, in: 1...500))
        let ports = history.first?.ports ?? []
        let assessment = try await ThreatDetector().including(vulnerabilitiesFrom: services.store, for: ports).assess(ports)
        return DeviceDetailResource(
            device: DeviceResource(device, openPorts: ports.count { $0.state == .open }),
            ports: ports.map(PortResource.init),
            threatSummary: assessment.summary,
            topRecommendation: assessment.topRemediation,
            scoreInputs: assessment.scoreInputs,
            threats: assessment.findings,
            cves: assessment.vulnerabilities,
            history: history.map {
                ObservationResource(
                    scanId: $0.scanID.rawValue, observedAt: $0.observedAt, ipAddress: $0.ip, hostname: $0.hostname,
                    openPorts: $0.openPorts.map(\.number), riskLevel: $0.riskLevel.rawValue, riskScore: $0.riskScore)
            }
        )
    }

    @Sendable func ports(_ request: Request, context: ArgusRequestContext) async throws -> [PortResource] {
        let id = try Self.deviceID(context)
        guard try await services.store.device(id) != nil else { throw APIError.notFound("Device") }
        return (try await services.store.history(of: id, limit: 1).first?.ports ?? []).map(PortResource.init)
    }

    struct Edit: Decodable {
        var label: String?
        var notes: String?
        var isTrusted: Bool?
        var zone: String?
    }

    struct Edited: ResponseEncodable {
        var id: Int64
        var ipAddress: String
        var macAddress: String?
        var label: String?
        var notes: String?
        var isTrusted: Bool
        var zone: String?
    }

    /// `PUT /api/devices/{id}`: label (≤ 255), notes (≤ 5000), trusted, zone (≤ 100, letters,
    /// digits, space, `_`, `-`). `""` clears a text; stored as given, escaped when shown.
    @Sendable func edit(_ request: Request, context: ArgusRequestContext) async throws -> Edited {
        let id = try Self.deviceID(context)
        let body = try await request.decodeJSON(as: Edit.self, context: context)
        let label = body.label?.trimmingCharacters(in: .whitespacesAndNewlines)
        let notes = body.notes?.trimmingCharacters(in: .whitespacesAndNewlines)
        let zone = body.zone?.trimmingCharacters(in: .whitespaces)
        if let label, label.count > 255 { throw APIError.invalid("label", "at most 255 characters") }
        if let notes, notes.count > 5_000 { throw APIError.invalid("notes", "at most 5000 characters") }
        if let zone, zone.count > 100 || !zone.allSatisfy({ $0.isLetter || $0.isNumber || " _-".contains($0) }) {
            throw APIError.invalid("zone", "at most 100 letters, digits, spaces, '_' or '-'")
        }
        for (field, text) in [("label", label), ("notes", notes)]
        where text?.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" }) == true {
            throw APIError.invalid(field, "must not contain control characters")
        }
        guard try await services.store.device(id) != nil else { throw APIError.notFound("Device") }
        let device = try await services.store.editDevice(id, DeviceEdit(label: label, notes: notes, isTrusted: body.isTrusted, zone: zone))
        await services.audit(
            "device_edit", context, request: request, resource: ("device", "\(id)"),
            details: [label.map { _ in "label" }, notes.map { _ in "notes" }, body.isTrusted.map { "trusted=\($0)" }, zone.map { "zone=\($0)" }]
                .compactMap(\.self).joined(separator: ", "))
        return Edited(
            id: device.id.rawValue, ipAddress: device.ip, macAddress: device.mac, label: device.label, notes: device.notes,
            isTrusted: device.isTrusted, zone: device.zone)
    }

    struct Zones: ResponseEncodable { var zones: [String] }

    @Sendable func zones(_ request: Request, context: ArgusRequestContext) async throws -> Zones {
        Zones(zones: Set(try await services.store.inventory().compactMap(\.zone).filter { !$0.isEmpty }).sorted())
    }
}
