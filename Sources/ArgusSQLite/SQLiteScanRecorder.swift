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

/// Writes a scan's devices, observations, ports, changes and alerts inside the transaction
/// that ``SQLiteDeviceStore/record(_:at:_:)`` holds open, one device at a time.
final class SQLiteScanRecorder: ScanRecorder {
    private let connection: SQLiteConnection
    private let scanID: SQLiteValue
    private let scan: ScanID
    private let when: SQLiteValue
    private let date: Date
    private var assessments = AssessmentJSON()
    private(set) var ids: [DeviceID] = []
    private(set) var newDevices = 0
    private(set) var openPorts = 0
    private(set) var changeIDs: [ChangeID] = []
    // Prepared once per scan: a large scan writes hundreds of thousands of rows.
    private let updateDevice: SQLiteStatement
    private let insertDevice: SQLiteStatement
    private let insertObservation: SQLiteStatement
    private let insertPort: SQLiteStatement
    private let insertChange: SQLiteStatement

    init(connection: SQLiteConnection, scanID: ScanID, date: Date) throws {
        self.connection = connection
        self.scan = scanID
        self.scanID = .of(scanID)
        self.date = date
        self.when = .of(date)
        updateDevice = try connection.prepare(
            """
            UPDATE devices SET ip = ?1, ip_key = ?2, mac = coalesce(?3, mac), hostname = coalesce(?4, hostname),
                vendor = coalesce(?5, vendor), device_type = ?6,
                os_accuracy = CASE WHEN ?7 IS NULL THEN os_accuracy ELSE ?8 END, os_name = coalesce(?7, os_name),
                last_seen = ?9, times_seen = times_seen + 1, last_scan_id = ?10, is_online = 1,
                risk_level = ?11, risk_score = ?12, open_ports = ?13, assessment = coalesce(?14, assessment)
            WHERE id = ?15 AND last_seen < ?9 + 1
            """)
        insertDevice = try connection.prepare(
            """
            INSERT INTO devices (ip, ip_key, mac, hostname, vendor, device_type, os_name, os_accuracy,
                first_seen, last_seen, last_scan_id, risk_level, risk_score, open_ports, assessment)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13, ?14)
            """)
        insertObservation = try connection.prepare(
            """
            INSERT INTO observations (scan_id, device_id, observed_at, state, ip, mac, hostname, vendor, os_name, os_accuracy, risk_level, risk_score)
            VALUES (?, ?, ?, 'up', ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insertPort = try connection.prepare(
            """
            INSERT OR REPLACE INTO ports (scan_id, device_id, protocol, number, state, service_name, product, version, extra_info, tunnel, cpes, confirmed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insertChange = try connection.prepare(
            """
            INSERT INTO changes (scan_id, device_id, kind, severity, severity_rank, ip, mac, port, protocol, old_value, new_value, description, detected_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    func add(_ update: DeviceUpdate) throws -> DeviceID {
        let open = update.ports.count { $0.state == .open }
        // The scan's own count leaves out ports carried over from earlier scans.
        openPorts += update.ports.count { $0.state == .open && $0.confirmedAt == nil }
        let when = update.seenAt.map(SQLiteValue.of) ?? self.when
        // Bound one by one, without building argument arrays: a large scan writes many rows.
        let statement = update.deviceID == nil ? insertDevice : updateDevice
        try statement.bind(update.ip, at: 1)
        try statement.bind(.blob(Addresses.sortKey(ip: update.ip)), at: 2)
        try statement.bind(update.mac, at: 3)
        try statement.bind(update.hostname, at: 4)
        try statement.bind(update.vendor, at: 5)
        try statement.bind(update.deviceType.rawValue, at: 6)
        try statement.bind(update.osName, at: 7)
        try statement.bind(.of(update.osAccuracy), at: 8)
        try statement.bind(when, at: 9)
        statement.bind(scan.rawValue, at: 10)
        try statement.bind(update.riskLevel.rawValue, at: 11)
        statement.bind(Int64(update.riskScore), at: 12)
        statement.bind(Int64(open), at: 13)
        try statement.bind(try update.assessment.map { try assessments.text(of: $0) }, at: 14)
        let id: DeviceID
        if let known = update.deviceID {
            statement.bind(known.rawValue, at: 15)
            // No row changed: no such device, or it was seen after this sighting (an import of an
            // earlier file), which then goes into its history only.
            if try statement.run() != 1, try connection.first("SELECT 1 FROM devices WHERE id = ?", [.of(known)], { _ in true }) == nil {
                throw StoreError.notFound("device \(known)")
            }
            id = known
        } else {
            try statement.run()
            id = DeviceID(connection.lastInsertedID)
            newDevices += 1
        }
        ids.append(id)
        insertObservation.bind(scan.rawValue, at: 1)
        insertObservation.bind(id.rawValue, at: 2)
        try insertObservation.bind(when, at: 3)
        try insertObservation.bind(update.ip, at: 4)
        try insertObservation.bind(update.mac, at: 5)
        try insertObservation.bind(update.hostname, at: 6)
        try insertObservation.bind(update.vendor, at: 7)
        try insertObservation.bind(update.osName, at: 8)
        try insertObservation.bind(.of(update.osAccuracy), at: 9)
        try insertObservation.bind(update.riskLevel.rawValue, at: 10)
        insertObservation.bind(Int64(update.riskScore), at: 11)
        try insertObservation.run()
        // Ports are the most numerous rows: bound one by one, without building argument arrays.
        for port in update.ports {
            insertPort.bind(scan.rawValue, at: 1)
            insertPort.bind(id.rawValue, at: 2)
            try insertPort.bind(port.protocol.rawValue, at: 3)
            insertPort.bind(Int64(port.number), at: 4)
            try insertPort.bind(port.state.rawValue, at: 5)
            try insertPort.bind(port.serviceName, at: 6)
            try insertPort.bind(port.product, at: 7)
            try insertPort.bind(port.version, at: 8)
            try insertPort.bind(port.extraInfo, at: 9)
            try insertPort.bind(port.tunnel, at: 10)
            try insertPort.bind(port.cpes.isEmpty ? nil : SQLiteDeviceStore.encodeList(port.cpes), at: 11)
            try insertPort.bind(.of(port.confirmedAt), at: 12)
            try insertPort.run()
        }
        return id
    }

    func markOffline(_ devices: [DeviceID]) throws {
        for id in devices {
            guard try connection.run("UPDATE devices SET is_online = 0 WHERE id = ?", [.of(id)]) == 1 else {
                throw StoreError.notFound("device \(id)")
            }
        }
    }

    func add(_ change: NewChange) throws -> ChangeID {
        let deviceID = try change.device?.resolve(added: ids) { id in
            try connection.first("SELECT 1 FROM devices WHERE id = ?", [.of(id)], { _ in true }) != nil
        }
        // A first scan writes a change per device and port: bound one by one, like the ports.
        insertChange.bind(scan.rawValue, at: 1)
        try insertChange.bind(.of(deviceID), at: 2)
        try insertChange.bind(change.kind.rawValue, at: 3)
        try insertChange.bind(change.severity.rawValue, at: 4)
        insertChange.bind(Int64(Severity.allCases.firstIndex(of: change.severity)!), at: 5)
        try insertChange.bind(change.ip, at: 6)
        try insertChange.bind(change.mac, at: 7)
        try insertChange.bind(.of(change.port), at: 8)
        try insertChange.bind(change.protocol?.rawValue, at: 9)
        try insertChange.bind(change.oldValue, at: 10)
        try insertChange.bind(change.newValue, at: 11)
        try insertChange.bind(change.description, at: 12)
        try insertChange.bind(when, at: 13)
        try insertChange.run()
        let id = ChangeID(connection.lastInsertedID)
        changeIDs.append(id)
        return id
    }

    func enqueue(_ messages: [NewOutboxMessage]) throws {
        _ = try SQLiteDeviceStore.enqueue(messages, at: date, in: connection)
    }
}
