//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// Scans: history, starting (network, device), live status, cancelling, comparing, importing.
struct ScanRoutes {
    let services: ServerServices

    func register(on routes: RouteGroups) {
        routes.api.get("/api/scans", use: list)
        routes.api.post("/api/scans", use: create)
        routes.api.post("/api/scans/import", use: importXML)
        routes.api.get("/api/scans/:id", use: show)
        routes.api.get("/api/scans/:id/devices", use: devices)
        routes.api.post("/api/scans/:id/cancel", use: cancel)
        routes.api.get("/api/scans/:id/compare/:previous", use: compare)
        routes.api.post("/api/scan/trigger", use: trigger)
        routes.api.post("/api/scan/device/:address", use: scanDevice)
        routes.api.get("/api/scan/status", use: status)
    }

    static func scanID(_ context: ArgusRequestContext, _ name: String = "id") throws -> ScanID {
        guard let id = context.parameters.get(name, as: Int64.self), id > 0 else {
            throw APIError.invalid(name, "must be a scan id (a positive whole number)")
        }
        return ScanID(id)
    }

    func scan(_ id: ScanID) async throws -> ScanRecord {
        guard let scan = try await services.store.scan(id) else { throw APIError(.notFound, "Scan not found") }
        return scan
    }

    @Sendable func list(_ request: Request, context: ArgusRequestContext) async throws -> [ScanResource] {
        var query = ScanQuery(
            limit: try request.queryInt("limit", default: 10, in: 1...1_000),
            offset: try request.queryInt("offset", default: 0, in: 0...Int(Int32.max)))
        if let status = request.queryText("status") {
            guard let value = ScanStatus(rawValue: status) else {
                throw APIError.invalid("status", "one of \(ScanStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.status = value
        }
        if let type = request.queryText("type") {
            guard let value = ScanKind(rawValue: type) else {
                throw APIError.invalid("type", "one of \(ScanKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.kind = value
        }
        return try await services.store.scans(query).items.map(ScanResource.init)
    }

    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> ScanResource {
        ScanResource(try await scan(try Self.scanID(context)))
    }

    struct ScannedDevice: Encodable, Sendable {
        var id: Int64
        var ipAddress: String
        var macAddress: String?
        var hostname: String?
        var vendor: String?
        var osName: String?
        var status: String
        var portCount: Int
        var riskLevel: String
        var riskScore: Int
    }

    @Sendable func devices(_ request: Request, context: ArgusRequestContext) async throws -> [ScannedDevice] {
        let id = try Self.scanID(context)
        _ = try await scan(id)
        return try await services.store.observations(in: id).map {
            ScannedDevice(
                id: $0.deviceID.rawValue, ipAddress: $0.ip, macAddress: $0.mac, hostname: $0.hostname, vendor: $0.vendor, osName: $0.osName,
                status: $0.state.rawValue, portCount: $0.openPorts.count, riskLevel: $0.riskLevel.rawValue, riskScore: $0.riskScore)
        }
    }

    struct NewScanRequest: Decodable {
        var subnet: String?
        var scanProfile: String?
        var portRange: String?
    }

    func configuredTargets() async throws -> ScanTargetList {
        try await services.scanning.networkTargets()
    }

    func profile(named name: String?, field: String) async throws -> ScanProfile {
        guard let profile = try await services.scanning.defaultProfile(named: name) else {
            throw services.scanning.unknownProfile(field: field)
        }
        return profile
    }

    func start(_ request: ScanRequest, kind: ScanKind, _ context: ArgusRequestContext, _ http: Request) async throws -> ScanID {
        var request = request
        request.timeout = .seconds(services.configuration.scanTimeoutMinutes * 60)
        do {
            let id = try await services.scans.start(request, kind: kind)
            await services.audit(
                "scan_start", context, request: http, resource: ("scan", "\(id)"),
                details: "\(kind.rawValue) \(request.profile.name): \(request.targets.targets.map(\.text).joined(separator: ", "))")
            return id
        } catch let error as ScanCoordinator.StartError {
            throw APIError(error == .stopping ? .serviceUnavailable : .conflict, error.description)
        }
    }

    /// `POST /api/scans {subnet?, scan_profile?, port_range?}` → 202 with the new scan.
    @Sendable func create(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: NewScanRequest.self, context: context, required: false)
        var profile = try await profile(named: body.scanProfile, field: "scan_profile")
        if let ports = body.portRange, !ports.isEmpty {
            do { profile.ports = try PortSpecification(ports) } catch { throw APIError.invalid("port_range", "\(error)") }
        }
        let targets: ScanTargetList
        if let subnet = body.subnet, !subnet.isEmpty {
            targets = try await services.scanning.scopedTargets(ScanTargetRules.split(subnet), field: "subnet")
        } else {
            targets = try await configuredTargets()
        }
        let id = try await start(
            ScanRequest(targets: targets, profile: profile, resolvesNames: services.configuration.resolveNames), kind: .network, context, request)
        var response = try ScanResource(try await scan(id)).response(from: request, context: context)
        response.status = .accepted
        response.headers[.location] = "/api/scans/\(id)"
        return response
    }

    struct Started: ResponseEncodable {
        var status = "started"
        var scanId: Int64
        var profile: String
        var subnet: String?
        var target: String?
    }

    /// `POST /api/scan/trigger?profile=` → a scan of the configured networks.
    @Sendable func trigger(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let profile = try await profile(named: request.queryText("profile"), field: "profile")
        let targets = try await configuredTargets()
        let id = try await start(
            ScanRequest(targets: targets, profile: profile, resolvesNames: services.configuration.resolveNames), kind: .network, context, request)
        var response = try Started(scanId: id.rawValue, profile: profile.name, subnet: targets.targets.map(\.text).joined(separator: ", ")).response(
            from: request, context: context)
        response.status = .accepted
        return response
    }

    /// `POST /api/scan/device/{address}?profile=`: one address, validated; never a baseline.
    @Sendable func scanDevice(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let address = try context.parameters.require("address")
        let profile = try await profile(named: request.queryText("profile"), field: "profile")
        let target: ScanTarget
        do { target = try ScanTarget(address) } catch { throw APIError.invalid("address", "\(error)") }
        guard target.addressCount == 1 else { throw APIError.invalid("address", "a device scan covers one address, not \(target.addressCount)") }
        let exclusions = try await services.scanning.exclusions()
        if exclusions.contains(where: { (try? ScanTarget($0))?.contains(address: address) == true }) {
            throw APIError.invalid("address", "\(address) is excluded from scanning (network.exclusions)")
        }
        // A host name is resolved once; its address is checked against the scope and scanned.
        let targets = try await services.scanning.scopedTargets([address], field: "address")
        if let resolved = targets.targets.first?.text, resolved != address,
            exclusions.contains(where: { (try? ScanTarget($0))?.contains(address: resolved) == true })
        {
            throw APIError.invalid("address", "\(address) (\(resolved)) is excluded from scanning (network.exclusions)")
        }
        let id = try await start(
            ScanRequest(targets: targets, profile: profile, resolvesNames: services.configuration.resolveNames), kind: .device, context, request)
        var response = try Started(scanId: id.rawValue, profile: profile.name, target: address).response(from: request, context: context)
        response.status = .accepted
        return response
    }

    struct Status: ResponseEncodable {
        var scanning: Bool
        var scanId: Int64?
        var scanType: String?
        var subnet: String?
        var profile: String?
        var startedAt: Date?
        var progress: ScanCoordinator.Progress?
        var scans: [ScanCoordinator.RunningScan]
    }

    @Sendable func status(_ request: Request, context: ArgusRequestContext) async throws -> Status {
        let running = await services.scans.runningScans
        let main = running.first { $0.kind == .network } ?? running.first
        return Status(
            scanning: main != nil, scanId: main?.scanID.rawValue, scanType: main?.kind.rawValue, subnet: main?.targets.joined(separator: ", "),
            profile: main?.profile, startedAt: main?.startedAt, progress: main?.progress, scans: running)
    }

    struct Cancelling: ResponseEncodable {
        var status = "cancelling"
        var scanId: Int64
    }

    @Sendable func cancel(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let id = try Self.scanID(context)
        _ = try await scan(id)
        guard await services.scans.cancel(id) else { throw APIError(.conflict, "Scan \(id) is not running") }
        await services.audit("scan_cancel", context, request: request, resource: ("scan", "\(id)"))
        var response = try Cancelling(scanId: id.rawValue).response(from: request, context: context)
        response.status = .accepted
        return response
    }

    struct Comparison: ResponseEncodable {
        struct Summary: Encodable {
            var devicesAdded: Int
            var devicesRemoved: Int
            var totalChanges: Int
        }
        var currentScan: ScanResource
        var previousScan: ScanResource
        var changes: [ChangeResource]
        var summary: Summary
    }

    /// `GET /api/scans/{current}/compare/{previous}`: device-aware, by device identity.
    @Sendable func compare(_ request: Request, context: ArgusRequestContext) async throws -> Comparison {
        let current = try await scan(try Self.scanID(context))
        let previous = try await scan(try Self.scanID(context, "previous"))
        let now = try await services.store.observations(in: current.id)
        let before = try await services.store.observations(in: previous.id)
        let changes = ChangeDetector().changes(
            from: before.map(DeviceSnapshot.init(observation:)), to: now.map(DeviceSnapshot.init(observation:)), coversAllPrevious: true)
        let records = changes.enumerated().map { index, change in
            var deviceID: DeviceID?
            if case .known(let id)? = change.device { deviceID = id }
            return ChangeResource(
                ChangeRecord(
                    id: ChangeID(Int64(index + 1)), scanID: current.id, deviceID: deviceID, kind: change.kind, severity: change.severity,
                    ip: change.ip, mac: change.mac, port: change.port, protocol: change.protocol, oldValue: change.oldValue,
                    newValue: change.newValue, description: change.description, detectedAt: current.finishedAt ?? current.createdAt))
        }
        let added = Set(now.map(\.deviceID)).subtracting(before.map(\.deviceID)).count
        let removed = Set(before.map(\.deviceID)).subtracting(now.map(\.deviceID)).count
        return Comparison(
            currentScan: ScanResource(current), previousScan: ScanResource(previous), changes: records,
            summary: .init(devicesAdded: added, devicesRemoved: removed, totalChanges: records.count))
    }

    /// `POST /api/scans/import`: an nmap XML file (the body) becomes a scan, streamed to disk
    /// and imported in one transaction.
    @Sendable func importXML(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("argus-upload-\(UUID().uuidString).xml").path
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw APIError(.internalServerError, "Could not store the upload")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        var size = 0
        do {
            for try await chunk in request.body {
                size += chunk.readableBytes
                guard size <= context.maxUploadSize else {
                    throw APIError(.contentTooLarge, "The file is larger than \(context.maxUploadSize >> 20) MiB")
                }
                try handle.write(contentsOf: Data(chunk.readableBytesView))
            }
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        guard size > 0 else { throw APIError.invalid("body", "send the nmap XML file (-oX) as the request body") }
        let recorded: RecordedScan
        do {
            recorded = try await services.scans.importFile(at: path, recordedAs: "upload")
        } catch let error as NmapXMLError {
            throw APIError(.unprocessableContent, "Not a readable nmap XML file: \(error)", field: "body")
        }
        await services.audit("scan_import", context, request: request, resource: ("scan", "\(recorded.scan.id)"), details: "\(size) bytes")
        var response = try ScanResource(recorded.scan).response(from: request, context: context)
        response.status = .created
        return response
    }
}
