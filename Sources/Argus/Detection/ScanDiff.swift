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

/// Device-aware changes between two recorded nmap scans, without a database.
///
/// Hosts that are up in each file are matched as ``DeviceMatcher`` matches scans to the
/// inventory — by MAC first, by IP otherwise — so a device that moved is reported as moved, and
/// the changes come from ``ChangeDetector``.
///
/// ```swift
/// let changes = try ScanDiff.changes(from: "monday.xml", to: "tuesday.xml")
/// ```
public enum ScanDiff {
    /// The changes from the scan in `oldPath` to the scan in `newPath`.
    /// - Throws: ``NmapXMLError`` when either file cannot be read.
    public static func changes(from oldPath: String, to newPath: String) throws -> [NewChange] {
        // The two files are read at the same time, one on each core.
        let results = Mutex<[Result<[DeviceUpdate], any Error>?]>([nil, nil])
        let paths = [oldPath, newPath]
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let result = Result { try updates(in: paths[index]) }
            results.withLock { $0[index] = result }
        }
        let (readBefore, readAfter) = results.withLock { ($0[0]!, $0[1]!) }
        let before = try readBefore.get()
        // The older scan's devices get ids 1…n; the newer scan's hosts are matched to them.
        var devices: [Device] = []
        var previous: [DeviceSnapshot] = []
        for (index, update) in before.enumerated() {
            let id = DeviceID(Int64(index + 1))
            devices.append(Device(id: id, mac: update.mac, ip: update.ip, hostname: update.hostname, firstSeen: .distantPast, lastSeen: .distantPast))
            var snapshot = DeviceSnapshot(update: update)
            snapshot.deviceID = id
            previous.append(snapshot)
        }
        var matcher = DeviceMatcher(inventory: devices)
        let current = try readAfter.get().map { update in
            var snapshot = DeviceSnapshot(update: update)
            snapshot.deviceID = matcher.match(mac: update.mac, ip: update.ip)
            return snapshot
        }
        return ChangeDetector().changes(from: previous, to: current)
    }

    /// The device updates of the hosts that are up in a file.
    private static func updates(in path: String) throws -> [DeviceUpdate] {
        var updates: [DeviceUpdate] = []
        _ = try NmapXMLReader.read(path: path) { event in
            guard case .host(let host) = event, host.isUp, host.primaryAddress != nil else { return }
            updates.append(DeviceUpdate(host: host, deviceID: nil))
        }
        return updates
    }
}
