//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import ArgusAccounts
public import Foundation
public import Hummingbird

// The API's shapes. Field names are the original Argus's (encoded snake_case: `ipAddress` is
// `ip_address`), so its clients keep working; new fields are only ever added.

/// A device in lists.
public struct DeviceResource: ResponseEncodable, Decodable, Sendable {
    public var id: Int64
    public var ipAddress: String
    public var macAddress: String?
    public var randomizedMac: Bool
    public var hostname: String?
    public var vendor: String?
    public var deviceType: String
    public var deviceTypeLabel: String
    public var osName: String?
    public var osAccuracy: Int?
    public var firstSeen: Date
    public var lastSeen: Date
    public var timesSeen: Int
    public var lastScanId: Int64?
    public var isOnline: Bool
    public var riskLevel: String
    public var riskScore: Int
    public var label: String?
    public var notes: String?
    public var isTrusted: Bool
    public var zone: String?
    public var openPorts: Int?

    /// The resource of a device.
    public init(_ device: Device, openPorts: Int? = nil) {
        id = device.id.rawValue
        ipAddress = device.ip
        macAddress = device.mac
        randomizedMac = device.hasRandomizedMAC
        hostname = device.hostname
        vendor = device.vendor
        deviceType = device.deviceType.rawValue
        deviceTypeLabel = device.deviceType.label
        osName = device.osName
        osAccuracy = device.osAccuracy
        firstSeen = device.firstSeen
        lastSeen = device.lastSeen
        timesSeen = device.timesSeen
        lastScanId = device.lastScanID?.rawValue
        isOnline = device.isOnline
        riskLevel = device.riskLevel.rawValue
        riskScore = device.riskScore
        label = device.label
        notes = device.notes
        isTrusted = device.isTrusted
        zone = device.zone
        self.openPorts = openPorts
    }
}

/// A port as the original's `/api/devices/{id}/ports` gives it, with more service detail.
public struct PortResource: ResponseEncodable, Decodable, Sendable {
    public var portNumber: Int
    public var `protocol`: String
    public var state: String
    public var serviceName: String?
    public var serviceProduct: String?
    public var serviceVersion: String?
    public var extraInfo: String?
    public var cpes: [String]

    /// The resource of an observed port.
    public init(_ port: ObservedPort) {
        portNumber = port.number
        `protocol` = port.protocol.rawValue
        state = port.state.rawValue
        serviceName = port.serviceName
        serviceProduct = port.product
        serviceVersion = port.version
        extraInfo = port.extraInfo
        cpes = port.cpes
    }
}

/// One scan's view of a device, for its history.
public struct ObservationResource: Encodable, Sendable {
    public var scanId: Int64
    public var observedAt: Date
    public var ipAddress: String
    public var hostname: String?
    public var openPorts: [Int]
    public var riskLevel: String
    public var riskScore: Int
}

/// A device with its ports, threats, CVEs and history.
public struct DeviceDetailResource: ResponseEncodable, Sendable {
    public var device: DeviceResource
    public var ports: [PortResource]
    public var threatSummary: String?
    public var topRecommendation: String?
    public var scoreInputs: [ScoreInput]
    public var threats: [ThreatFinding]
    public var cves: [VulnerabilityMatch]
    public var history: [ObservationResource]
}

/// A scan, as the original's `Scan` plus what it lacked (type, error, counts).
public struct ScanResource: ResponseEncodable, Decodable, Sendable {
    public var id: Int64
    public var status: String
    public var scanType: String
    public var scanProfile: String
    public var subnet: String
    public var targets: [String]
    public var createdAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    public var durationSeconds: Double?
    public var devicesFound: Int
    public var hostsUp: Int
    public var hostsDown: Int
    public var openPorts: Int
    public var nmapVersion: String?
    public var errorMessage: String?

    /// The resource of a scan.
    public init(_ scan: ScanRecord) {
        id = scan.id.rawValue
        status = scan.status.rawValue
        scanType = scan.kind.rawValue
        scanProfile = scan.profile
        subnet = scan.targets.joined(separator: ", ")
        targets = scan.targets
        createdAt = scan.createdAt
        startedAt = scan.startedAt ?? scan.createdAt
        completedAt = scan.finishedAt
        durationSeconds = scan.duration
        devicesFound = scan.devicesFound
        hostsUp = scan.hostsUp
        hostsDown = scan.hostsDown
        openPorts = scan.openPorts
        nmapVersion = scan.nmapVersion
        errorMessage = scan.errorMessage
    }
}

/// A change, as the original's plus old and new values and acknowledgement.
public struct ChangeResource: ResponseEncodable, Decodable, Sendable {
    public var id: Int64
    public var scanId: Int64
    public var deviceId: Int64?
    public var changeType: String
    public var severity: String
    public var deviceIp: String?
    public var deviceMac: String?
    public var portNumber: Int?
    public var `protocol`: String?
    public var oldValue: String?
    public var newValue: String?
    public var description: String
    public var detectedAt: Date
    public var acknowledged: Bool

    /// The resource of a change.
    public init(_ change: ChangeRecord) {
        id = change.id.rawValue
        scanId = change.scanID.rawValue
        deviceId = change.deviceID?.rawValue
        changeType = change.kind.rawValue
        severity = change.severity.rawValue
        deviceIp = change.ip
        deviceMac = change.mac
        portNumber = change.port
        `protocol` = change.protocol?.rawValue
        oldValue = change.oldValue
        newValue = change.newValue
        description = change.description
        detectedAt = change.detectedAt
        acknowledged = change.acknowledged
    }
}

/// A page of items with its total.
public struct PageResource<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public var items: [Item]
    public var total: Int
    public var limit: Int
    public var offset: Int
}
