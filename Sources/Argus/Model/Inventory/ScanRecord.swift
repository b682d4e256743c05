//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A scan as Argus remembers it: what was asked for, how it went, what it found.
public struct ScanRecord: Sendable, Codable, Hashable, Identifiable {
    /// The store's id for the scan.
    public var id: ScanID
    /// Where the scan is in its life.
    public var status: ScanStatus
    /// What kind of scan this is.
    public var kind: ScanKind
    /// The profile it ran with (`quick`, `normal`, `intensive`, a custom one, or `imported`).
    public var profile: String
    /// The targets as given (addresses, CIDR blocks, ranges, names).
    public var targets: [String]
    /// When the scan was asked for.
    public var createdAt: Date
    /// When nmap started.
    public var startedAt: Date?
    /// When the scan ended, however it ended.
    public var finishedAt: Date?
    /// The nmap version that ran.
    public var nmapVersion: String?
    /// The nmap command line.
    public var nmapArguments: String?
    /// Hosts found up.
    public var hostsUp: Int
    /// Hosts found down.
    public var hostsDown: Int
    /// Devices recorded by the scan.
    public var devicesFound: Int
    /// Open ports over all devices.
    public var openPorts: Int
    /// Why the scan failed or is incomplete.
    public var errorMessage: String?
    /// What the scan looked at: its addresses, ports and probes (known once it is recorded).
    public var coverage: ScanCoverage?

    /// Creates a scan record.
    public init(
        id: ScanID, status: ScanStatus, kind: ScanKind, profile: String, targets: [String], createdAt: Date, startedAt: Date? = nil,
        finishedAt: Date? = nil, nmapVersion: String? = nil, nmapArguments: String? = nil, hostsUp: Int = 0, hostsDown: Int = 0,
        devicesFound: Int = 0, openPorts: Int = 0, errorMessage: String? = nil, coverage: ScanCoverage? = nil
    ) {
        self.id = id
        self.status = status
        self.kind = kind
        self.profile = profile
        self.targets = targets
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.nmapVersion = nmapVersion
        self.nmapArguments = nmapArguments
        self.hostsUp = hostsUp
        self.hostsDown = hostsDown
        self.devicesFound = devicesFound
        self.openPorts = openPorts
        self.errorMessage = errorMessage
        self.coverage = coverage
    }

    /// How long the scan ran, when it has started and ended.
    public var duration: Double? {
        guard let startedAt, let finishedAt else { return nil }
        return finishedAt.timeIntervalSince(startedAt)
    }
}

/// Where a scan is in its life.
public enum ScanStatus: String, Sendable, Codable, Hashable, CaseIterable {
    /// Asked for, not started.
    case queued
    /// nmap is running.
    case running
    /// Finished and recorded.
    case completed
    /// Ended with an error (``ScanRecord/errorMessage`` says which).
    case failed
    /// Stopped on request.
    case cancelled
    /// The process stopped while the scan ran (found so when the store was next opened).
    case interrupted

    /// True for the states a scan never leaves.
    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        case .completed, .failed, .cancelled, .interrupted: true
        }
    }
}

/// What a scan covers, which decides whether it can be a baseline for change detection.
public enum ScanKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// The configured networks: a baseline for network-wide change detection.
    case network
    /// One device: never a network-wide baseline.
    case device
    /// A recorded nmap XML file brought in by hand.
    case imported
}

/// What is needed to start recording a scan.
public struct NewScan: Sendable, Codable, Hashable {
    /// What kind of scan this is.
    public var kind: ScanKind
    /// The profile name.
    public var profile: String
    /// The targets as given.
    public var targets: [String]
    /// The state it starts in, normally ``ScanStatus/queued`` or ``ScanStatus/running``.
    public var status: ScanStatus
    /// When it was asked for.
    public var createdAt: Date

    /// Describes a new scan.
    public init(kind: ScanKind, profile: String, targets: [String], status: ScanStatus = .queued, createdAt: Date = Date()) {
        self.kind = kind
        self.profile = profile
        self.targets = targets
        self.status = status
        self.createdAt = createdAt
    }
}
