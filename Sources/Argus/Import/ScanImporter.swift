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
    public func importFile(at path: String, now: Date = Date()) async throws -> RecordedScan {
        let scan = try await store.createScan(NewScan(kind: .imported, profile: "imported", targets: [path], status: .running, createdAt: now))
        let inventory = try await store.inventory()
        do {
            return try await store.record(scan.id, at: now) { recorder in
                var matcher = DeviceMatcher(inventory: inventory)
                var hostsUp = 0
                var hostsDown = 0
                // The file is parsed on a second thread while this one writes to the store.
                let run = try NmapXMLReader.readConcurrently(path: path) { events in
                    for case .host(let host) in events {
                        guard host.isUp, let ip = host.primaryAddress else {
                            if host.status.state == .down { hostsDown += 1 }
                            continue
                        }
                        hostsUp += 1
                        try recorder.add(DeviceUpdate(host: host, deviceID: matcher.match(mac: host.mac?.address, ip: ip)))
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
