//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Dispatch
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Device-aware changes between two recorded nmap scans, without a database: the changes two
/// imports of the files (or two live scans of what they cover) would record.
///
/// Both files go through the stages of ``ScanPipeline``, as a scan does: identity (by MAC first,
/// by IP otherwise, so a device that moved is reported as moved), enrichment, assessment (risk
/// and known vulnerabilities) and ``ChangeDetector``. The older file is the baseline; the newer
/// one is compared with it inside its ``ScanCoverage``: a port it did not scan is not reported
/// closed, a device at an address it did not target is not reported gone. A newer file that does
/// not say what it targeted (no command line) is taken to cover every address.
///
/// ```swift
/// let changes = try ScanDiff.changes(from: "monday.xml", to: "tuesday.xml")
/// ```
public enum ScanDiff {
    /// The changes from the scan in `oldPath` to the scan in `newPath`.
    /// - Parameters:
    ///   - oldPath: The older scan's file.
    ///   - newPath: The newer scan's file.
    ///   - detector: How risk is judged (the built-in port rules and vulnerabilities by default).
    /// - Throws: ``NmapXMLError`` when either file cannot be read.
    public static func changes(from oldPath: String, to newPath: String, detector: ThreatDetector = ThreatDetector()) throws -> [NewChange] {
        // The two files are read, their hosts classified and assessed, at the same time: one on
        // each core.
        let results = Mutex<[Result<RecordedFile, any Error>?]>([nil, nil])
        let paths = [oldPath, newPath]
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let result = Result { try RecordedFile(path: paths[index], detector: detector) }
            results.withLock { $0[index] = result }
        }
        let (readBefore, readAfter) = results.withLock { ($0[0]!, $0[1]!) }
        let older = try readBefore.get()
        let newer = try readAfter.get()

        // The older file becomes the baseline: its hosts, as the pipeline would have stored them.
        let inventory = MemoryRecorder()
        var first = ScanPipeline(
            baseline: .init(), coverage: older.coverage, scanID: ScanID(1), scannedAt: .distantPast, detector: detector)
        var vulnerabilities: [DeviceID: Set<String>] = [:]
        for (update, assessment) in older.hosts {
            var update = update
            // The older file is older, whatever times the files carry.
            update.seenAt = nil
            let id = try first.record(update, assessment: assessment, into: inventory)
            if !assessment.vulnerabilityIDs.isEmpty { vulnerabilities[id] = assessment.vulnerabilityIDs }
        }
        let baseline = ScanPipeline.Baseline(devices: inventory.devices, states: inventory.states, vulnerabilityIDs: vulnerabilities)

        var coverage = newer.coverage
        if coverage.targets.isEmpty { coverage.targets = ["0.0.0.0/0", "::/0"] }
        let changes = MemoryRecorder(firstID: inventory.devices.count + 1)
        var second = ScanPipeline(baseline: baseline, coverage: coverage, scanID: ScanID(2), scannedAt: newer.startedAt, detector: detector)
        for (update, assessment) in newer.hosts {
            try second.record(update, assessment: assessment, into: changes)
        }
        second.scannedAt = newer.finishedAt
        // Only a whole file says what it did not see.
        try second.finish(into: changes, reportingAbsent: newer.isComplete)
        return changes.changes
    }
}

/// One recorded scan, read: what it covered, its times and its hosts that were up, classified
/// and assessed.
private struct RecordedFile: Sendable {
    var coverage: ScanCoverage
    var startedAt: Date
    var finishedAt: Date
    var isComplete: Bool
    var hosts: [(DeviceUpdate, ThreatAssessment)] = []

    init(path: String, detector: ThreatDetector) throws {
        let now = Date()
        let transform = ImportedItem.transform(detector: detector, now: now)
        var hosts: [(DeviceUpdate, ThreatAssessment)] = []
        let run = try NmapXMLReader.read(path: path) { event in
            if case .up(let update, let assessment)? = transform(event) { hosts.append((update, assessment)) }
        }
        self.hosts = hosts
        coverage = ScanCoverage(recordedRun: run)
        startedAt = run.startTime ?? now
        finishedAt = run.runStats?.finished.time ?? startedAt
        isComplete = run.isComplete
    }
}

/// A ``ScanRecorder`` in memory: the devices and states a scan leaves, and its changes.
private final class MemoryRecorder: ScanRecorder {
    private(set) var devices: [Device] = []
    private(set) var states: [DeviceID: DeviceObservation] = [:]
    private(set) var changes: [NewChange] = []
    private var nextID: Int

    init(firstID: Int = 1) { nextID = firstID }

    func add(_ update: DeviceUpdate) throws -> DeviceID {
        if let id = update.deviceID { return id }
        let id = DeviceID(Int64(nextID))
        nextID += 1
        let seen = update.seenAt ?? .distantPast
        devices.append(
            Device(
                id: id, mac: update.mac, ip: update.ip, hostname: update.hostname, vendor: update.vendor, deviceType: update.deviceType,
                osName: update.osName, osAccuracy: update.osAccuracy, firstSeen: seen, lastSeen: seen, riskLevel: update.riskLevel,
                riskScore: update.riskScore))
        states[id] = DeviceObservation(
            scanID: ScanID(1), deviceID: id, observedAt: seen, ip: update.ip, mac: update.mac, hostname: update.hostname, vendor: update.vendor,
            osName: update.osName, osAccuracy: update.osAccuracy, ports: update.ports, riskLevel: update.riskLevel, riskScore: update.riskScore)
        return id
    }

    func markOffline(_ devices: [DeviceID]) throws {}

    func add(_ change: NewChange) throws -> ChangeID {
        changes.append(change)
        return ChangeID(Int64(changes.count))
    }

    func enqueue(_ messages: [NewOutboxMessage]) throws {}
}
