//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Something the owner should hear about, as every sink receives it.
///
/// `id` is the idempotency key: the same alert delivered twice (after a crash between sending
/// and recording) carries the same id, so a receiver can drop the repeat.
public struct Alert: Sendable, Codable, Hashable, Identifiable {
    /// The idempotency key, e.g. `scan-12-change-3`.
    public var id: String
    /// What happened.
    public var kind: AlertKind
    /// How urgent it is.
    public var severity: Severity
    /// A short title, e.g. "New device on the network".
    public var title: String
    /// One sentence for people.
    public var message: String
    /// The device, when there is one.
    public var device: AlertDevice?
    /// The scan that noticed it.
    public var scanID: Int64?
    /// When it was noticed.
    public var createdAt: Date
    /// The values before and after, when the alert is about a change.
    public var oldValue: String?
    /// The new value.
    public var newValue: String?
    /// Held until this time: an offline alert waits out the device's grace period, and is
    /// dropped if the device is back by then.
    public var notBefore: Date?

    /// What the alert is about when a later alert can cancel it: a device's presence
    /// (`device-7-presence`) for offline and back-online alerts.
    public var subject: String? {
        guard kind == .deviceRemoved || kind == .deviceBackOnline, let id = device?.id else { return nil }
        return "device-\(id)-presence"
    }

    /// Creates an alert.
    public init(
        id: String, kind: AlertKind, severity: Severity, title: String, message: String, device: AlertDevice? = nil, scanID: Int64? = nil,
        createdAt: Date = Date(), oldValue: String? = nil, newValue: String? = nil, notBefore: Date? = nil
    ) {
        self.id = id
        self.kind = kind
        self.severity = severity
        self.title = title
        self.message = message
        self.device = device
        self.scanID = scanID
        self.createdAt = createdAt
        self.oldValue = oldValue
        self.newValue = newValue
        self.notBefore = notBefore
    }

    /// The alert as JSON (ISO 8601 dates, sorted keys): the outbox payload and the webhook body.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads an alert from its JSON.
    public static func decode(_ json: String) throws -> Alert {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Alert.self, from: Data(json.utf8))
    }
}

/// The device an alert is about.
public struct AlertDevice: Sendable, Codable, Hashable {
    /// The store's id.
    public var id: Int64?
    /// Its IP address.
    public var ip: String?
    /// Its MAC address.
    public var mac: String?
    /// Its label or host name, when known.
    public var name: String?

    /// Describes a device.
    public init(id: Int64? = nil, ip: String? = nil, mac: String? = nil, name: String? = nil) {
        self.id = id
        self.ip = ip
        self.mac = mac
        self.name = name
    }
}

/// What an alert is about. An alert about a change has that change's ``ChangeKind`` (the same
/// raw value), except a risk change that falls below the threshold, which is ``riskCleared``;
/// the other kinds (``scanFailed``, ``baselineRecorded``, …) are about no single change.
public enum AlertKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// A device appeared for the first time.
    case deviceAdded = "device_added"
    /// A device was not seen by a network scan.
    case deviceRemoved = "device_removed"
    /// A device that was offline is back.
    case deviceBackOnline = "device_back_online"
    /// A port opened.
    case portOpened = "port_opened"
    /// A port closed.
    case portClosed = "port_closed"
    /// A service's product or version changed.
    case serviceChanged = "service_changed"
    /// A device's risk changed and is at the threshold or above.
    case riskChanged = "risk_changed"
    /// A device's risk fell below the threshold again (pagers resolve their incident).
    case riskCleared = "risk_cleared"
    /// A known vulnerability now applies.
    case newCVE = "new_cve"
    /// A scan failed.
    case scanFailed = "scan_failed"
    /// The scanner works in a reduced way (unprivileged, nmap missing).
    case scannerDegraded = "scanner_degraded"
    /// The first scan of a network recorded its baseline: one summary instead of an alert per
    /// device and port (``AlertRules/summarizesFirstScan``).
    case baselineRecorded = "baseline_recorded"
    /// Several alerts in one message, for a sink that takes digests.
    case digest
    /// A test sent from the settings.
    case test

    /// The names earlier versions used, still read from stored outbox messages.
    static let formerNames: [String: AlertKind] = ["new_device": .deviceAdded, "device_offline": .deviceRemoved, "risk_raised": .riskChanged]

    /// The kind of a name, also one that earlier versions used (`new_device`, `device_offline`,
    /// `risk_raised`).
    public init?(named name: String) {
        guard let kind = AlertKind(rawValue: name) ?? Self.formerNames[name] else { return nil }
        self = kind
    }

    /// Reads a kind by its name, also a former one (an alert queued by an earlier version).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let kind = AlertKind(named: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(name) is not an alert kind")
        }
        self = kind
    }

    /// The kind for a stored change, if that change can alert.
    public init?(change kind: ChangeKind) {
        switch kind {
        case .ipChanged, .macChanged, .hostnameChanged, .osChanged: return nil
        default: self.init(rawValue: kind.rawValue)
        }
    }

    /// A title for people.
    public var title: String {
        switch self {
        case .deviceAdded: "New device on the network"
        case .deviceRemoved: "Device offline"
        case .deviceBackOnline: "Device back online"
        case .portOpened: "Port opened"
        case .portClosed: "Port closed"
        case .serviceChanged: "Service changed"
        case .riskChanged: "Risk raised"
        case .riskCleared: "Risk cleared"
        case .newCVE: "Known vulnerability"
        case .scanFailed: "Scan failed"
        case .scannerDegraded: "Scanner degraded"
        case .baselineRecorded: "Baseline recorded"
        case .digest: "Argus alert digest"
        case .test: "Argus test alert"
        }
    }
}
