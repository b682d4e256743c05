//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Running totals over the hosts of a scan: what people want to know first.
///
/// Add hosts as they stream in; memory grows only with the number of distinct services and
/// operating systems, never with the number of hosts.
public struct ScanSummary: Sendable, Hashable, Codable {
    /// Hosts nmap found up.
    public private(set) var hostsUp = 0
    /// Hosts nmap found down.
    public private(set) var hostsDown = 0
    /// Hosts in any other state (a list scan's `unknown`, `skipped`).
    public private(set) var hostsOther = 0
    /// Open ports over all hosts.
    public private(set) var openPorts = 0
    /// Open ports per service name (`ssh`, `http`, …; `unknown` when nmap had no name).
    public private(set) var services: [String: Int] = [:]
    /// Hosts per best OS match.
    public private(set) var operatingSystems: [String: Int] = [:]

    /// Creates empty totals.
    public init() {}

    /// All hosts counted.
    public var hostsTotal: Int { hostsUp + hostsDown + hostsOther }

    /// Counts one host.
    public mutating func add(_ host: borrowing HostObservation) {
        switch host.status.state {
        case .up: hostsUp += 1
        case .down: hostsDown += 1
        case .unknown, .skipped: hostsOther += 1
        }
        host.ports.withUnsafeBufferPointer { ports in
            for index in ports.indices where ports[index].state.state == .open {
                openPorts += 1
                services[ports[index].service?.name ?? "unknown", default: 0] += 1
            }
        }
        if let os = host.os?.bestMatch {
            operatingSystems[os.name, default: 0] += 1
        }
    }

    /// Entries of a count table, largest first, then by name.
    public static func ranked(_ counts: [String: Int]) -> [(name: String, count: Int)] {
        counts.map { (name: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
    }
}
