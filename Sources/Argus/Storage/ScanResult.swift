//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Everything one scan produced, written by ``DeviceStore/record(_:)`` in one transaction:
/// the scan's outcome, what it saw of each device, the changes it noticed and the alerts they
/// caused. Either all of it is stored or none of it.
public struct ScanResult: Sendable, Hashable {
    /// The scan, created earlier with ``DeviceStore/createScan(_:)``.
    public var scanID: ScanID
    /// How it ended: ``ScanStatus/completed``, ``ScanStatus/failed`` or ``ScanStatus/cancelled``
    /// (what was seen before a failure or cancel is still recorded).
    public var status: ScanStatus
    /// When nmap started.
    public var startedAt: Date?
    /// When the scan ended.
    public var finishedAt: Date
    /// The nmap version.
    public var nmapVersion: String?
    /// The nmap command line.
    public var nmapArguments: String?
    /// Hosts found up.
    public var hostsUp: Int
    /// Hosts found down.
    public var hostsDown: Int
    /// Why the scan failed or is incomplete.
    public var errorMessage: String?
    /// What the scan saw of each device.
    public var devices: [DeviceUpdate]
    /// Known devices this scan covered and did not see up: marked offline.
    public var devicesNowOffline: [DeviceID]
    /// The changes the scan noticed.
    public var changes: [NewChange]
    /// Alerts to queue for delivery.
    public var outbox: [NewOutboxMessage]
    /// What the scan looked at, when known.
    public var coverage: ScanCoverage?

    /// Describes a scan's result.
    public init(
        scanID: ScanID, status: ScanStatus = .completed, startedAt: Date? = nil, finishedAt: Date = Date(), nmapVersion: String? = nil,
        nmapArguments: String? = nil, hostsUp: Int = 0, hostsDown: Int = 0, errorMessage: String? = nil, devices: [DeviceUpdate] = [],
        devicesNowOffline: [DeviceID] = [], changes: [NewChange] = [], outbox: [NewOutboxMessage] = [], coverage: ScanCoverage? = nil
    ) {
        self.scanID = scanID
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.nmapVersion = nmapVersion
        self.nmapArguments = nmapArguments
        self.hostsUp = hostsUp
        self.hostsDown = hostsDown
        self.errorMessage = errorMessage
        self.devices = devices
        self.devicesNowOffline = devicesNowOffline
        self.changes = changes
        self.outbox = outbox
        self.coverage = coverage
    }
}

/// What a scan saw of one device, and which device it is.
public struct DeviceUpdate: Sendable, Codable, Hashable {
    /// The known device this is, or `nil` for a device never seen before.
    public var deviceID: DeviceID?
    /// The IP address seen.
    public var ip: String
    /// The MAC address seen, upper-case with colons.
    public var mac: String?
    /// The host name seen.
    public var hostname: String?
    /// The vendor.
    public var vendor: String?
    /// The device type.
    public var deviceType: DeviceType
    /// The best OS match.
    public var osName: String?
    /// nmap's accuracy for ``osName``.
    public var osAccuracy: Int?
    /// The ports seen.
    public var ports: [ObservedPort]
    /// The assessed risk level.
    public var riskLevel: RiskLevel
    /// The assessed risk score, 0–100.
    public var riskScore: Int
    /// The full threat assessment (the store keeps it as it likes: JSON for SQLite).
    public var assessment: ThreatAssessment?
    /// When the scan saw the device, when nmap says (a host's own end time); `nil` means the
    /// time the scan is recorded at. A store never lets an older sighting overwrite a device's
    /// newer facts: it keeps the observation in the device's history only.
    public var seenAt: Date?

    /// Describes what a scan saw of a device.
    public init(
        deviceID: DeviceID? = nil, ip: String, mac: String? = nil, hostname: String? = nil, vendor: String? = nil, deviceType: DeviceType = .unknown,
        osName: String? = nil, osAccuracy: Int? = nil, ports: [ObservedPort] = [], riskLevel: RiskLevel = .none, riskScore: Int = 0,
        assessment: ThreatAssessment? = nil, seenAt: Date? = nil
    ) {
        self.deviceID = deviceID
        self.ip = ip
        self.mac = mac
        self.hostname = hostname
        self.vendor = vendor
        self.deviceType = deviceType
        self.osName = osName
        self.osAccuracy = osAccuracy
        self.ports = ports
        self.riskLevel = riskLevel
        self.riskScore = riskScore
        self.assessment = assessment
        self.seenAt = seenAt
    }
}

/// A change to store with a scan's result.
public struct NewChange: Sendable, Codable, Hashable {
    /// The device concerned: a known device, or one of the result's ``ScanResult/devices`` by index.
    public var device: DeviceReference?
    /// What changed.
    public var kind: ChangeKind
    /// How much it matters.
    public var severity: Severity
    /// The device's IP address.
    public var ip: String?
    /// The device's MAC address.
    public var mac: String?
    /// The port concerned.
    public var port: Int?
    /// The port's protocol.
    public var `protocol`: TransportProtocol?
    /// The value before.
    public var oldValue: String?
    /// The value after.
    public var newValue: String?
    /// One sentence for people.
    public var description: String

    /// Describes a change.
    public init(
        device: DeviceReference? = nil, kind: ChangeKind, severity: Severity = .info, ip: String? = nil, mac: String? = nil, port: Int? = nil,
        protocol: TransportProtocol? = nil, oldValue: String? = nil, newValue: String? = nil, description: String
    ) {
        self.device = device
        self.kind = kind
        self.severity = severity
        self.ip = ip
        self.mac = mac
        self.port = port
        self.protocol = `protocol`
        self.oldValue = oldValue
        self.newValue = newValue
        self.description = description
    }
}

/// Which device a change is about, before new devices have ids.
public enum DeviceReference: Sendable, Codable, Hashable {
    /// A device the store already knows.
    case known(DeviceID)
    /// The device of ``ScanResult/devices`` at this index.
    case update(Int)
}

/// What ``DeviceStore/record(_:)`` stored.
public struct RecordedScan: Sendable, Hashable {
    /// The scan, now final.
    public var scan: ScanRecord
    /// The device id of each of ``ScanResult/devices``, in order.
    public var deviceIDs: [DeviceID]
    /// How many devices were new.
    public var newDevices: Int
    /// The ids of the stored changes, in order.
    public var changeIDs: [ChangeID]

    /// Describes what was stored.
    public init(scan: ScanRecord, deviceIDs: [DeviceID], newDevices: Int, changeIDs: [ChangeID]) {
        self.scan = scan
        self.deviceIDs = deviceIDs
        self.newDevices = newDevices
        self.changeIDs = changeIDs
    }
}

extension DeviceObservation {
    /// What a scan saw of a device, as its history keeps it.
    public init(_ update: DeviceUpdate, scanID: ScanID, deviceID: DeviceID, observedAt: Date) {
        self.init(
            scanID: scanID, deviceID: deviceID, observedAt: observedAt, ip: update.ip, mac: update.mac, hostname: update.hostname,
            vendor: update.vendor, osName: update.osName, osAccuracy: update.osAccuracy, ports: update.ports, riskLevel: update.riskLevel,
            riskScore: update.riskScore)
    }
}
