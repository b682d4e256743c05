//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird
import Logging

/// Health, version, dashboard numbers, Prometheus metrics and the OpenAPI document.
struct SystemRoutes {
    let services: ServerServices

    func register(on routes: RouteGroups) {
        routes.open.get("/health", use: health)
        routes.api.get("/api/version") { _, _ in Version(version: ArgusVersion.current, swift: ArgusVersion.swift) }
        routes.api.get("/api/stats", use: stats)
        routes.api.get("/metrics", use: metrics)
        routes.open.get("/api/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
        }
    }

    struct Health: ResponseEncodable {
        var status: String
        var reason: String?
        var timestamp: Date
    }

    /// `200 {"status": "healthy"}`, or `503 {"status": "unhealthy", "reason"}` when the store is
    /// damaged or cannot be read: a load balancer or a monitor sees the server's real state.
    @Sendable func health(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        var problem = await services.storeHealth.problem()
        if problem == nil {
            // A cheap read that touches the file: a damaged or vanished database shows here.
            do {
                _ = try await services.store.scans(ScanQuery(limit: 1))
            } catch let error as StoreError {
                services.storeHealth.note(error)
                context.logger.error("health check: store error (\(error.code.rawValue)): \(services.storeHealth.redacted(error))")
                problem = await services.storeHealth.problem() ?? SecurityHeadersMiddleware.answer(for: error).detail
            }
        }
        let health = Health(status: problem == nil ? "healthy" : "unhealthy", reason: problem, timestamp: Date())
        var response = try health.response(from: request, context: context)
        if problem != nil { response.status = .serviceUnavailable }
        return response
    }

    struct Version: ResponseEncodable {
        var version: String
        var swift: String
    }

    struct Stats: ResponseEncodable {
        var totalDevices: Int
        var onlineDevices: Int
        var devicesAtRisk: Int
        var critical: Int
        var high: Int
        var medium: Int
        var low: Int
        var unacknowledgedChanges: Int
        var lastScan: String?
        var lastScanId: Int64?
        var scanning: Bool
    }

    @Sendable func stats(_ request: Request, context: ArgusRequestContext) async throws -> Stats {
        let counts = try await services.store.deviceCounts()
        let last = try await services.store.scans(ScanQuery(status: .completed, limit: 1)).items.first
        let risk = counts.byRisk
        return Stats(
            totalDevices: counts.total,
            onlineDevices: counts.online,
            devicesAtRisk: risk[.critical, default: 0] + risk[.high, default: 0],
            critical: risk[.critical, default: 0], high: risk[.high, default: 0], medium: risk[.medium, default: 0], low: risk[.low, default: 0],
            unacknowledgedChanges: try await services.store.changes(ChangeQuery(acknowledged: false, limit: 1)).total,
            lastScan: last.flatMap { $0.finishedAt }.map { $0.formatted(.iso8601) },
            lastScanId: last?.id.rawValue,
            scanning: await services.scans.isNetworkScanRunning
        )
    }

    /// Prometheus text exposition (version 0.0.4), computed from the store at each scrape.
    @Sendable func metrics(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { text += "\(name)\(sample.labels.isEmpty ? "" : "{\(sample.labels)}") \(sample.value)\n" }
        }
        let counts = try await services.store.deviceCounts()
        metric(
            "argus_devices", "gauge", "Devices in the inventory, by risk level.",
            RiskLevel.allCases.map { ("level=\"\($0.rawValue)\"", "\(counts.byRisk[$0, default: 0])") })
        metric("argus_devices_online", "gauge", "Devices the latest network scan saw up.", [("", "\(counts.online)")])
        var scans: [(String, String)] = []
        for status in ScanStatus.allCases {
            scans.append(("status=\"\(status.rawValue)\"", "\(try await services.store.scans(ScanQuery(status: status, limit: 1)).total)"))
        }
        metric("argus_scans", "gauge", "Scans in the store, by status.", scans)
        metric(
            "argus_changes_unacknowledged", "gauge", "Changes nobody has acknowledged.",
            [("", "\(try await services.store.changes(ChangeQuery(acknowledged: false, limit: 1)).total)")])
        let running = await services.scans.runningScans
        metric("argus_scans_running", "gauge", "Scans running now.", [("", "\(running.count)")])
        if let last = try await services.store.scans(ScanQuery(status: .completed, limit: 1)).items.first {
            metric(
                "argus_last_scan_timestamp_seconds", "gauge", "When the latest completed scan finished.",
                [("", "\((last.finishedAt ?? last.createdAt).timeIntervalSince1970)")])
            metric("argus_last_scan_duration_seconds", "gauge", "How long the latest completed scan took.", [("", "\(last.duration ?? 0)")])
            metric("argus_last_scan_hosts_up", "gauge", "Hosts the latest completed scan found up.", [("", "\(last.hostsUp)")])
            metric("argus_last_scan_open_ports", "gauge", "Open ports the latest completed scan found.", [("", "\(last.openPorts)")])
        }
        metric("argus_build_info", "gauge", "Argus's version.", [("version=\"\(ArgusVersion.current)\"", "1")])
        metric("argus_start_time_seconds", "gauge", "When argus-server started.", [("", "\(services.startedAt.timeIntervalSince1970)")])
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Argus's version.
public enum ArgusVersion {
    /// The release.
    public static let current = "0.4.0"
    /// The Swift language mode it is built in.
    public static let swift = "6"
}
