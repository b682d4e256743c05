//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Brings a recorded nmap XML file into a store as a scan of kind ``ScanKind/imported``.
///
/// Each device's type is classified (``DeviceClassifier``) and its risk assessed from its open
/// ports (``ThreatDetector``).
///
/// The file is read as a stream inside the store's transaction — parsed on a second thread
/// while the first writes — each host that is up matched to a known device (``DeviceMatcher``)
/// and written at once, so a file of any size is imported in constant memory, and either
/// completely or not at all.
///
/// ```swift
/// let recorded = try await ScanImporter(store: store).importFile(at: "scan.xml")
/// print(recorded.scan.devicesFound, recorded.newDevices)
/// ```
public struct ScanImporter: Sendable {
    /// The store to import into.
    public let store: any DeviceStore

    /// Creates an importer.
    public init(store: any DeviceStore) {
        self.store = store
    }

    /// Imports the nmap XML file at `path`.
    ///
    /// A file that nmap did not finish (cut short, or ended in error) is imported with what it
    /// holds, and the scan is recorded as ``ScanStatus/failed`` with the reason. A file that is
    /// not nmap XML imports nothing: the scan is recorded as failed and the error rethrown.
    /// - Throws: ``NmapXMLError`` for unreadable or invalid input, ``StoreError`` from the store.
    public func importFile(at path: String, recordedAs name: String? = nil, now: Date = Date()) async throws -> RecordedScan {
        let scan = try await store.createScan(NewScan(kind: .imported, profile: "imported", targets: [name ?? path], status: .running, createdAt: now))
        let inventory = try await store.inventory()
        do {
            return try await store.record(scan.id, at: now) { recorder in
                var matcher = DeviceMatcher(inventory: inventory)
                var hostsUp = 0
                var hostsDown = 0
                // The file is parsed, and hosts turned into updates, on a second thread while
                // this one matches them to known devices and writes them to the store.
                let run = try NmapXMLReader.readConcurrently(path: path, transform: ImportedHost.init) { hosts in
                    for host in hosts {
                        guard var update = host.update else {
                            if host.isDown { hostsDown += 1 }
                            continue
                        }
                        hostsUp += 1
                        update.deviceID = matcher.match(mac: update.mac, ip: update.ip)
                        try recorder.add(update)
                    }
                }
                let counts = run.runStats?.hosts
                return ScanOutcome(status: run.isComplete ? .completed : .failed, startedAt: run.startTime, finishedAt: run.runStats?.finished.time, nmapVersion: run.version, nmapArguments: run.arguments, hostsUp: counts?.up ?? hostsUp, hostsDown: counts?.down ?? hostsDown, errorMessage: run.incompleteReason.map { "the file is incomplete: \($0)" })
            }
        } catch {
            _ = try? await store.markScan(scan.id, as: .failed, at: now, error: "import failed: \(error)")
            throw error
        }
    }
}

/// A host as the importer needs it, made on the reading thread.
private struct ImportedHost: Sendable {
    static let detector = ThreatDetector()

    /// The device update of a host that is up and has an address.
    var update: DeviceUpdate?
    /// True for a host nmap found down.
    var isDown: Bool

    init?(_ event: NmapXMLEvent) {
        guard case .host(let host) = event else { return nil }
        isDown = host.status.state == .down
        guard host.isUp, host.primaryAddress != nil else {
            update = nil
            return
        }
        var update = DeviceUpdate(host: host, deviceID: nil)
        (update.riskLevel, update.riskScore) = ImportedHost.detector.risk(of: update.ports)
        self.update = update
    }
}
