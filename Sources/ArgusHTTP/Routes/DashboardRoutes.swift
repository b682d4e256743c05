//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// The original's dashboard data: trends over time, distributions, and the device history list.
struct DashboardRoutes {
    let services: ServerServices

    func register(on routes: RouteGroups) {
        routes.api.get("/api/trends", use: trends)
        routes.api.get("/api/dashboard/distributions", use: distributions)
        routes.api.get("/api/device-history", use: deviceHistory)
    }

    struct Trends: ResponseEncodable {
        struct Series: Encodable {
            var labels: [String] = []
            var deviceCounts: [Int] = []
            var riskScores: [Double] = []
            var portCounts: [Int] = []
            var changeCounts: [Int] = []
            var atRiskCounts: [Int] = []
        }
        struct Summary: Encodable {
            var totalScans: Int
            var days: Int
            var avgDevices: Double
            var avgRiskScore: Double
            var totalChanges: Int
        }
        var trends: Series
        var summary: Summary
    }

    /// `GET /api/trends?days=30`: one point per completed network scan in the window, oldest first.
    @Sendable func trends(_ request: Request, context: ArgusRequestContext) async throws -> Trends {
        let days = try request.queryInt("days", default: 30, in: 1...3_650)
        let since = Date().addingTimeInterval(-Double(days) * 86_400)
        var scans: [ScanRecord] = []
        var offset = 0
        scanning: while true {
            let page = try await services.store.scans(ScanQuery(status: .completed, kind: .network, limit: 200, offset: offset))
            for scan in page.items {
                guard (scan.finishedAt ?? scan.createdAt) >= since else { break scanning }
                scans.append(scan)
            }
            offset += page.items.count
            if page.items.count < 200 || scans.count >= 1_000 { break }
        }
        var series = Trends.Series()
        var totalChanges = 0
        for scan in scans.reversed() {
            let observations = try await services.store.observations(in: scan.id)
            let changes = try await services.store.changes(ChangeQuery(scanID: scan.id, limit: 1)).total
            series.labels.append((scan.finishedAt ?? scan.createdAt).formatted(.iso8601))
            series.deviceCounts.append(scan.devicesFound)
            series.portCounts.append(scan.openPorts)
            series.changeCounts.append(changes)
            series.riskScores.append(
                observations.isEmpty ? 0 : (Double(observations.reduce(0) { $0 + $1.riskScore }) / Double(observations.count) * 10).rounded() / 10)
            series.atRiskCounts.append(observations.count { $0.riskLevel >= .high })
            totalChanges += changes
        }
        let count = Double(max(scans.count, 1))
        return Trends(
            trends: series,
            summary: .init(
                totalScans: scans.count, days: days, avgDevices: (Double(series.deviceCounts.reduce(0, +)) / count * 10).rounded() / 10,
                avgRiskScore: (series.riskScores.reduce(0, +) / count * 10).rounded() / 10, totalChanges: totalChanges))
    }

    struct Distributions: ResponseEncodable {
        struct TopPort: Encodable {
            var port: String
            var count: Int
        }
        var riskDistribution: [String: Int]
        var deviceTypes: [String: Int]
        var topPorts: [TopPort]
        var hasData: Bool
        var totalDevices: Int
        var scanId: Int64?
    }

    /// `GET /api/dashboard/distributions`: risk levels, device types and the most common open
    /// ports of the latest completed network scan.
    @Sendable func distributions(_ request: Request, context: ArgusRequestContext) async throws -> Distributions {
        let counts = try await services.store.deviceCounts()
        guard counts.total > 0 else { return Distributions(riskDistribution: [:], deviceTypes: [:], topPorts: [], hasData: false, totalDevices: 0) }
        var risk = Dictionary(uniqueKeysWithValues: RiskLevel.allCases.filter { $0 != .none }.map { ($0.rawValue, counts.byRisk[$0, default: 0]) })
        risk["safe"] = counts.byRisk[.none, default: 0]
        let types = Dictionary(grouping: try await services.store.inventory(), by: \.deviceType.rawValue).mapValues(\.count)
        let latest = try await services.store.scans(ScanQuery(status: .completed, kind: .network, limit: 1)).items.first
        var ports: [String: Int] = [:]
        if let latest {
            for observation in try await services.store.observations(in: latest.id) {
                for port in observation.openPorts { ports["\(port.number)/\(port.protocol.rawValue)", default: 0] += 1 }
            }
        }
        let top = ports.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(10).map { Distributions.TopPort(port: $0.key, count: $0.value) }
        return Distributions(
            riskDistribution: risk, deviceTypes: types, topPorts: top, hasData: true, totalDevices: counts.total, scanId: latest?.id.rawValue)
    }

    struct HistoryEntry: Encodable, Sendable {
        var deviceId: Int64
        var macAddress: String?
        var lastIp: String
        var lastHostname: String?
        var firstSeen: Date
        var lastSeen: Date
        var timesSeen: Int
        var label: String?
        var isTrusted: Bool
    }

    /// `GET /api/device-history`: every device ever seen, most recently seen first.
    @Sendable func deviceHistory(_ request: Request, context: ArgusRequestContext) async throws -> [HistoryEntry] {
        try await services.store.inventory().sorted { $0.lastSeen > $1.lastSeen }.map {
            HistoryEntry(
                deviceId: $0.id.rawValue, macAddress: $0.mac, lastIp: $0.ip, lastHostname: $0.hostname, firstSeen: $0.firstSeen,
                lastSeen: $0.lastSeen, timesSeen: $0.timesSeen, label: $0.label, isTrusted: $0.isTrusted)
        }
    }
}
