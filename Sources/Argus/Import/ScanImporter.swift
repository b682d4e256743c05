//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Brings a recorded nmap XML file into a store as a scan of kind ``ScanKind/imported``,
/// through the same ``ScanPipeline`` as a live scan.
///
/// The file's coverage is read from the file (``ScanCoverage/init(recordedRun:)``: its targets,
/// scanned ports and probes), and its times are the file's: each host's own end time, else the
/// run's start, and the run's end for the scan. An imported scan produces changes, assessments
/// with CVEs, trends and, with ``alerting``, alerts, as a live scan of the same network would;
/// a file older than a device's newest sighting adds to its history and changes nothing.
///
/// The file is read as a stream inside the store's transaction — parsed, classified and assessed
/// on a second thread while the first compares and writes — so a file of any size is imported in
/// memory that grows with the inventory, not the file, and either completely or not at all.
///
/// ```swift
/// let recorded = try await ScanImporter(store: store).importFile(at: "scan.xml")
/// print(recorded.scan.devicesFound, recorded.newDevices)
/// ```
public struct ScanImporter: Sendable {
    /// The store to import into.
    public let store: any DeviceStore & VulnerabilityStore
    /// How risk is judged (the store's imported vulnerabilities are added for the file's products).
    public var threats: ThreatDetector
    /// Which changes alert, and for which sinks; `nil` (the default) queues no alert.
    public var alerting: ScanPipeline.Alerting?

    /// Creates an importer.
    public init(store: any DeviceStore & VulnerabilityStore, threats: ThreatDetector = ThreatDetector(), alerting: ScanPipeline.Alerting? = nil) {
        self.store = store
        self.threats = threats
        self.alerting = alerting
    }

    /// Imports the nmap XML file at `path`.
    ///
    /// A file that nmap did not finish (cut short, or ended in error) is imported with what it
    /// holds, and the scan is recorded as ``ScanStatus/failed`` with the reason. A file that is
    /// not nmap XML imports nothing: the scan is recorded as failed and the error rethrown.
    /// - Parameters:
    ///   - path: The file.
    ///   - name: The target to record the scan under (the path by default).
    ///   - now: When the import was asked for (the scan's creation time, and the sighting time
    ///     of hosts in a file that gives no time at all).
    /// - Throws: ``NmapXMLError`` for unreadable or invalid input, ``StoreError`` from the store.
    public func importFile(at path: String, recordedAs name: String? = nil, now: Date = Date()) async throws -> RecordedScan {
        let scan = try await store.createScan(
            NewScan(kind: .imported, profile: "imported", targets: [name ?? path], status: .running, createdAt: now))
        do {
            let baseline = try await ScanPipeline.Baseline(store: store)
            var including = threats
            if try await store.vulnerabilityCount() > 0 {
                // A first pass for the services the file names, to ask the store for their
                // imported vulnerabilities (skipped when there are none).
                var services = Set<ObservedPort>()
                _ = try NmapXMLReader.read(path: path) { event in
                    guard case .host(let host) = event else { return }
                    for port in host.ports where port.service?.product != nil || port.service?.cpes.isEmpty == false {
                        var service = ObservedPort(port)
                        service.number = 0
                        services.insert(service)
                    }
                }
                including = try await threats.including(vulnerabilitiesFrom: store, for: Array(services) + baseline.services)
            }
            let detector = including
            let transform = ImportedItem.transform(detector: detector, now: now)
            let scanID = scan.id
            let alerting = alerting
            return try await store.record(scan.id, at: now) { recorder in
                var pipeline: ScanPipeline?
                var hostsUp = 0
                var hostsDown = 0
                // The file is parsed, and hosts classified and assessed, on a second thread
                // while this one compares them with what is known and writes them.
                let run = try NmapXMLReader.readConcurrently(path: path, transform: transform) { items in
                    for item in items {
                        switch item {
                        case .started(let run):
                            let started = run.startTime ?? now
                            pipeline = ScanPipeline(
                                baseline: baseline, coverage: ScanCoverage(recordedRun: run), scanID: scanID, scannedAt: started, detector: detector,
                                alerting: alerting)
                        case .down:
                            hostsDown += 1
                        case .up(let update, let assessment):
                            hostsUp += 1
                            if pipeline == nil {
                                pipeline = ScanPipeline(
                                    baseline: baseline, coverage: ScanCoverage(targets: []), scanID: scanID, scannedAt: now, detector: detector,
                                    alerting: alerting)
                            }
                            try pipeline?.record(update, assessment: assessment, into: recorder)
                        }
                    }
                }
                let finishedAt = run.runStats?.finished.time ?? run.startTime ?? now
                var finishing =
                    pipeline
                    ?? ScanPipeline(
                        baseline: baseline, coverage: ScanCoverage(recordedRun: run), scanID: scanID, scannedAt: finishedAt, detector: detector,
                        alerting: alerting)
                // Only a whole file says what it did not see.
                if run.isComplete {
                    finishing.scannedAt = finishedAt
                    try finishing.finish(into: recorder)
                } else {
                    try finishing.finish(into: recorder, reportingAbsent: false)
                }
                let counts = run.runStats?.hosts
                return ScanOutcome(
                    status: run.isComplete ? .completed : .failed, startedAt: run.startTime, finishedAt: finishedAt, nmapVersion: run.version,
                    nmapArguments: run.arguments, hostsUp: counts?.up ?? hostsUp, hostsDown: counts?.down ?? hostsDown,
                    errorMessage: run.incompleteReason.map { "the file is incomplete: \($0)" }, coverage: finishing.coverage)
            }
        } catch {
            _ = try? await store.markScan(scan.id, as: .failed, at: now, error: "import failed: \(error)")
            throw error
        }
    }
}
