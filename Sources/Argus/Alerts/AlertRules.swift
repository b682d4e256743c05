//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Which changes become alerts: the kinds wanted, a minimum severity, the risk level worth
/// waking someone for, and filters by zone, trust and device type. Pure: changes in, alerts out.
public struct AlertRules: Sendable, Hashable, Codable {
    /// The kinds that alert (all but ``AlertKind/test`` and ``AlertKind/digest`` by default).
    public var kinds: Set<AlertKind>
    /// Changes below this severity never alert.
    public var minimumSeverity: Severity
    /// A risk change alerts only when the new level is at least this.
    public var riskThreshold: RiskLevel
    /// Only devices in these zones (empty: every zone).
    public var zones: Set<String>
    /// Leave out devices the owner marked trusted.
    public var skipTrusted: Bool
    /// Only these device types (empty: every type).
    public var deviceTypes: Set<DeviceType>
    /// How long a device may be unseen before its offline alert goes out.
    public var offlineGrace: OfflineGrace
    /// Whether the first scan of a network (no known device at the addresses it covered) sends
    /// one ``AlertKind/baselineRecorded`` summary instead of an alert per device and port. Its
    /// changes are recorded either way.
    public var summarizesFirstScan: Bool

    /// Creates rules.
    public init(
        kinds: Set<AlertKind> = Set(AlertKind.allCases).subtracting([.test, .digest]), minimumSeverity: Severity = .info,
        riskThreshold: RiskLevel = .high, zones: Set<String> = [], skipTrusted: Bool = false, deviceTypes: Set<DeviceType> = [],
        offlineGrace: OfflineGrace = OfflineGrace(), summarizesFirstScan: Bool = true
    ) {
        self.kinds = kinds
        self.minimumSeverity = minimumSeverity
        self.riskThreshold = riskThreshold
        self.zones = zones
        self.skipTrusted = skipTrusted
        self.deviceTypes = deviceTypes
        self.offlineGrace = offlineGrace
        self.summarizesFirstScan = summarizesFirstScan
    }

    /// The alerts for a scan's changes.
    /// - Parameters:
    ///   - changes: What the scan noticed, in order.
    ///   - scanID: The scan (part of each alert's id).
    ///   - devices: What is known of the devices the changes name (for filters and names).
    ///   - date: When the alerts are made (their creation time).
    public func alerts(for changes: [NewChange], scanID: ScanID, devices: (DeviceReference?) -> Device?, at date: Date = Date()) -> [Alert] {
        var alerts: [Alert] = []
        for (index, change) in changes.enumerated() {
            guard var kind = AlertKind(change: change.kind) else { continue }
            if kind == .riskChanged {
                let new = change.newValue.flatMap(RiskLevel.init) ?? .none
                let old = change.oldValue.flatMap(RiskLevel.init) ?? .none
                if new >= riskThreshold && new > old {
                    kind = .riskChanged
                } else if new < riskThreshold && old >= riskThreshold {
                    // A fall below the threshold clears what a rise raised, whatever its severity.
                    guard kinds.contains(.riskCleared) else { continue }
                    kind = .riskCleared
                } else {
                    continue
                }
            }
            guard kinds.contains(kind), kind == .riskCleared || change.severity >= minimumSeverity else { continue }
            let device = devices(change.device)
            if let device {
                if skipTrusted && device.isTrusted { continue }
                if !zones.isEmpty && !zones.contains(device.zone ?? "") { continue }
                if !deviceTypes.isEmpty && !deviceTypes.contains(device.deviceType) { continue }
            } else if !zones.isEmpty || !deviceTypes.isEmpty {
                continue
            }
            let name = device.map { ($0.label?.isEmpty == false ? $0.label : nil) ?? $0.hostname ?? $0.ip }
            // An offline alert waits until the device has been unseen for its grace period.
            let notBefore =
                kind == .deviceRemoved
                ? device.map { $0.lastSeen.addingTimeInterval(offlineGrace.period(for: $0)) }.flatMap { $0 > date ? $0 : nil } : nil
            alerts.append(
                Alert(
                    id: Self.alertID(scan: scanID, change: index), kind: kind, severity: change.severity, title: kind.title,
                    message: change.description,
                    device: AlertDevice(id: device?.id.rawValue, ip: change.ip ?? device?.ip, mac: change.mac ?? device?.mac, name: name),
                    scanID: scanID.rawValue, createdAt: date, oldValue: change.oldValue, newValue: change.newValue, notBefore: notBefore))
        }
        return alerts
    }

    /// The id (idempotency key) of the alert for a scan's change: its position among the
    /// changes the scan recorded, in order.
    public static func alertID(scan: ScanID, change index: Int) -> String {
        "scan-\(scan.rawValue)-change-\(index)"
    }

    /// The ids of the alerts that stored changes gave (or would have given).
    /// - Parameters:
    ///   - changes: The changes whose alerts are wanted.
    ///   - store: Where each scan's changes are, to find every change's position.
    public static func alertIDs(for changes: [ChangeRecord], in store: any DeviceStore) async throws -> [String] {
        var ids: [String] = []
        for scan in Set(changes.map(\.scanID)) {
            let wanted = Set(changes.filter { $0.scanID == scan }.map(\.id))
            let recorded = try await store.changes(ChangeQuery(scanID: scan, limit: Int.max)).items.sorted { $0.id.rawValue < $1.id.rawValue }
            for (index, change) in recorded.enumerated() where wanted.contains(change.id) { ids.append(alertID(scan: scan, change: index)) }
        }
        return ids
    }

    /// The outbox messages for alerts: one per alert and sink, keyed so a repeat is dropped.
    public static func outbox(for alerts: [Alert], sinks: [String]) throws -> [NewOutboxMessage] {
        var messages: [NewOutboxMessage] = []
        for alert in alerts {
            let payload = try alert.json()
            for sink in sinks {
                messages.append(
                    NewOutboxMessage(sink: sink, idempotencyKey: alert.id, payload: payload, subject: alert.subject, notBefore: alert.notBefore))
            }
        }
        return messages
    }
}
