//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A device Argus knows, with an identity that lasts across scans and IP changes.
///
/// Scan data (address, names, OS, ports) follow the latest observation; the owner's fields
/// (label, notes, trusted, zone) are kept across every scan.
public struct Device: Sendable, Codable, Hashable, Identifiable {
    /// The store's id for the device.
    public var id: DeviceID
    /// The MAC address in upper-case colon form, when the device was seen on the scanner's segment.
    public var mac: String?
    /// The IP address it had when last seen.
    public var ip: String
    /// Its host name when last seen.
    public var hostname: String?
    /// The vendor (from the MAC prefix).
    public var vendor: String?
    /// The device type (`router`, `printer`, …; `unknown` until classified).
    public var deviceType: DeviceType
    /// The best OS match when last detected.
    public var osName: String?
    /// nmap's accuracy for ``osName``.
    public var osAccuracy: Int?
    /// When the device was first seen.
    public var firstSeen: Date
    /// When the device was last seen up.
    public var lastSeen: Date
    /// How many scans saw it up.
    public var timesSeen: Int
    /// The last scan that saw it up.
    public var lastScanID: ScanID?
    /// True when the latest network scan saw it up.
    public var isOnline: Bool
    /// The current risk level.
    public var riskLevel: RiskLevel
    /// The current risk score, 0–100.
    public var riskScore: Int
    /// The owner's name for it.
    public var label: String?
    /// The owner's notes.
    public var notes: String?
    /// True when the owner marked it trusted.
    public var isTrusted: Bool
    /// The owner's zone for it (`iot`, `guests`, …).
    public var zone: String?

    /// Creates a device record.
    public init(
        id: DeviceID, mac: String? = nil, ip: String, hostname: String? = nil, vendor: String? = nil, deviceType: DeviceType = .unknown,
        osName: String? = nil, osAccuracy: Int? = nil, firstSeen: Date, lastSeen: Date, timesSeen: Int = 1, lastScanID: ScanID? = nil,
        isOnline: Bool = true, riskLevel: RiskLevel = .none, riskScore: Int = 0, label: String? = nil, notes: String? = nil, isTrusted: Bool = false,
        zone: String? = nil
    ) {
        self.id = id
        self.mac = mac
        self.ip = ip
        self.hostname = hostname
        self.vendor = vendor
        self.deviceType = deviceType
        self.osName = osName
        self.osAccuracy = osAccuracy
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.timesSeen = timesSeen
        self.lastScanID = lastScanID
        self.isOnline = isOnline
        self.riskLevel = riskLevel
        self.riskScore = riskScore
        self.label = label
        self.notes = notes
        self.isTrusted = isTrusted
        self.zone = zone
    }
}

extension Device {
    /// True when the device's MAC is locally administered: most often a phone's or laptop's
    /// randomised "private" address, which may change while the device stays the same.
    public var hasRandomizedMAC: Bool { mac.map { Addresses.isLocallyAdministered(mac: $0) } ?? false }
}

/// How much risk a device or finding carries.
public enum RiskLevel: String, Sendable, Codable, Hashable, CaseIterable, Comparable {
    /// Nothing found.
    case none
    /// Worth knowing.
    case low
    /// Worth fixing.
    case medium
    /// Fix soon.
    case high
    /// Fix now.
    case critical

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    /// Orders from ``none`` to ``critical``.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// The owner's edits to a device. A `nil` field is left as it is; to clear a text, set it to "".
public struct DeviceEdit: Sendable, Codable, Hashable {
    /// A new label.
    public var label: String?
    /// New notes.
    public var notes: String?
    /// A new trusted flag.
    public var isTrusted: Bool?
    /// A new zone.
    public var zone: String?

    /// Describes an edit.
    public init(label: String? = nil, notes: String? = nil, isTrusted: Bool? = nil, zone: String? = nil) {
        self.label = label
        self.notes = notes
        self.isTrusted = isTrusted
        self.zone = zone
    }
}
