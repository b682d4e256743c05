//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
// Foundation itself, not FoundationEssentials: the producer runs on a `Thread`.
public import Foundation
import PostgresNIO

/// The inventory: scans, devices, what each scan saw of them, and changes.
///
/// A scan is recorded in one transaction. Its producer runs on a thread of its own and hands
/// rows to the transaction through a ``RecordingPipe``; they reach the server with `COPY` in
/// batches of about a megabyte while the producer reads on, so memory stays flat. Ids of new
/// devices and changes are reserved from their sequences in growing batches. One scan is
/// recorded at a time across every replica (an advisory lock held by the transaction), so two
/// scans never update the same devices in opposite orders; readers are never blocked.
extension PostgresStore: DeviceStore {

    // MARK: Scans

    /// The columns ``scanRecord(_:)`` reads, in order.
    static let scanColumns =
        "id, status, kind, profile, targets, created_at, started_at, finished_at, nmap_version, nmap_arguments, hosts_up, hosts_down, devices_found, open_ports, error_message, coverage"

    /// A scan from a row of ``scanColumns``.
    static func scanRecord(_ row: PostgresRow) throws -> ScanRecord {
        let (
            id, status, kind, profile, targets, createdAt, startedAt, finishedAt, nmapVersion, nmapArguments, hostsUp, hostsDown, devicesFound,
            openPorts, errorMessage, coverage
        ) = try row.decode(
            (Int64, String, String, String, [String], Date, Date?, Date?, String?, String?, Int, Int, Int, Int, String?, String?).self)
        return ScanRecord(
            id: ScanID(id), status: ScanStatus(rawValue: status) ?? .failed, kind: ScanKind(rawValue: kind) ?? .network, profile: profile,
            targets: targets, createdAt: createdAt, startedAt: startedAt, finishedAt: finishedAt, nmapVersion: nmapVersion,
            nmapArguments: nmapArguments, hostsUp: hostsUp, hostsDown: hostsDown, devicesFound: devicesFound, openPorts: openPorts,
            errorMessage: errorMessage, coverage: coverage.flatMap(ScanCoverage.init(storedText:)))
    }

    /// This process, as the runner of the scans it starts: host name and process identity, so
    /// that a replica on another machine never takes this one's scans for abandoned.
    static var runner: String { "\(ProcessIdentity.hostName) \(ProcessIdentity.current)" }

    /// A scan, locked for the rest of the transaction.
    private func lockedScan(_ id: ScanID, on connection: PostgresConnection) async throws -> ScanRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.scanColumns) FROM scans WHERE id = \(id.rawValue) FOR UPDATE", logger: logger
        ).collect()
        return try rows.first.map(Self.scanRecord)
    }

    public func createScan(_ scan: NewScan) async throws -> ScanRecord {
        let rows = try await fetch(
            """
            INSERT INTO scans (status, kind, profile, targets, created_at, started_at, runner)
            VALUES (\(scan.status.rawValue), \(scan.kind.rawValue), \(scan.profile), \(scan.targets), \(scan.createdAt),
            \(scan.status == .running ? scan.createdAt : nil), \(Self.runner)) RETURNING \(unescaped: Self.scanColumns)
            """, "starting a scan")
        return try decode(rows, Self.scanRecord)[0]
    }

    public func markScan(_ id: ScanID, as status: ScanStatus, at date: Date, error: String?) async throws -> ScanRecord {
        try await transaction("updating scan \(id)") { connection in
            guard let scan = try await lockedScan(id, on: connection) else { throw StoreError.notFound("scan \(id)") }
            guard !scan.status.isFinal else { throw StoreError(.invalidArgument, "scan \(id) is already \(scan.status.rawValue)") }
            let query: PostgresQuery =
                if status == .running {
                    """
                    UPDATE scans SET status = \(status.rawValue), started_at = coalesce(started_at, \(date)), runner = \(Self.runner)
                    WHERE id = \(id.rawValue) RETURNING \(unescaped: Self.scanColumns)
                    """
                } else if status.isFinal {
                    """
                    UPDATE scans SET status = \(status.rawValue), finished_at = \(date), error_message = \(error)
                    WHERE id = \(id.rawValue) RETURNING \(unescaped: Self.scanColumns)
                    """
                } else {
                    "UPDATE scans SET status = \(status.rawValue) WHERE id = \(id.rawValue) RETURNING \(unescaped: Self.scanColumns)"
                }
            return try Self.scanRecord(try await connection.query(query, logger: logger).collect()[0])
        }
    }

    public func record(_ scanID: ScanID, at date: Date, _ produce: @Sendable (any ScanRecorder) throws -> ScanOutcome) async throws -> RecordedScan {
        do {
            return try await transaction("recording scan \(scanID)") { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Schema.recordingLockKey))", logger: logger)
                guard let scan = try await lockedScan(scanID, on: connection) else { throw StoreError.notFound("scan \(scanID)") }
                guard !scan.status.isFinal else {
                    throw StoreError(.invalidArgument, "scan \(scan.id) is already \(scan.status.rawValue); a scan is recorded once")
                }
                let known = Set(try await connection.query("SELECT id FROM devices", logger: logger).collect().map { try $0.decode(Int64.self) })
                for table in Self.recordingTables {
                    try await connection.query(PostgresQuery(unsafeSQL: table), logger: logger)
                }
                let pipe = RecordingPipe()
                let recorder = PostgresScanRecorder(pipe: pipe, scanID: scanID, date: date, knownDevices: known)
                let outcome = try await withoutActuallyEscaping(produce) { produce in
                    try await produceAndWrite(produce, recorder: recorder, pipe: pipe, scan: scanID, on: connection)
                }
                guard outcome.status.isFinal else {
                    throw StoreError(
                        .invalidArgument, "a scan result must end the scan (completed, failed or cancelled), not \(outcome.status.rawValue)")
                }
                let rows = try await connection.query(
                    """
                    UPDATE scans SET status = \(outcome.status.rawValue), started_at = coalesce(\(outcome.startedAt), started_at),
                        finished_at = \(outcome.finishedAt ?? date), nmap_version = \(outcome.nmapVersion), nmap_arguments = \(outcome.nmapArguments),
                        hosts_up = \(outcome.hostsUp), hosts_down = \(outcome.hostsDown), devices_found = \(recorder.ids.count),
                        open_ports = \(recorder.openPorts), error_message = \(outcome.errorMessage), coverage = \(try outcome.coverage?.storedText)
                    WHERE id = \(scanID.rawValue) RETURNING \(unescaped: Self.scanColumns)
                    """, logger: logger
                ).collect()
                return RecordedScan(
                    scan: try Self.scanRecord(rows[0]), deviceIDs: recorder.ids, newDevices: recorder.newDevices, changeIDs: recorder.changeIDs)
            }
        } catch let failure as ProducerError {
            throw failure.error
        }
    }

    /// The temporary tables a recording transaction writes known devices' updates and alerts
    /// into, before merging them; dropped at its end.
    static let recordingTables = [
        """
        CREATE TEMPORARY TABLE argus_device_updates (
            id bigint, ip text, ip_key bytea, mac text, hostname text, vendor text, device_type text, os_name text, os_accuracy integer,
            seen timestamptz, risk_level text, risk_score integer, open_ports integer, assessment text
        ) ON COMMIT DROP
        """,
        """
        CREATE TEMPORARY TABLE argus_outbox_new (
            sink text, idempotency_key text, payload text, created_at timestamptz, next_attempt_at timestamptz, subject text
        ) ON COMMIT DROP
        """,
    ]

    /// Runs the producer on a thread of its own and writes what it sends until it returns.
    /// - Returns: The producer's outcome.
    /// - Throws: The first write's failure; the producer's own error as ``ProducerError``.
    private func produceAndWrite(
        _ produce: @escaping @Sendable (any ScanRecorder) throws -> ScanOutcome, recorder: PostgresScanRecorder, pipe: RecordingPipe, scan: ScanID,
        on connection: PostgresConnection
    ) async throws -> ScanOutcome {
        // The thread reaches the producer through a handle it empties before saying it ended:
        // the producer must not outlive this call (it only seems to escape).
        let handle = ProducerHandle(produce)
        async let producerEnded: Void = withCheckedContinuation { (ended: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                handle.run(recorder: recorder, pipe: pipe)
                ended.resume()
            }
            // Parsing and detection run here: give the thread a main thread's stack.
            thread.stackSize = 8 << 20
            thread.start()
        }
        var result: Result<ScanOutcome, any Error>?
        var failure: (any Error)?
        for await item in pipe.items {
            switch item {
            case .batch(let batch):
                if failure == nil {
                    do {
                        try await write(batch, scan: scan, on: connection)
                    } catch {
                        failure = error
                        pipe.fail(error)
                    }
                }
                pipe.written()
            case .reserve(let devices, let changes):
                if let failure {
                    pipe.fail(failure)
                } else {
                    do {
                        pipe.answer(try await reserve(devices: devices, changes: changes, on: connection))
                    } catch {
                        failure = error
                        pipe.fail(error)
                    }
                }
            case .finished(let ended):
                result = ended
            }
        }
        // Cancelled while the producer ran: stop it, and wait until it has.
        if result == nil { pipe.fail(CancellationError()) }
        await producerEnded
        if let failure { throw failure }
        guard let result else { throw CancellationError() }
        do {
            return try result.get()
        } catch {
            throw ProducerError(error: error)
        }
    }

    /// Takes ids from the devices' and changes' sequences.
    private func reserve(devices: Int, changes: Int, on connection: PostgresConnection) async throws -> RecordingPipe.Reservation {
        func ids(_ table: String, _ count: Int) async throws -> [Int64] {
            guard count > 0 else { return [] }
            return try await connection.query(
                "SELECT nextval(pg_get_serial_sequence(\(table), 'id')) FROM generate_series(1, \(count))", logger: logger
            ).collect().map { try $0.decode(Int64.self) }
        }
        return RecordingPipe.Reservation(devices: try await ids("devices", devices), changes: try await ids("changes", changes))
    }

    /// Writes one batch, its parts in ``RecordingBatch``'s order.
    private func write(_ batch: RecordingBatch, scan: ScanID, on connection: PostgresConnection) async throws {
        func copy(_ rows: CopyRows, into table: String, _ columns: [String]) async throws {
            guard !rows.isEmpty else { return }
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                try await writer.write(rows.buffer)
            }
        }
        try await copy(batch.newDevices, into: "devices", PostgresScanRecorder.deviceColumns)
        if !batch.deviceUpdates.isEmpty {
            try await copy(batch.deviceUpdates, into: "argus_device_updates", PostgresScanRecorder.updateColumns)
            // An older sighting (an import of an earlier file) goes into the history only.
            try await connection.query(
                """
                UPDATE devices d SET ip = u.ip, ip_key = u.ip_key, mac = coalesce(u.mac, d.mac), hostname = coalesce(u.hostname, d.hostname),
                    vendor = coalesce(u.vendor, d.vendor), device_type = u.device_type,
                    os_accuracy = CASE WHEN u.os_name IS NULL THEN d.os_accuracy ELSE u.os_accuracy END, os_name = coalesce(u.os_name, d.os_name),
                    last_seen = u.seen, times_seen = d.times_seen + 1, last_scan_id = \(scan.rawValue), is_online = true,
                    risk_level = u.risk_level, risk_score = u.risk_score, open_ports = u.open_ports, assessment = coalesce(u.assessment, d.assessment)
                FROM argus_device_updates u
                WHERE d.id = u.id AND d.last_seen < u.seen + interval '1 second'
                """, logger: logger)
            try await connection.query("TRUNCATE argus_device_updates", logger: logger)
        }
        try await copy(batch.observations, into: "observations", PostgresScanRecorder.observationColumns)
        try await copy(batch.ports, into: "ports", PostgresScanRecorder.portColumns)
        if !batch.offline.isEmpty {
            try await connection.query("UPDATE devices SET is_online = false WHERE id = ANY(\(batch.offline)::bigint[])", logger: logger)
        }
        try await copy(batch.changes, into: "changes", PostgresScanRecorder.changeColumns)
        if !batch.outbox.isEmpty {
            try await copy(batch.outbox, into: "argus_outbox_new", PostgresScanRecorder.outboxColumns)
            // A key already queued for a sink is not queued again.
            try await connection.query(
                """
                INSERT INTO outbox (sink, idempotency_key, payload, created_at, next_attempt_at, subject)
                SELECT sink, idempotency_key, payload, created_at, next_attempt_at, subject FROM argus_outbox_new
                ON CONFLICT (sink, idempotency_key) DO NOTHING
                """, logger: logger)
            try await connection.query("TRUNCATE argus_outbox_new", logger: logger)
        }
    }

    public func scan(_ id: ScanID) async throws -> ScanRecord? {
        let rows = try await fetch("SELECT \(unescaped: Self.scanColumns) FROM scans WHERE id = \(id.rawValue)", "reading a scan")
        return try decode(rows, Self.scanRecord).first
    }

    public func scans(_ query: ScanQuery) async throws -> Page<ScanRecord> {
        var filter = PostgresFilter()
        filter.add("status = $?", query.status?.rawValue)
        filter.add("kind = $?", query.kind?.rawValue)
        return try await page(
            of: "scans", Self.scanColumns, filter, order: "id DESC", limit: query.limit, offset: query.offset, Self.scanRecord)
    }

    /// One page of a table's rows that match `filter`, in `order`, and how many match in all.
    private func page<Item: Sendable & Hashable>(
        of table: String, _ columns: String, _ filter: PostgresFilter, order: String, limit: Int, offset: Int,
        _ transform: (PostgresRow) throws -> Item
    ) async throws -> Page<Item> {
        var filter = filter
        let total = try await count(filter.query("SELECT count(*) FROM \(table) \(filter.clause)"), "counting \(table)")
        let limit = filter.bind(limit)
        let offset = filter.bind(offset)
        let rows = try await fetch(
            filter.query("SELECT \(columns) FROM \(table) \(filter.clause) ORDER BY \(order) LIMIT \(limit) OFFSET \(offset)"), "reading \(table)")
        return Page(items: try decode(rows, transform), total: total)
    }

    public func markInterruptedScans(at date: Date) async throws -> [ScanID] {
        let rows = try await fetch(
            """
            UPDATE scans SET status = 'interrupted', finished_at = \(date), error_message = 'Argus stopped while the scan ran'
            WHERE status IN ('queued', 'running') RETURNING id
            """, "marking interrupted scans")
        return try decode(rows) { ScanID(try $0.decode(Int64.self)) }.sorted { $0.rawValue < $1.rawValue }
    }

    /// Marks interrupted the scans that a process of this machine left queued or running and
    /// that no longer runs; scans of other machines' replicas, and of processes that still run,
    /// are left alone.
    func markAbandonedScans(at date: Date) async throws {
        let prefix = ProcessIdentity.hostName + " "
        let rows = try await fetch(
            "SELECT id, runner FROM scans WHERE status IN ('queued', 'running') AND starts_with(runner, \(prefix))", "reading running scans")
        let abandoned = try decode(rows) { try $0.decode((Int64, String).self) }
            .filter { !ProcessIdentity.isAlive(String($0.1.dropFirst(prefix.count))) }.map(\.0)
        guard !abandoned.isEmpty else { return }
        try await fetch(
            """
            UPDATE scans SET status = 'interrupted', finished_at = \(date), error_message = 'Argus stopped while the scan ran'
            WHERE id = ANY(\(abandoned)::bigint[]) AND status IN ('queued', 'running')
            """, "marking abandoned scans")
    }

    public func pruneScans(finishedBefore date: Date?, keepingNewest keep: Int?) async throws -> Int {
        guard date != nil || keep != nil else { return 0 }
        return try await count(
            """
            WITH deleted AS (
                DELETE FROM scans
                WHERE status NOT IN ('queued', 'running')
                  AND NOT EXISTS (SELECT 1 FROM devices WHERE last_scan_id = scans.id)
                  AND ((\(date)::timestamptz IS NOT NULL AND coalesce(finished_at, created_at) < \(date))
                    OR (\(keep)::integer IS NOT NULL AND id NOT IN (SELECT id FROM scans ORDER BY id DESC LIMIT \(keep))))
                RETURNING 1
            ) SELECT count(*) FROM deleted
            """, "pruning scans")
    }

    // MARK: Devices

    /// The columns ``device(_:)`` reads, in order; `open_ports` last, for listings.
    static let deviceColumns =
        "id, mac, ip, hostname, vendor, device_type, os_name, os_accuracy, first_seen, last_seen, times_seen, last_scan_id, is_online, risk_level, risk_score, label, notes, is_trusted, zone, open_ports"

    /// A device from a row of ``deviceColumns``.
    static func device(_ row: PostgresRow) throws -> Device {
        let (
            id, mac, ip, hostname, vendor, deviceType, osName, osAccuracy, firstSeen, lastSeen, timesSeen, lastScanID, isOnline, riskLevel,
            riskScore, label, notes, isTrusted, zone, _
        ) = try row.decode(
            (
                Int64, String?, String, String?, String?, String, String?, Int?, Date, Date, Int, Int64?, Bool, String, Int, String?, String?, Bool,
                String?, Int
            ).self)
        return Device(
            id: DeviceID(id), mac: mac, ip: ip, hostname: hostname, vendor: vendor, deviceType: DeviceType(rawValue: deviceType) ?? .unknown,
            osName: osName, osAccuracy: osAccuracy, firstSeen: firstSeen, lastSeen: lastSeen, timesSeen: timesSeen,
            lastScanID: lastScanID.map { ScanID($0) }, isOnline: isOnline, riskLevel: RiskLevel(rawValue: riskLevel) ?? .none, riskScore: riskScore,
            label: label, notes: notes, isTrusted: isTrusted, zone: zone)
    }

    public func devices(_ query: DeviceQuery) async throws -> Page<DeviceListing> {
        var filter = PostgresFilter()
        filter.add("id IN (SELECT device_id FROM observations WHERE scan_id = $?)", query.scanID?.rawValue)
        filter.add("risk_level = $?", query.riskLevel?.rawValue)
        filter.add("is_trusted = $?", query.isTrusted)
        filter.add("zone = $?", query.zone)
        filter.add("device_type = $?", query.deviceType?.rawValue)
        filter.add("is_online = $?", query.isOnline)
        if let search = query.search, !search.isEmpty {
            let fields = ["ip", "mac", "hostname", "vendor", "label"].map { "strpos(lower(coalesce(\($0), '')), $?) > 0" }
            filter.add("(" + fields.joined(separator: " OR ") + ")", search.lowercased())
        }
        let direction = query.descending ? "DESC" : "ASC"
        let order =
            switch query.sort {
            case .ip: "ip_key \(direction), id"
            case .hostname: "hostname \(direction), id"
            case .lastSeen: "last_seen \(direction), id"
            case .firstSeen: "first_seen \(direction), id"
            // By level, then score: a critical finding outranks any number of high ones.
            case .risk:
                "CASE risk_level WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END \(direction), risk_score \(direction), id"
            }
        return try await page(of: "devices", Self.deviceColumns, filter, order: order, limit: query.limit, offset: query.offset) { row in
            DeviceListing(device: try Self.device(row), openPorts: try row.makeRandomAccess()[19].decode(Int.self))
        }
    }

    public func inventory() async throws -> [Device] {
        try decode(try await fetch("SELECT \(unescaped: Self.deviceColumns) FROM devices ORDER BY id", "reading the inventory"), Self.device)
    }

    public func deviceCounts() async throws -> DeviceCounts {
        let rows = try await fetch(
            "SELECT risk_level, count(*), count(*) FILTER (WHERE is_online) FROM devices GROUP BY risk_level", "counting devices")
        var byRisk: [RiskLevel: Int] = [:]
        var total = 0
        var online = 0
        for (level, count, up) in try decode(rows, { try $0.decode((String, Int, Int).self) }) {
            byRisk[RiskLevel(rawValue: level) ?? .none, default: 0] += count
            total += count
            online += up
        }
        return DeviceCounts(total: total, online: online, byRisk: byRisk)
    }

    public func device(_ id: DeviceID) async throws -> Device? {
        try decode(try await fetch("SELECT \(unescaped: Self.deviceColumns) FROM devices WHERE id = \(id.rawValue)", "reading a device"), Self.device)
            .first
    }

    public func device(address: String) async throws -> Device? {
        let rows: [PostgresRow]
        if let mac = Addresses.normalizedMAC(address) {
            rows = try await fetch(
                "SELECT \(unescaped: Self.deviceColumns) FROM devices WHERE mac = \(mac) ORDER BY last_seen DESC, id DESC LIMIT 1", "finding a device"
            )
        } else {
            // The IP sort key is indexed: one index serves both sorting and lookup by address.
            let key = ByteBuffer(bytes: Addresses.sortKey(ip: address))
            rows = try await fetch(
                """
                SELECT \(unescaped: Self.deviceColumns) FROM devices WHERE ip_key = \(key) AND ip = \(address)
                ORDER BY last_seen DESC, id DESC LIMIT 1
                """, "finding a device")
        }
        return try decode(rows, Self.device).first
    }

    /// The columns ``observation(_:)`` reads, in order.
    static let observationColumns =
        "scan_id, device_id, observed_at, state, ip, mac, hostname, vendor, os_name, os_accuracy, risk_level, risk_score"

    /// An observation (without its ports) from a row of ``observationColumns``.
    static func observation(_ row: PostgresRow) throws -> DeviceObservation {
        let (scanID, deviceID, observedAt, state, ip, mac, hostname, vendor, osName, osAccuracy, riskLevel, riskScore) = try row.decode(
            (Int64, Int64, Date, String, String, String?, String?, String?, String?, Int?, String, Int).self)
        return DeviceObservation(
            scanID: ScanID(scanID), deviceID: DeviceID(deviceID), observedAt: observedAt, state: HostStatus.State(rawValue: state) ?? .up, ip: ip,
            mac: mac, hostname: hostname, vendor: vendor, osName: osName, osAccuracy: osAccuracy, riskLevel: RiskLevel(rawValue: riskLevel) ?? .none,
            riskScore: riskScore)
    }

    /// The columns ``port(_:)`` reads, after the scan and device ids.
    static let portColumns = "scan_id, device_id, protocol, number, state, service_name, product, version, extra_info, tunnel, cpes, confirmed_at"

    /// A port, with the scan and device it belongs to, from a row of ``portColumns``.
    static func port(_ row: PostgresRow) throws -> (scan: Int64, device: Int64, port: ObservedPort) {
        let (scanID, deviceID, transport, number, state, serviceName, product, version, extraInfo, tunnel, cpes, confirmedAt) = try row.decode(
            (Int64, Int64, String, Int, String, String?, String?, String?, String?, String?, [String]?, Date?).self)
        return (
            scanID, deviceID,
            ObservedPort(
                protocol: TransportProtocol(rawValue: transport) ?? .tcp, number: number, state: PortState.State(rawValue: state) ?? .open,
                serviceName: serviceName, product: product, version: version, extraInfo: extraInfo, tunnel: tunnel, cpes: cpes ?? [],
                confirmedAt: confirmedAt)
        )
    }

    /// Fills in the ports of observations from rows of ``portColumns``.
    private static func attach(_ ports: [PostgresRow], to observations: inout [DeviceObservation]) throws {
        var index: [PairKey: Int] = [:]
        for (position, observation) in observations.enumerated() {
            index[PairKey(scan: observation.scanID.rawValue, device: observation.deviceID.rawValue)] = position
        }
        for row in ports {
            let (scan, device, port) = try Self.port(row)
            if let position = index[PairKey(scan: scan, device: device)] { observations[position].ports.append(port) }
        }
    }

    /// A scan and a device: one observation.
    private struct PairKey: Hashable {
        let scan: Int64
        let device: Int64
    }

    public func history(of device: DeviceID, limit: Int) async throws -> [DeviceObservation] {
        var observations = try decode(
            try await fetch(
                """
                SELECT \(unescaped: Self.observationColumns) FROM observations WHERE device_id = \(device.rawValue) ORDER BY scan_id DESC
                LIMIT \(max(0, limit))
                """, "reading a device's history"), Self.observation)
        let scans = observations.map(\.scanID.rawValue)
        let ports = try await fetch(
            """
            SELECT \(unescaped: Self.portColumns) FROM ports WHERE device_id = \(device.rawValue) AND scan_id = ANY(\(scans)::bigint[])
            ORDER BY protocol, number
            """, "reading a device's history")
        try Self.attach(ports, to: &observations)
        return observations
    }

    public func observations(in scan: ScanID) async throws -> [DeviceObservation] {
        var observations = try decode(
            try await fetch(
                "SELECT \(unescaped: Self.observationColumns) FROM observations WHERE scan_id = \(scan.rawValue) ORDER BY device_id",
                "reading a scan's observations"), Self.observation)
        let ports = try await fetch(
            "SELECT \(unescaped: Self.portColumns) FROM ports WHERE scan_id = \(scan.rawValue) ORDER BY device_id, protocol, number",
            "reading a scan's ports")
        try Self.attach(ports, to: &observations)
        return observations
    }

    public func assessment(of device: DeviceID) async throws -> ThreatAssessment? {
        let rows = try await fetch("SELECT assessment FROM devices WHERE id = \(device.rawValue)", "reading an assessment")
        return AssessmentJSON.assessment(in: try decode(rows) { try $0.decode(String?.self) }.first ?? nil)
    }

    public func latestObservations() async throws -> [DeviceObservation] {
        var observations = try decode(
            try await fetch(
                """
                SELECT \(unescaped: Self.observationColumns.split(separator: ", ").map { "o." + $0 }.joined(separator: ", "))
                FROM devices d JOIN observations o ON o.scan_id = d.last_scan_id AND o.device_id = d.id ORDER BY d.id
                """, "reading the latest observations"), Self.observation)
        let ports = try await fetch(
            """
            SELECT \(unescaped: Self.portColumns.split(separator: ", ").map { "p." + $0 }.joined(separator: ", "))
            FROM devices d JOIN ports p ON p.scan_id = d.last_scan_id AND p.device_id = d.id ORDER BY d.id, p.protocol, p.number
            """, "reading the latest observations")
        try Self.attach(ports, to: &observations)
        return observations
    }

    public func assessments(of devices: [DeviceID]) async throws -> [DeviceID: ThreatAssessment] {
        let rows = try await fetch(
            "SELECT id, assessment FROM devices WHERE assessment IS NOT NULL AND id = ANY(\(devices.map(\.rawValue))::bigint[])",
            "reading assessments")
        var found: [DeviceID: ThreatAssessment] = [:]
        for (id, text) in try decode(rows, { try $0.decode((Int64, String).self) }) {
            found[DeviceID(id)] = AssessmentJSON.assessment(in: text)
        }
        return found
    }

    public func editDevice(_ id: DeviceID, _ edit: DeviceEdit) async throws -> Device {
        func text(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        let rows = try await fetch(
            """
            UPDATE devices SET
                label = CASE WHEN \(edit.label != nil) THEN \(text(edit.label)) ELSE label END,
                notes = CASE WHEN \(edit.notes != nil) THEN \(text(edit.notes)) ELSE notes END,
                zone = CASE WHEN \(edit.zone != nil) THEN \(text(edit.zone)) ELSE zone END,
                is_trusted = coalesce(\(edit.isTrusted), is_trusted)
            WHERE id = \(id.rawValue) RETURNING \(unescaped: Self.deviceColumns)
            """, "editing a device")
        guard let device = try decode(rows, Self.device).first else { throw StoreError.notFound("device \(id)") }
        return device
    }

    // MARK: Changes

    /// The columns ``changeRecord(_:)`` reads, in order.
    static let changeColumns =
        "id, scan_id, device_id, kind, severity, ip, mac, port, protocol, old_value, new_value, description, detected_at, acknowledged"

    /// A change from a row of ``changeColumns``. Only this build's kinds are stored: a database
    /// a newer Argus wrote is refused when it is opened.
    static func changeRecord(_ row: PostgresRow) throws -> ChangeRecord {
        let (id, scanID, deviceID, kind, severity, ip, mac, port, transport, oldValue, newValue, description, detectedAt, acknowledged) =
            try row.decode((Int64, Int64, Int64?, String, String, String?, String?, Int?, String?, String?, String?, String, Date, Bool).self)
        return ChangeRecord(
            id: ChangeID(id), scanID: ScanID(scanID), deviceID: deviceID.map { DeviceID($0) }, kind: ChangeKind(rawValue: kind) ?? .serviceChanged,
            severity: Severity(rawValue: severity) ?? .info, ip: ip, mac: mac, port: port, protocol: transport.flatMap(TransportProtocol.init),
            oldValue: oldValue, newValue: newValue, description: description, detectedAt: detectedAt, acknowledged: acknowledged)
    }

    public func changes(_ query: ChangeQuery) async throws -> Page<ChangeRecord> {
        var filter = PostgresFilter()
        filter.add("scan_id = $?", query.scanID?.rawValue)
        filter.add("device_id = $?", query.deviceID?.rawValue)
        filter.add("kind = $?", query.kind?.rawValue)
        filter.add("severity_rank >= $?", query.minimumSeverity.map { Severity.allCases.firstIndex(of: $0)! })
        filter.add("acknowledged = $?", query.acknowledged)
        return try await page(
            of: "changes", Self.changeColumns, filter, order: "id DESC", limit: query.limit, offset: query.offset, Self.changeRecord)
    }

    public func changes(withIDs ids: [ChangeID]) async throws -> [ChangeRecord] {
        let rows = try await fetch(
            "SELECT \(unescaped: Self.changeColumns) FROM changes WHERE id = ANY(\(ids.map(\.rawValue))::bigint[]) ORDER BY id", "reading changes")
        return try decode(rows, Self.changeRecord)
    }

    public func acknowledgeChanges(_ ids: [ChangeID], acknowledged: Bool) async throws -> Int {
        try await count(
            """
            WITH updated AS (
                UPDATE changes SET acknowledged = \(acknowledged) WHERE id = ANY(\(Array(Set(ids.map(\.rawValue))))::bigint[]) RETURNING 1
            ) SELECT count(*) FROM updated
            """, "acknowledging changes")
    }
}

/// Holds a scan's producer for the thread that runs it, and lets go of it once it ran.
private final class ProducerHandle: @unchecked Sendable {
    // @unchecked: set at creation, taken once by the producer's thread.
    private var produce: (@Sendable (any ScanRecorder) throws -> ScanOutcome)?

    init(_ produce: @escaping @Sendable (any ScanRecorder) throws -> ScanOutcome) {
        self.produce = produce
    }

    /// Runs the producer, sends what is left and how it ended, and drops the producer.
    func run(recorder: PostgresScanRecorder, pipe: RecordingPipe) {
        guard let produce else { return }
        self.produce = nil
        let result = Result { () throws -> ScanOutcome in
            let outcome = try produce(recorder)
            try recorder.flush()
            return outcome
        }
        pipe.finish(result)
    }
}
