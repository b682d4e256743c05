//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Device totals for dashboards and metrics.
public struct DeviceCounts: Sendable, Hashable, Codable {
    /// Every device.
    public var total: Int
    /// Those the latest network scan saw up.
    public var online: Int
    /// By current risk level (every level present, 0 when none).
    public var byRisk: [RiskLevel: Int]

    /// Creates counts.
    public init(total: Int, online: Int, byRisk: [RiskLevel: Int]) {
        self.total = total
        self.online = online
        self.byRisk = Dictionary(uniqueKeysWithValues: RiskLevel.allCases.map { ($0, byRisk[$0] ?? 0) })
    }
}

/// One page of a longer list, with the length of the whole list.
public struct Page<Item: Sendable & Hashable>: Sendable, Hashable {
    /// The items on this page.
    public var items: [Item]
    /// How many items the whole list has.
    public var total: Int

    /// Creates a page.
    public init(items: [Item], total: Int) {
        self.items = items
        self.total = total
    }
}

/// Which scans to list: newest first.
public struct ScanQuery: Sendable, Hashable {
    /// Only scans in this state.
    public var status: ScanStatus?
    /// Only scans of this kind.
    public var kind: ScanKind?
    /// At most this many.
    public var limit: Int
    /// Skipping this many.
    public var offset: Int

    /// Describes a scan listing.
    public init(status: ScanStatus? = nil, kind: ScanKind? = nil, limit: Int = 50, offset: Int = 0) {
        self.status = status
        self.kind = kind
        self.limit = limit
        self.offset = offset
    }
}

/// A device in a listing, with its open-port count.
public struct DeviceListing: Sendable, Hashable, Codable {
    /// The device.
    public var device: Device
    /// Open ports in its latest observation.
    public var openPorts: Int

    /// Creates a listing row.
    public init(device: Device, openPorts: Int) {
        self.device = device
        self.openPorts = openPorts
    }
}

/// Which devices to list, and in which order.
public struct DeviceQuery: Sendable, Hashable {
    /// Only devices a given scan saw.
    public var scanID: ScanID?
    /// Only devices at this risk level.
    public var riskLevel: RiskLevel?
    /// Only trusted (or untrusted) devices.
    public var isTrusted: Bool?
    /// Only devices in this zone.
    public var zone: String?
    /// Only devices of this type.
    public var deviceType: DeviceType?
    /// Only online (or offline) devices.
    public var isOnline: Bool?
    /// Only devices whose IP, MAC, host name, vendor or label contains this text (any case).
    public var search: String?
    /// The order.
    public var sort: DeviceSort
    /// Largest first.
    public var descending: Bool
    /// At most this many.
    public var limit: Int
    /// Skipping this many.
    public var offset: Int

    /// Describes a device listing.
    public init(
        scanID: ScanID? = nil, riskLevel: RiskLevel? = nil, isTrusted: Bool? = nil, zone: String? = nil, deviceType: DeviceType? = nil,
        isOnline: Bool? = nil, search: String? = nil, sort: DeviceSort = .ip, descending: Bool = false, limit: Int = 100, offset: Int = 0
    ) {
        self.scanID = scanID
        self.riskLevel = riskLevel
        self.isTrusted = isTrusted
        self.zone = zone
        self.deviceType = deviceType
        self.isOnline = isOnline
        self.search = search
        self.sort = sort
        self.descending = descending
        self.limit = limit
        self.offset = offset
    }
}

/// Orders of a device listing.
public enum DeviceSort: String, Sendable, Hashable, Codable, CaseIterable {
    /// By IP address, numerically (IPv4 before IPv6).
    case ip
    /// By host name.
    case hostname
    /// By when last seen.
    case lastSeen = "last_seen"
    /// By when first seen.
    case firstSeen = "first_seen"
    /// By risk level, then score within a level (a "critical 35" outranks a "high 50").
    case risk
}

/// Which changes to list: newest first.
public struct ChangeQuery: Sendable, Hashable {
    /// Only changes a given scan noticed.
    public var scanID: ScanID?
    /// Only changes of a given device.
    public var deviceID: DeviceID?
    /// Only changes of this kind.
    public var kind: ChangeKind?
    /// Only changes at least this severe.
    public var minimumSeverity: Severity?
    /// Only acknowledged (or unacknowledged) changes.
    public var acknowledged: Bool?
    /// At most this many.
    public var limit: Int
    /// Skipping this many.
    public var offset: Int

    /// Describes a change listing.
    public init(
        scanID: ScanID? = nil, deviceID: DeviceID? = nil, kind: ChangeKind? = nil, minimumSeverity: Severity? = nil, acknowledged: Bool? = nil,
        limit: Int = 100, offset: Int = 0
    ) {
        self.scanID = scanID
        self.deviceID = deviceID
        self.kind = kind
        self.minimumSeverity = minimumSeverity
        self.acknowledged = acknowledged
        self.limit = limit
        self.offset = offset
    }
}
