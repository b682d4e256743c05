//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Hummingbird

/// The inventory: devices filtered, sorted and paged, and edits to the ticked ones.
struct DevicesPage: WebPage {
    /// The devices page's values.
    struct View: PageView {
        /// One device in the table.
        struct Row: Sendable {
            /// Its id.
            var id: Int64
            /// Its name.
            var name: String
            /// Its IP address.
            var ip: String
            /// The MAC address, or empty.
            var mac: String
            /// The MAC's vendor, or empty.
            var vendor: String
            /// Whether the MAC is locally administered (may be randomised).
            var randomizedMac: Bool
            /// The type's name, for its icon.
            var type: String
            /// The type's name for people.
            var typeLabel: String
            /// How many ports are open.
            var openPorts: Int
            /// The risk level's name.
            var risk: String
            /// The risk score.
            var score: Int
            /// Whether it is online.
            var online: Bool
            /// When it was last seen.
            var lastSeen: String
            /// Whether it is marked trusted.
            var isTrusted: Bool
            /// The zone, if it has one.
            var zone: String?
        }

        /// The filters as the query gave them.
        struct Filters: Sendable {
            /// The search text.
            var q: String
            /// Whether only online devices are asked for.
            var onlineTrue: Bool
            /// Whether only offline ones are.
            var onlineFalse: Bool
            /// Whether only trusted devices are asked for.
            var trustedTrue: Bool
            /// Whether only untrusted ones are.
            var trustedFalse: Bool
        }

        /// The template.

        static let template = "devices"
        /// The layout's values.
        var frame: PageFrame
        /// This page's devices.
        var devices: [Row]
        /// How many devices match.
        var total: Int
        /// The filters as asked for.
        var filters: Filters
        /// The risk filter's options.
        var riskOptions: [Option]
        /// The sort's options.
        var sortOptions: [Option]
        /// The type filter's options.
        var typeOptions: [Option]
        /// The zone filter's options, from the zones in use.
        var zoneOptions: [Option]
        /// The previous page's link, if there is one.
        var previous: String?
        /// The next page's link, if there is one.
        var next: String?
        /// Which devices this page shows, when there is more than one page.
        var pageInfo: String?
    }

    /// The server's services.
    let services: ServerServices
    /// The templates.
    let pages: PageRenderer

    /// Registers the page and its forms.
    func register(on routes: RouteGroups) {
        routes.pages.get("/devices", use: show)
        routes.pages.post("/devices/bulk", use: bulkEdit)
    }

    /// The devices matching the query's filters, 50 a page.
    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Response {
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
        let online = request.queryText("online")
        let trusted = request.queryText("is_trusted")
        /// This query at another offset.
        func link(_ offset: Int) -> String {
            var items = (request.uri.queryParameters.map { (String($0.key), String($0.value)) }).filter { $0.0 != "offset" }
            items.append(("offset", "\(offset)"))
            return "/devices?" + items.map { "\(Form.escape($0.0))=\(Form.escape($0.1))" }.joined(separator: "&")
        }
        let view = View(
            frame: PageFrame(context, nav: .devices), devices: page.items.map(Self.row), total: page.total,
            filters: View.Filters(
                q: query.search ?? "", onlineTrue: online == "true", onlineFalse: online == "false", trustedTrue: trusted == "true",
                trustedFalse: trusted == "false"),
            riskOptions: Option.list(RiskLevel.allCases.map(\.rawValue), selected: risk),
            sortOptions: Option.list(["ip", "hostname", "risk", "last_seen", "first_seen"], selected: sort),
            typeOptions: DeviceType.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == type) },
            zoneOptions: Option.list(Set(try await services.store.inventory().compactMap(\.zone).filter { !$0.isEmpty }).sorted(), selected: zone),
            previous: query.offset > 0 ? link(max(0, query.offset - query.limit)) : nil,
            next: query.offset + page.items.count < page.total ? link(query.offset + query.limit) : nil,
            pageInfo: page.total > query.limit ? "showing \(query.offset + 1)–\(query.offset + page.items.count)" : nil)
        return pages.render(view)
    }

    /// A device's row in the table.
    static func row(_ listing: DeviceListing) -> View.Row {
        let device = listing.device
        return View.Row(
            id: device.id.rawValue, name: device.displayName, ip: device.ip, mac: device.mac ?? "", vendor: device.vendor ?? "",
            randomizedMac: device.hasRandomizedMAC, type: device.deviceType.rawValue, typeLabel: device.typeLabel,
            openPorts: listing.openPorts, risk: device.riskLevel.rawValue, score: device.riskScore, online: device.isOnline,
            lastSeen: WebDate.text(device.lastSeen), isTrusted: device.isTrusted, zone: device.zone?.isEmpty == false ? device.zone : nil)
    }

    /// Trusts, distrusts or sets the zone of the ticked devices.
    @Sendable func bulkEdit(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        let ids = form.all("ids").compactMap(Int64.init).prefix(10_000).map { DeviceID($0) }
        let edit: DeviceEdit
        switch form["action"] {
        case "trust": edit = DeviceEdit(isTrusted: true)
        case "untrust": edit = DeviceEdit(isTrusted: false)
        case "zone":
            let zone = (form["zone"] ?? "").trimmingCharacters(in: .whitespaces)
            guard DevicePage.isValidZone(zone) else { return Redirect.to("/devices?error=zone") }
            edit = DeviceEdit(zone: zone)
        default: return Redirect.to("/devices")
        }
        var changed = 0
        for id in ids where try await services.store.device(id) != nil {
            try await services.store.editDevice(id, edit)
            changed += 1
        }
        if changed > 0 { await services.audit("device_edit", context, request: request, details: "bulk \(form["action"] ?? ""): \(changed) devices") }
        return Redirect.to("/devices")
    }
}
