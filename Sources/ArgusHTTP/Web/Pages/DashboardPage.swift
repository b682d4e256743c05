//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Hummingbird

/// The start page: counts, charts, the last and next scan, and the latest changes.
struct DashboardPage: WebPage {
    /// The dashboard's values.
    struct View: PageView {
        /// The cards' counts.
        struct Stats: Sendable {
            /// Every device.
            var total: Int
            /// The devices online.
            var online: Int
            /// The devices at high risk or worse.
            var atRisk: Int
            /// The changes not acknowledged.
            var unacknowledged: Int
        }

        /// The template.

        static let template = "dashboard"
        /// The layout's values.
        var frame: PageFrame
        /// The cards.
        var stats: Stats
        /// Devices per risk level, as SVG.
        var riskChart: String
        /// Devices found per scan, as SVG.
        var trendChart: String
        /// Open ports per scan, as SVG.
        var portsChart: String
        /// Devices at high risk or worse per scan, as SVG.
        var atRiskChart: String
        /// The latest changes.
        var changes: [ChangeRow]
        /// Whether there are any.
        var hasChanges: Bool
        /// When the last scan finished, if one did.
        var lastScan: String?
        /// When the next scheduled scan runs, if one is scheduled.
        var nextRun: String?
    }

    /// The server's services.
    let services: ServerServices
    /// The templates.
    let pages: PageRenderer

    /// Registers the page and its forms.
    func register(on routes: RouteGroups) {
        routes.pages.get("/", use: show)
    }

    /// The dashboard.
    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let store = services.store
        let counts = try await store.deviceCounts()
        let unacknowledged = try await store.changes(ChangeQuery(acknowledged: false, limit: 1)).total
        let latest = try await store.changes(ChangeQuery(limit: 8)).items
        let last = try await store.scans(ScanQuery(status: .completed, limit: 1)).items.first
        let next = try await store.schedules().filter(\.isEnabled).compactMap(\.nextRunAt).min()
        let recent = try await store.scans(ScanQuery(status: .completed, kind: .network, limit: 30)).items.reversed()
        var riskPoints: [(String, Int)] = []
        for scan in recent.suffix(30) {
            let observations = try await store.observations(in: scan.id)
            riskPoints.append((WebDate.text(scan.finishedAt), observations.count { $0.riskLevel >= .high }))
        }
        let view = View(
            frame: PageFrame(context, nav: .dashboard),
            stats: View.Stats(
                total: counts.total, online: counts.online,
                atRisk: counts.byRisk[.critical, default: 0] + counts.byRisk[.high, default: 0], unacknowledged: unacknowledged),
            riskChart: Charts.riskBars(counts.byRisk),
            trendChart: Charts.line(recent.map { (WebDate.text($0.finishedAt), $0.devicesFound) }, label: "Devices found per scan"),
            portsChart: Charts.line(recent.map { (WebDate.text($0.finishedAt), $0.openPorts) }, label: "Open ports per scan"),
            atRiskChart: Charts.line(riskPoints, label: "Devices at high risk or worse per scan"),
            changes: latest.map(ChangeRow.init), hasChanges: !latest.isEmpty, lastScan: last.map { WebDate.text($0.finishedAt) },
            nextRun: next.map { WebDate.text($0) })
        return pages.render(view)
    }
}
