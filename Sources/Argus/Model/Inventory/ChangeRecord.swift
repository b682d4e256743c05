//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A change Argus noticed between two scans, as stored.
public struct ChangeRecord: Sendable, Codable, Hashable, Identifiable {
    /// The store's id for the change.
    public var id: ChangeID
    /// The scan that noticed it.
    public var scanID: ScanID
    /// The device it concerns, if any.
    public var deviceID: DeviceID?
    /// What changed.
    public var kind: ChangeKind
    /// How much it matters.
    public var severity: Severity
    /// The device's IP address.
    public var ip: String?
    /// The device's MAC address.
    public var mac: String?
    /// The port concerned, if any.
    public var port: Int?
    /// The port's protocol.
    public var `protocol`: TransportProtocol?
    /// The value before.
    public var oldValue: String?
    /// The value after.
    public var newValue: String?
    /// One sentence for people.
    public var description: String
    /// When it was noticed.
    public var detectedAt: Date
    /// True once someone acknowledged it.
    public var acknowledged: Bool

    /// Creates a change record.
    public init(
        id: ChangeID, scanID: ScanID, deviceID: DeviceID? = nil, kind: ChangeKind, severity: Severity, ip: String? = nil, mac: String? = nil,
        port: Int? = nil, protocol: TransportProtocol? = nil, oldValue: String? = nil, newValue: String? = nil, description: String, detectedAt: Date,
        acknowledged: Bool = false
    ) {
        self.id = id
        self.scanID = scanID
        self.deviceID = deviceID
        self.kind = kind
        self.severity = severity
        self.ip = ip
        self.mac = mac
        self.port = port
        self.protocol = `protocol`
        self.oldValue = oldValue
        self.newValue = newValue
        self.description = description
        self.detectedAt = detectedAt
        self.acknowledged = acknowledged
    }
}

/// How much a change matters.
public enum Severity: String, Sendable, Codable, Hashable, CaseIterable, Comparable {
    /// For the record.
    case info
    /// Worth a look.
    case warning
    /// Look now.
    case critical

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    /// Orders from ``info`` to ``critical``.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
