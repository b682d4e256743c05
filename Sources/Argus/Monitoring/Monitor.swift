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
/// Every scan goes through the ``ScanPipeline``: it is compared with each device's last known
/// state, only inside what the scan covered (``ScanCoverage``: its addresses, ports and
/// probes), and devices it did not see are reported gone only at addresses it covered.
public actor Monitor {
    /// Where scans and devices are kept.
    public let store: any ArgusStore
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
    public init(store: any ArgusStore, scanner: any Scanner = NmapScanner(), threats: ThreatDetector = ThreatDetector(), alerting: Alerting? = nil) {
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
    public func scan(
        _ request: ScanRequest, kind: ScanKind = .network, onCreated: @Sendable (ScanRecord) -> Void = { _ in },
        onEvent: @Sendable (ScanEvent) -> Void = { _ in }
    ) async throws -> RecordedScan {
        let scan = try await store.createScan(
            NewScan(kind: kind, profile: request.profile.name, targets: request.targets.targets.map(\.text), status: .running))
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
                        var update = DeviceUpdate(host: host, deviceID: nil)
                        update.seenAt = host.endTime
                        updates.append(update)
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
            // A store error's own text may name the database file: the scan keeps only its kind.
            let reason = (error as? StoreError).map { "the store fails (\($0.code.rawValue))" } ?? "\(error)"
            _ = try? await store.markScan(scan.id, as: .failed, at: Date(), error: reason)
            if (error as? ScanError)?.code == .nmapMissing || error is StoreError {
                // The scanner itself is broken: one alert, not one per scheduled scan.
                // The kind of failure, not its details (which name ids and differ each time).
                let reason =
                    (error as? ScanError).map { "\($0)" } ?? (error as? StoreError).map { "the store fails (\($0.code.rawValue))" } ?? "\(error)"
                await reportScannerHealth([reason], scanID: scan.id)
            } else if let alerting, alerting.rules.kinds.contains(.scanFailed) {
                let alert = Alert(
                    id: "scan-\(scan.id.rawValue)-failed", kind: .scanFailed, severity: .warning, title: AlertKind.scanFailed.title,
                    message: "Scan \(scan.id) of \(request.targets.targets.map(\.text).joined(separator: ", ")) failed: \(error)",
                    scanID: scan.id.rawValue)
                if let messages = try? AlertRules.outbox(for: [alert], sinks: await alerting.currentSinks()) {
                    _ = try? await store.enqueue(messages, at: Date())
                }
            }
            throw error
        }
    }

    private func record(_ scanID: ScanID, kind: ScanKind, request: ScanRequest, run: ScanRun, updates: [DeviceUpdate], hostsDown: Int) async throws
        -> RecordedScan
    {
        let baseline = try await ScanPipeline.Baseline(store: store)
        // Imported vulnerabilities (NVD feeds) for the products this scan saw or its devices
        // had, beside the bundled.
        let detector = try await threats.including(
            vulnerabilitiesFrom: store, for: updates.flatMap(\.ports) + baseline.services)
        let coverage = ScanCoverage(request: request, run: run)
        // The scan's own times: nmap's end of the run, each host's own end.
        let finishedAt = run.runStats?.finished.time ?? Date()
        let sinks = await alerting?.currentSinks() ?? []
        let alerting = alerting.map { ScanPipeline.Alerting(rules: $0.rules, sinks: sinks) }
        let counts = run.runStats?.hosts
        let outcome = ScanOutcome(
            status: run.isComplete ? .completed : .failed, startedAt: run.startTime, nmapVersion: run.version, nmapArguments: run.arguments,
            hostsUp: counts?.up ?? updates.count, hostsDown: counts?.down ?? hostsDown, errorMessage: run.incompleteReason, coverage: coverage)
        return try await store.record(scanID, at: finishedAt) { recorder in
            var pipeline = ScanPipeline(
                baseline: baseline, coverage: coverage, scanID: scanID, scannedAt: finishedAt, detector: detector, alerting: alerting)
            for update in updates { try pipeline.record(update, into: recorder) }
            // A scan cut short cannot say which devices it did not see.
            try pipeline.finish(into: recorder, reportingAbsent: run.isComplete)
            return outcome
        }
    }

    /// Imports a recorded nmap XML file through the same pipeline as a scan, with this
    /// monitor's risk rules and alerting (see ``ScanImporter``).
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - name: The target to record the scan under (the path by default).
    /// - Throws: ``NmapXMLError`` for unreadable or invalid input, ``StoreError`` from the store.
    public func importFile(at path: String, recordedAs name: String? = nil) async throws -> RecordedScan {
        let sinks = await alerting?.currentSinks() ?? []
        let alerting = alerting.map { ScanPipeline.Alerting(rules: $0.rules, sinks: sinks) }
        return try await ScanImporter(store: store, threats: threats, alerting: alerting).importFile(at: path, recordedAs: name)
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
        let alert = Alert(
            id: "scan-\(scanID.rawValue)-scanner-degraded", kind: .scannerDegraded, severity: .warning, title: AlertKind.scannerDegraded.title,
            message: "The scanner works in a reduced way: \(reason).", scanID: scanID.rawValue)
        if let messages = try? AlertRules.outbox(for: [alert], sinks: await alerting.currentSinks()) {
            _ = try? await store.enqueue(messages, at: Date())
        }
    }

}
