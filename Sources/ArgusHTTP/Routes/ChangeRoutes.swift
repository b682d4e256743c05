//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// What scans noticed: listing with filters, and acknowledging.
struct ChangeRoutes {
    let services: ServerServices

    func register(on routes: RouteGroups) {
        routes.api.get("/api/changes", use: list)
        routes.api.post("/api/changes/acknowledge", use: acknowledge)
    }

    /// `GET /api/changes?scan_id&change_type&severity&device_id&acknowledged&limit&offset`
    /// (`scan_id=0` is ignored, as in the original).
    @Sendable func list(_ request: Request, context: ArgusRequestContext) async throws -> [ChangeResource] {
        var query = ChangeQuery(
            limit: try request.queryInt("limit", default: 50, in: 1...1_000),
            offset: try request.queryInt("offset", default: 0, in: 0...Int(Int32.max)))
        if let scan = request.queryText("scan_id") {
            guard let id = Int64(scan), id >= 0 else { throw APIError.invalid("scan_id", "must be a scan id") }
            if id > 0 { query.scanID = ScanID(id) }
        }
        if let device = request.queryText("device_id") {
            guard let id = Int64(device), id > 0 else { throw APIError.invalid("device_id", "must be a device id") }
            query.deviceID = DeviceID(id)
        }
        if let kind = request.queryText("change_type") {
            guard let parsed = ChangeKind(rawValue: kind) else {
                throw APIError.invalid("change_type", "one of \(ChangeKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.kind = parsed
        }
        if let severity = request.queryText("severity") {
            guard let level = Severity(rawValue: severity) else { throw APIError.invalid("severity", "one of info, warning, critical") }
            query.minimumSeverity = level
        }
        query.acknowledged = try request.queryBool("acknowledged")
        return try await services.store.changes(query).items.map(ChangeResource.init)
    }

    struct Acknowledge: Decodable {
        var ids: [Int64]
        var acknowledged: Bool?
    }

    struct Acknowledged: ResponseEncodable {
        var updated: Int
    }

    @Sendable func acknowledge(_ request: Request, context: ArgusRequestContext) async throws -> Acknowledged {
        let body = try await request.decodeJSON(as: Acknowledge.self, context: context)
        guard !body.ids.isEmpty, body.ids.count <= 10_000 else { throw APIError.invalid("ids", "1 to 10000 change ids") }
        let (updated, withdrawn) = try await services.suppression.acknowledge(body.ids.map { ChangeID($0) }, acknowledged: body.acknowledged ?? true)
        await services.audit(
            "change_acknowledge", context, request: request,
            details: "\(updated) changes" + (withdrawn > 0 ? ", \(withdrawn) waiting alerts withdrawn" : ""))
        return Acknowledged(updated: updated)
    }
}
