//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Dispatch
import Synchronization

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
        // The two files are read at the same time, one on each core; the older scan's devices
        // get ids 1…n there.
        let results = Mutex<[Result<[DeviceSnapshot], any Error>?]>([nil, nil])
        let paths = [oldPath, newPath]
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let result = Result { try snapshots(in: paths[index], numbered: index == 0) }
            results.withLock { $0[index] = result }
        }
        let (readBefore, readAfter) = results.withLock { ($0[0]!, $0[1]!) }
        let previous = try readBefore.get()
        var current = try readAfter.get()
        var matcher = DeviceMatcher(entries: previous.map { ($0.deviceID!, $0.mac, $0.ip) })
        for index in current.indices {
            current[index].deviceID = matcher.match(mac: current[index].mac, ip: current[index].ip)
        }
        return ChangeDetector().changes(from: previous, to: current)
    }

    /// Snapshots of the hosts that are up in a file; `numbered` gives them ids 1…n.
    private static func snapshots(in path: String, numbered: Bool) throws -> [DeviceSnapshot] {
        var snapshots: [DeviceSnapshot] = []
        _ = try NmapXMLReader.read(path: path) { event in
            guard case .host(let host) = event, host.isUp, host.primaryAddress != nil else { return }
            var snapshot = DeviceSnapshot(update: DeviceUpdate(host: host, deviceID: nil))
            if numbered { snapshot.deviceID = DeviceID(Int64(snapshots.count + 1)) }
            snapshots.append(snapshot)
        }
        return snapshots
    }
}
