//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Hummingbird

/// The network map: a heat map of the devices by risk, and which of them have which ports open.
struct VisualizationPage: WebPage {
    /// The map's values.
    struct View: PageView {
        /// A device in the heat map.
        struct Tile: Sendable {
            /// Its id.
            var id: Int64
            /// Its name.
            var name: String
            /// Its IP address.
            var ip: String
            /// The risk level's name.
            var risk: String
            /// The risk score.
            var score: Int
            /// The type's name, for its icon.
            var type: String
        }

        /// A device's row in the ports matrix.
        struct MatrixRow: Sendable {
            /// Its id.
            var id: Int64
            /// Its name.
            var name: String
            /// One cell per column.
            var cells: [Cell]
        }

        /// Whether a device has a column's port open, and what listens there.
        struct Cell: Sendable {
            /// Whether the port is open.
            var open: Bool
            /// The service, product and version, space-separated (empty when closed).
            var service: String
        }

        /// The template.

        static let template = "visualization"
        /// The layout's values.
        var frame: PageFrame
        /// Up to 500 devices, riskiest first.
        var tiles: [Tile]
        /// The matrix's columns: the 20 most common open ports, `22/tcp`.
        var ports: [String]
        /// Whether there is any column.
        var hasMatrix: Bool
        /// The devices with open ports.
        var matrix: [MatrixRow]
    }

    /// The server's services.
    let services: ServerServices
    /// The templates.
    let pages: PageRenderer

    /// Registers the page and its forms.
    func register(on routes: RouteGroups) {
        routes.pages.get("/visualization", use: show)
    }

    /// The map.
    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let listings = try await services.store.devices(DeviceQuery(sort: .risk, descending: true, limit: 500)).items
        let tiles = listings.map { listing in
            let device = listing.device
            return View.Tile(
                id: device.id.rawValue, name: device.displayName, ip: device.ip, risk: device.riskLevel.rawValue, score: device.riskScore,
                type: device.deviceType.rawValue)
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
        let matrix = rows.filter { !$0.1.isEmpty }.map { device, ports in
            let open = Dictionary(ports.map { ("\($0.number)/\($0.protocol.rawValue)", $0) }) { first, _ in first }
            return View.MatrixRow(
                id: device.id.rawValue, name: device.displayName,
                cells: columns.map { column in
                    guard let port = open[column] else { return View.Cell(open: false, service: "") }
                    return View.Cell(open: true, service: [port.serviceName, port.product, port.version].compactMap(\.self).joined(separator: " "))
                })
        }
        return pages.render(
            View(frame: PageFrame(context, nav: .visualization), tiles: tiles, ports: columns, hasMatrix: !columns.isEmpty, matrix: matrix))
    }
}
