//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs scans end to end: scanner → device matching → risk → changes → one store transaction.
///
/// The CLI, the server and embedders all scan through a monitor.
///
/// ```swift
/// let monitor = Monitor(store: InMemoryDeviceStore())
/// let recorded = try await monitor.scan(ScanRequest(targets: try ScanTargetList(["192.0.2.0/24"])))
/// ```
///
/// Change detection compares a network scan with the devices of the last completed network
/// scan (a scan of one device never becomes that baseline), and reports devices it did not see
/// as removed only for addresses the scan covered.
public actor Monitor {
    /// Where scans and devices are kept.
    public let store: any DeviceStore
    /// What runs the scans.
    public let scanner: any Scanner
    /// How risk is judged.
    public let threats: ThreatDetector
    /// Which changes alert, and the sinks they are queued for (in the scan's own transaction).
    public var alerting: Alerting?

    /// The alert rules and the sinks to queue alerts for.
    public struct Alerting: Sendable {
        /// Which changes alert.
        public var rules: AlertRules
        /// The sinks' names (``AlertSink/name``), when they are fixed.
        public var sinks: [String]
        /// The dispatcher whose sinks alerts are queued for, when sinks come and go at run time.
        public var dispatcher: AlertDispatcher?

        /// Creates the alerting part of a monitor, for a fixed set of sinks.
        public init(rules: AlertRules = AlertRules(), sinks: [String]) {
            self.rules = rules
            self.sinks = sinks
        }

        /// Creates the alerting part of a monitor that queues for a dispatcher's sinks of the
        /// moment (sinks added through the API included).
        public init(rules: AlertRules = AlertRules(), dispatcher: AlertDispatcher) {
            self.rules = rules
            self.sinks = []
            self.dispatcher = dispatcher
        }

        /// The sinks to queue for now.
        public func currentSinks() async -> [String] {
            if let dispatcher { return await dispatcher.sinkNames }
            return sinks
        }
    }

    /// Creates a monitor.
    public init(store: any DeviceStore, scanner: any Scanner = NmapScanner(), threats: ThreatDetector = ThreatDetector(), alerting: Alerting? = nil) {
        self.store = store
        self.scanner = scanner
        self.threats = threats
        self.alerting = alerting
    }

    /// Runs a scan and records it.
    ///
    /// - Parameters:
    ///   - request: What to scan and how.
    ///   - kind: ``ScanKind/network`` for the configured networks, ``ScanKind/device`` for one device.
    ///   - onCreated: Called once the scan is in the store, before nmap starts (a server answers
    ///     with its id at that point).
    ///   - onEvent: Called with the scanner's events (progress, hosts, notices) as they happen.
    /// - Returns: The recorded scan with its device ids and changes.
    /// - Throws: ``ScanError`` or ``StoreError``; the scan is then recorded as failed (or
    ///   cancelled), with the reason.
    public func scan(_ request: ScanRequest, kind: ScanKind = .network, onCreated: @Sendable (ScanRecord) -> Void = { _ in }, onEvent: @Sendable (ScanEvent) -> Void = { _ in }) async throws -> RecordedScan {
        let scan = try await store.createScan(NewScan(kind: kind, profile: request.profile.name, targets: request.targets.targets.map(\.text), status: .running))
        onCreated(scan)
        do {
            var run: ScanRun?
            var updates: [DeviceUpdate] = []
            var hostsDown = 0
            var degradations: [String] = []
            for try await event in scanner.scan(request) {
                onEvent(event)
                switch event {
                case .host(let host):
                    if host.isUp, host.primaryAddress != nil {
                        updates.append(DeviceUpdate(host: host, deviceID: nil))
                    } else if host.status.state == .down {
                        hostsDown += 1
                    }
                case .finished(let finished): run = finished
                case .degraded(let reason): degradations.append(reason)
                case .started, .notice, .progress: break
                }
            }
            try Task.checkCancellation()
            guard let run else { throw CancellationError() }
            let recorded = try await record(scan.id, kind: kind, request: request, run: run, updates: updates, hostsDown: hostsDown)
            // Only a scan that ran to its end shows the scanner healthy again.
            if !degradations.isEmpty || run.isComplete { await reportScannerHealth(degradations, scanID: scan.id) }
            return recorded
        } catch is CancellationError {
            _ = try? await store.markScan(scan.id, as: .cancelled, at: Date(), error: "the scan was cancelled")
            throw CancellationError()
        } catch {
            _ = try? await store.markScan(scan.id, as: .failed, at: Date(), error: "\(error)")
            if (error as? ScanError)?.code == .nmapMissing || error is StoreError {
                // The scanner itself is broken: one alert, not one per scheduled scan.
                // The kind of failure, not its details (which name ids and differ each time).
                let reason = (error as? ScanError).map { "\($0)" } ?? (error as? StoreError).map { "the store fails (\($0.code.rawValue))" } ?? "\(error)"
                await reportScannerHealth([reason], scanID: scan.id)
            } else if let alerting, alerting.rules.kinds.contains(.scanFailed) {
                let alert = Alert(id: "scan-\(scan.id.rawValue)-failed", kind: .scanFailed, severity: .warning, title: AlertKind.scanFailed.title, message: "Scan \(scan.id) of \(request.targets.targets.map(\.text).joined(separator: ", ")) failed: \(error)", scanID: scan.id.rawValue)
                if let messages = try? AlertRules.outbox(for: [alert], sinks: await alerting.currentSinks()) { _ = try? await store.enqueue(messages, at: Date()) }
            }
            throw error
        }
    }

    private func record(_ scanID: ScanID, kind: ScanKind, request: ScanRequest, run: ScanRun, updates scanned: [DeviceUpdate], hostsDown: Int) async throws -> RecordedScan {
        let inventory = try await store.inventory()
        var matcher = DeviceMatcher(inventory: inventory)
        var updates = scanned
        // Imported vulnerabilities (NVD feeds) for the products this scan saw, beside the bundled.
        let detector = try await threats.including(vulnerabilitiesFrom: store, for: updates.flatMap(\.ports))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var vulnerabilityIDs: [Set<String>] = []
        for index in updates.indices {
            updates[index].deviceID = matcher.match(mac: updates[index].mac, ip: updates[index].ip)
            let assessment = detector.assess(updates[index].ports)
            updates[index].riskLevel = assessment.level
            updates[index].riskScore = assessment.score
            updates[index].assessment = String(decoding: try encoder.encode(assessment), as: UTF8.self)
            vulnerabilityIDs.append(assessment.vulnerabilityIDs)
        }
        // What each known device's last assessment said, for "new CVE" changes.
        var knownIDs: [DeviceID: Set<String>] = [:]
        for (index, update) in updates.enumerated() where !vulnerabilityIDs[index].isEmpty {
            guard let id = update.deviceID else { continue }
            knownIDs[id] = Self.vulnerabilityIDs(inAssessment: try await store.assessment(of: id))
        }
        // The baseline: what the last completed network scan saw of the devices this scan covers.
        let covered = inventory.filter { device in request.targets.targets.contains { $0.contains(address: device.ip) } }
        var previous: [DeviceSnapshot] = []
        if kind == .network, let baseline = try await store.scans(ScanQuery(status: .completed, kind: .network, limit: 1)).items.first {
            let seen = Dictionary(try await store.observations(in: baseline.id).map { ($0.deviceID, $0) }) { first, _ in first }
            for device in covered {
                var snapshot = DeviceSnapshot(device: device, ports: seen[device.id]?.ports ?? [], cves: knownIDs[device.id] ?? [])
                if let observation = seen[device.id] {
                    snapshot.ip = observation.ip
                    snapshot.riskLevel = observation.riskLevel
                }
                previous.append(snapshot)
            }
        } else if kind == .device {
            for update in updates {
                guard let id = update.deviceID, let device = inventory.first(where: { $0.id == id }) else { continue }
                previous.append(DeviceSnapshot(device: device, ports: try await store.history(of: id, limit: 1).first?.ports ?? [], cves: knownIDs[id] ?? []))
            }
        }
        let isBaseline = kind == .network
        let current = updates.indices.map { DeviceSnapshot(update: updates[$0], cves: vulnerabilityIDs[$0]) }
        let changes = ChangeDetector().changes(from: previous, to: current, coversAllPrevious: isBaseline)
        let seenIDs = Set(updates.compactMap(\.deviceID))
        let offline = isBaseline ? covered.filter { $0.isOnline && !seenIDs.contains($0.id) }.map(\.id) : []
        let counts = run.runStats?.hosts
        var outbox: [NewOutboxMessage] = []
        let sinks = await alerting?.currentSinks() ?? []
        if let alerting, !sinks.isEmpty {
            let known = Dictionary(inventory.map { ($0.id, $0) }) { first, _ in first }
            let now = Date()
            let alerts = alerting.rules.alerts(for: changes, scanID: scanID, devices: { reference in
                switch reference {
                case .known(let id)?: return known[id]
                case .update(let index)? where updates.indices.contains(index):
                    let update = updates[index]
                    return update.deviceID.flatMap { known[$0] } ?? Device(id: DeviceID(0), mac: update.mac, ip: update.ip, hostname: update.hostname, vendor: update.vendor, deviceType: update.deviceType, firstSeen: now, lastSeen: now)
                default: return nil
                }
            })
            outbox = try AlertRules.outbox(for: alerts, sinks: sinks)
        }
        return try await store.record(ScanResult(scanID: scanID, status: run.isComplete ? .completed : .failed, startedAt: run.startTime, finishedAt: Date(), nmapVersion: run.version, nmapArguments: run.arguments, hostsUp: counts?.up ?? updates.count, hostsDown: counts?.down ?? hostsDown, errorMessage: run.incompleteReason, devices: updates, devicesNowOffline: offline, changes: changes, outbox: outbox))
    }

    /// The setting that holds the scanner's current degradation, so it alerts once.
    static let degradationSetting = "alerts.scanner_degraded"

    /// Alerts once when the scanner starts working in a reduced way (unprivileged, nmap
    /// missing, store errors), and again only when the reason changes or after it recovered.
    private func reportScannerHealth(_ reasons: [String], scanID: ScanID) async {
        let reason = Array(Set(reasons)).sorted().joined(separator: "; ")
        let known = (try? await store.setting(Self.degradationSetting)) ?? nil
        guard reason != (known ?? "") else { return }
        _ = try? await store.setSetting(Self.degradationSetting, to: reason.isEmpty ? nil : reason)
        guard !reason.isEmpty, let alerting, alerting.rules.kinds.contains(.scannerDegraded) else { return }
        let alert = Alert(id: "scan-\(scanID.rawValue)-scanner-degraded", kind: .scannerDegraded, severity: .warning, title: AlertKind.scannerDegraded.title, message: "The scanner works in a reduced way: \(reason).", scanID: scanID.rawValue)
        if let messages = try? AlertRules.outbox(for: [alert], sinks: await alerting.currentSinks()) { _ = try? await store.enqueue(messages, at: Date()) }
    }

    /// The confirmed and likely vulnerability ids of a stored assessment (none when there is
    /// none, or it predates vulnerability matching).
    static func vulnerabilityIDs(inAssessment text: String?) -> Set<String> {
        struct Stored: Decodable { var vulnerabilities: [VulnerabilityMatch]? }
        guard let text, let stored = try? JSONDecoder().decode(Stored.self, from: Data(text.utf8)) else { return [] }
        return Set((stored.vulnerabilities ?? []).filter { $0.confidence >= .likely }.map(\.id))
    }
}
