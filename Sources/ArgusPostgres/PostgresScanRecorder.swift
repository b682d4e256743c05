//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Gathers a scan's devices, observations, ports, changes and alerts into batches that
/// ``PostgresStore/record(_:at:_:)`` writes with `COPY` while the producer goes on.
///
/// It runs on the producer's thread only: ids of new devices and changes come from
/// reservations the writer takes from the sequences, so each `add` returns at once. Known device
/// ids are checked against the set read when the scan's transaction began (devices are never
/// deleted), so an unknown one throws at the call that names it, as in every store.
final class PostgresScanRecorder: ScanRecorder, @unchecked Sendable {
    // @unchecked: used by the producer's thread alone while it runs, and read by the writer only
    // after the producer finished (the pipe's last item orders the two).

    /// The `devices` columns a new device's row fills, in order.
    static let deviceColumns = [
        "id", "ip", "ip_key", "mac", "hostname", "vendor", "device_type", "os_name", "os_accuracy", "first_seen", "last_seen", "last_scan_id",
        "risk_level", "risk_score", "open_ports", "assessment",
    ]
    /// The columns of a known device's update (a temporary table), in order.
    static let updateColumns = [
        "id", "ip", "ip_key", "mac", "hostname", "vendor", "device_type", "os_name", "os_accuracy", "seen", "risk_level", "risk_score",
        "open_ports", "assessment",
    ]
    /// The `observations` columns, in order.
    static let observationColumns = [
        "scan_id", "device_id", "observed_at", "state", "ip", "mac", "hostname", "vendor", "os_name", "os_accuracy", "risk_level", "risk_score",
    ]
    /// The `ports` columns, in order.
    static let portColumns = [
        "scan_id", "device_id", "protocol", "number", "state", "service_name", "product", "version", "extra_info", "tunnel", "cpes", "confirmed_at",
    ]
    /// The `changes` columns, in order.
    static let changeColumns = [
        "id", "scan_id", "device_id", "kind", "severity", "severity_rank", "ip", "mac", "port", "protocol", "old_value", "new_value", "description",
        "detected_at",
    ]
    /// The columns of a queued alert (a temporary table), in order.
    static let outboxColumns = ["sink", "idempotency_key", "payload", "created_at", "next_attempt_at", "subject"]

    /// A batch goes to the writer once it holds this many bytes.
    static let batchBytes = 1 << 20

    private let pipe: RecordingPipe
    private let scan: Int64
    private let date: Date
    /// Devices that existed when the transaction began, and those added since.
    private var known: Set<Int64>
    private var assessments = AssessmentJSON()
    private var batch = RecordingBatch()
    private var reservedDevices: [Int64] = []
    private var reservedChanges: [Int64] = []
    /// How many ids the next reservation asks for: doubles each time, up to 16,384.
    private var nextDeviceReservation = 256
    private var nextChangeReservation = 256
    private(set) var ids: [DeviceID] = []
    private(set) var newDevices = 0
    private(set) var openPorts = 0
    private(set) var changeIDs: [ChangeID] = []

    init(pipe: RecordingPipe, scanID: ScanID, date: Date, knownDevices: Set<Int64>) {
        self.pipe = pipe
        self.scan = scanID.rawValue
        self.date = date
        self.known = knownDevices
    }

    func add(_ update: DeviceUpdate) throws -> DeviceID {
        // A device after offline marks starts a new batch: the batch writes marks after devices.
        if !batch.offline.isEmpty { try flush() }
        let open = update.ports.count { $0.state == .open }
        openPorts += update.ports.count { $0.state == .open && $0.confirmedAt == nil }
        let seen = update.seenAt ?? date
        let assessment = try update.assessment.map { try assessments.text(of: $0) }
        let id: Int64
        if let existing = update.deviceID {
            guard known.contains(existing.rawValue) else { throw StoreError.notFound("device \(existing)") }
            id = existing.rawValue
            var rows = batch.deviceUpdates
            rows.field(id)
            write(update, into: &rows)
            rows.field(seen)
            write(update, openPorts: open, assessment: assessment, into: &rows)
            batch.deviceUpdates = rows
        } else {
            if reservedDevices.isEmpty { try reserve(devices: true) }
            id = reservedDevices.removeLast()
            known.insert(id)
            newDevices += 1
            var rows = batch.newDevices
            rows.field(id)
            write(update, into: &rows)
            rows.field(seen)
            rows.field(seen)
            rows.field(scan)
            write(update, openPorts: open, assessment: assessment, into: &rows)
            batch.newDevices = rows
        }
        ids.append(DeviceID(id))

        batch.observations.field(scan)
        batch.observations.field(id)
        batch.observations.field(seen)
        batch.observations.field("up")
        batch.observations.field(update.ip)
        batch.observations.field(update.mac)
        batch.observations.field(update.hostname)
        batch.observations.field(update.vendor)
        batch.observations.field(update.osName)
        batch.observations.field(update.osAccuracy)
        batch.observations.field(update.riskLevel.rawValue)
        batch.observations.field(update.riskScore)
        batch.observations.endRow()

        // A port listed twice keeps its last entry, as a replacing insert would.
        var written: Set<ObservedPortKey> = []
        for port in update.ports.reversed() {
            guard written.insert(ObservedPortKey(port)).inserted else { continue }
            batch.ports.field(scan)
            batch.ports.field(id)
            batch.ports.field(port.protocol.rawValue)
            batch.ports.field(port.number)
            batch.ports.field(port.state.rawValue)
            batch.ports.field(port.serviceName)
            batch.ports.field(port.product)
            batch.ports.field(port.version)
            batch.ports.field(port.extraInfo)
            batch.ports.field(port.tunnel)
            batch.ports.field(array: port.cpes.isEmpty ? nil : port.cpes)
            batch.ports.field(port.confirmedAt)
            batch.ports.endRow()
        }
        if batch.size >= Self.batchBytes { try flush() }
        return DeviceID(id)
    }

    /// The fields a new device's row and a known device's update share, from `ip` to
    /// `os_accuracy`.
    private func write(_ update: DeviceUpdate, into rows: inout CopyRows) {
        rows.field(update.ip)
        rows.field(bytes: Addresses.sortKey(ip: update.ip))
        rows.field(update.mac)
        rows.field(update.hostname)
        rows.field(update.vendor)
        rows.field(update.deviceType.rawValue)
        rows.field(update.osName)
        rows.field(update.osAccuracy)
    }

    /// The fields that end both a new device's row and a known device's update, from
    /// `risk_level` on, and the row's end.
    private func write(_ update: DeviceUpdate, openPorts: Int, assessment: String?, into rows: inout CopyRows) {
        rows.field(update.riskLevel.rawValue)
        rows.field(update.riskScore)
        rows.field(openPorts)
        rows.field(assessment)
        rows.endRow()
    }

    func markOffline(_ devices: [DeviceID]) throws {
        for device in devices {
            guard known.contains(device.rawValue) else { throw StoreError.notFound("device \(device)") }
            batch.offline.append(device.rawValue)
        }
    }

    func add(_ change: NewChange) throws -> ChangeID {
        let device = try change.device?.resolve(added: ids) { known.contains($0.rawValue) }
        if reservedChanges.isEmpty { try reserve(devices: false) }
        let id = reservedChanges.removeLast()
        batch.changes.field(id)
        batch.changes.field(scan)
        batch.changes.field(device.map { Int($0.rawValue) })
        batch.changes.field(change.kind.rawValue)
        batch.changes.field(change.severity.rawValue)
        batch.changes.field(Severity.allCases.firstIndex(of: change.severity)!)
        batch.changes.field(change.ip)
        batch.changes.field(change.mac)
        batch.changes.field(change.port)
        batch.changes.field(change.protocol?.rawValue)
        batch.changes.field(change.oldValue)
        batch.changes.field(change.newValue)
        batch.changes.field(change.description)
        batch.changes.field(date)
        batch.changes.endRow()
        changeIDs.append(ChangeID(id))
        if batch.size >= Self.batchBytes { try flush() }
        return ChangeID(id)
    }

    func enqueue(_ messages: [NewOutboxMessage]) throws {
        for message in messages {
            batch.outbox.field(message.sink)
            batch.outbox.field(message.idempotencyKey)
            batch.outbox.field(message.payload)
            batch.outbox.field(date)
            batch.outbox.field(max(date, message.notBefore ?? date))
            batch.outbox.field(message.subject)
            batch.outbox.endRow()
        }
        if batch.size >= Self.batchBytes { try flush() }
    }

    /// Sends what was gathered to the writer.
    func flush() throws {
        guard !batch.isEmpty else { return }
        let full = batch
        batch = RecordingBatch()
        try pipe.send(full)
    }

    /// Takes more ids for new devices (or changes) from the writer; ids come back in ascending
    /// order and are handed out from the lowest.
    private func reserve(devices: Bool) throws {
        let count = devices ? nextDeviceReservation : nextChangeReservation
        let reservation = try pipe.reserve(devices: devices ? count : 0, changes: devices ? 0 : count)
        let ids = devices ? reservation.devices : reservation.changes
        guard !ids.isEmpty else { throw StoreError(.storage, "PostgreSQL gave no ids for new \(devices ? "devices" : "changes")") }
        if devices {
            reservedDevices = ids.sorted(by: >)
            nextDeviceReservation = min(nextDeviceReservation * 2, 16_384)
        } else {
            reservedChanges = ids.sorted(by: >)
            nextChangeReservation = min(nextChangeReservation * 2, 16_384)
        }
    }
}

/// A port's protocol and number: what makes it one row of a scan's ports.
private struct ObservedPortKey: Hashable {
    let `protocol`: TransportProtocol
    let number: Int

    init(_ port: ObservedPort) {
        self.protocol = port.protocol
        self.number = port.number
    }
}
