//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
internal import CSQLite3

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The default ``DeviceStore``: one SQLite file, through the system libsqlite3.
///
/// - **Crash safety:** WAL journal; every scan result is one transaction, so a crash or kill
///   leaves the last committed state intact, and a scan whose process stopped while it ran is
///   marked ``ScanStatus/interrupted`` when the store is next opened (scans of processes that
///   still run, such as a server next to a CLI, are left alone).
/// - **Durability:** `synchronous=NORMAL`. In WAL mode a committed transaction survives a crash
///   of Argus itself; after a power loss the database is consistent but the last transactions
///   before it may be missing. Scans can be run again; the trade buys far faster writes.
/// - **Concurrency:** a writer connection and a reader connection, each owned by an actor;
///   reads see the last committed state and never wait for a long ingest.
/// - **Refusals:** a file that is not an Argus database (another SQLite file, any other file,
///   an empty file), a database from a newer Argus, a damaged file, a folder that cannot be
///   written and a full disk each give a ``StoreError`` that says so. An existing file is never
///   overwritten or re-created.
public final class SQLiteDeviceStore: DeviceStore, StoreHealthReporting {
    /// The database file.
    public let path: String
    let writer: SQLiteExecutor
    let reader: SQLiteExecutor
    private let damage = StoreDamageRecord()

    /// Where Argus keeps its database unless told otherwise: `$ARGUS_DB` if set; for root
    /// `/var/lib/argus/argus.db`; otherwise `$XDG_DATA_HOME/argus/argus.db`, falling back to
    /// `~/.local/share/argus/argus.db`.
    public static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["ARGUS_DB"], !path.isEmpty { return path }
        if getuid() == 0 { return "/var/lib/argus/argus.db" }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/argus/argus.db" }
        return (environment["HOME"] ?? ".") + "/.local/share/argus/argus.db"
    }

    /// Opens the database at `path`, creating it (and its folder) when it does not exist.
    ///
    /// An existing file must be writable by this user, and must pass SQLite's `PRAGMA
    /// quick_check`: a damaged database is refused rather than served. Scans left queued or
    /// running by a process that no longer runs are marked interrupted.
    /// - Throws: ``StoreError`` — `notArgusDatabase`, `newerSchema`, `corrupt`, `readOnly`,
    ///   `diskFull`, `busy` or `storage`.
    public init(path: String, now: Date = Date()) throws {
        self.path = path
        let exists = try Self.checkExistingFile(at: path)
        if !exists { try Self.createFolder(for: path) }
        writer = try SQLiteExecutor(path: path, readOnly: false, create: !exists, damage: damage) { connection in
            // A new database is its owner's alone (0600): it holds password hashes and the
            // secrets of alert sinks added through the API. The WAL and shared-memory files,
            // made below, take the same mode.
            if !exists { _ = chmod(path, 0o600) }
            // SQLite opens a file it may not write for reading only, without a word: every
            // write would fail later, sign-ins and key uses included. Refuse it now.
            if connection.isReadOnly {
                throw StoreError(
                    .readOnly,
                    "cannot write to \(path): the file is read-only for this user; give the user that runs Argus write access to it and to its folder"
                )
            }
            try connection.execute("PRAGMA busy_timeout = 5000")
            if exists { try Self.checkIntact(connection, path: path) }
            try Self.checkAndMigrate(connection, path: path, existed: exists)
            // A 16 MiB page cache for the writer: a large scan's index updates stay in memory.
            try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384")
            _ = try Self.markInterrupted(connection, at: now, onlyAbandoned: true)
        }
        reader = try SQLiteExecutor(path: path, readOnly: true, create: false, damage: damage) { connection in
            try connection.execute("PRAGMA busy_timeout = 5000; PRAGMA query_only = ON")
        }
    }

    /// Why the store cannot be trusted now: a corruption error met at run time; `nil` while
    /// none was.
    public func healthProblem() async -> String? { damage.current }

    /// What to do about a damaged file, for messages.
    static func repairAdvice(_ path: String = "") -> String {
        "restore it from a backup, or recover what it holds with `sqlite3 FILE .recover | sqlite3 recovered.db` and use recovered.db"
    }

    // MARK: Opening

    /// Runs `PRAGMA quick_check` (the page and b-tree checks of `integrity_check`, without
    /// matching indexes to tables: fast enough to run at each start).
    private static func checkIntact(_ connection: SQLiteConnection, path: String) throws {
        let findings = try connection.query("PRAGMA quick_check(5)") { $0.string(0) }
        guard findings != ["ok"] else { return }
        let first = findings.first.map { String($0.prefix(200)) } ?? "no answer"
        throw StoreError(
            .corrupt,
            "\(path) is damaged: SQLite's check found \(first)\(findings.count > 1 ? " (and more)" : ""); it was left as it is — \(repairAdvice(path))"
        )
    }

    /// Refuses files that cannot be an Argus database before SQLite touches them.
    private static func checkExistingFile(at path: String) throws -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return false }
            throw StoreError(.readOnly, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw StoreError(.notArgusDatabase, "\(path) is not a regular file")
        }
        guard info.st_size > 0 else {
            throw StoreError(
                .notArgusDatabase,
                "\(path) is empty (0 bytes), so it is not an Argus database; it was left as it is — remove it, or choose another path, to start a new database"
            )
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StoreError(.readOnly, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var header = [UInt8](repeating: 0, count: 16)
        let count = header.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 16) }
        guard count == 16, header == Array("SQLite format 3\0".utf8) else {
            throw StoreError(.notArgusDatabase, "\(path) is not an SQLite database, so not an Argus database; it was left as it is")
        }
        return true
    }

    private static func createFolder(for path: String) throws {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let folder = String(path[..<slash])
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.readOnly, "cannot create the folder \(folder) for the database: \(error)")
        }
    }

    private static func checkAndMigrate(_ connection: SQLiteConnection, path: String, existed: Bool) throws {
        let applicationID = try connection.first("PRAGMA application_id") { Int32(truncatingIfNeeded: $0.int64(0)) } ?? 0
        let version = try connection.first("PRAGMA user_version") { $0.int(0) } ?? 0
        let objects = try connection.first("SELECT count(*) FROM sqlite_schema") { $0.int(0) } ?? 0
        if applicationID != Schema.applicationID {
            guard applicationID == 0, objects == 0 else {
                throw StoreError(.notArgusDatabase, "\(path) is an SQLite database of another program, not Argus's; it was left as it is")
            }
        }
        guard version <= Schema.latestVersion else {
            throw StoreError(
                .newerSchema,
                "\(path) was written by a newer Argus (schema \(version); this Argus knows up to \(Schema.latestVersion)); upgrade Argus to open it")
        }
        guard version < Schema.latestVersion else { return }
        try connection.transaction {
            for migration in Schema.migrations[version...] {
                try connection.execute(migration)
            }
            try connection.execute("PRAGMA application_id = \(Schema.applicationID); PRAGMA user_version = \(Schema.latestVersion)")
        }
    }

    /// Marks scans left queued or running as interrupted: every one, or (`onlyAbandoned`) those
    /// whose process no longer runs, so that opening the database next to a running server
    /// never touches the server's scan.
    private static func markInterrupted(_ connection: SQLiteConnection, at date: Date, onlyAbandoned: Bool) throws -> [ScanID] {
        let open: [(ScanID, String?)] = try connection.query("SELECT id, runner FROM scans WHERE status IN ('queued', 'running') ORDER BY id") {
            ($0.id(0), $0.optionalString(1))
        }
        let abandoned = open.filter { !onlyAbandoned || !($0.1.map(ProcessIdentity.isAlive) ?? false) }.map(\.0)
        guard !abandoned.isEmpty else { return [] }
        try connection.transaction {
            for id in abandoned {
                try connection.run(
                    "UPDATE scans SET status = 'interrupted', finished_at = ?, error_message = 'Argus stopped while the scan ran' WHERE id = ? AND status IN ('queued', 'running')",
                    [.of(date), .of(id)])
            }
        }
        return abandoned
    }

    /// Checks the whole file with `PRAGMA integrity_check`; returns SQLite's findings, or
    /// `["ok"]`.
    public func integrityCheck() async throws -> [String] {
        try await reader.perform { try $0.query("PRAGMA integrity_check") { $0.string(0) } }
    }

    // MARK: Scans

    static let scanColumns =
        "id, status, kind, profile, targets, created_at, started_at, finished_at, nmap_version, nmap_arguments, hosts_up, hosts_down, devices_found, open_ports, error_message, coverage"

    static func scanRecord(_ row: SQLiteStatement) -> ScanRecord {
        ScanRecord(
            id: row.id(0), status: ScanStatus(rawValue: row.string(1)) ?? .failed, kind: ScanKind(rawValue: row.string(2)) ?? .network,
            profile: row.string(3), targets: decodeList(row.string(4)), createdAt: row.date(5), startedAt: row.optionalDate(6),
            finishedAt: row.optionalDate(7), nmapVersion: row.optionalString(8), nmapArguments: row.optionalString(9), hostsUp: row.int(10),
            hostsDown: row.int(11), devicesFound: row.int(12), openPorts: row.int(13), errorMessage: row.optionalString(14),
            coverage: row.optionalString(15).flatMap(ScanCoverage.init(storedText:)))
    }

    static func fetchScan(_ connection: SQLiteConnection, _ id: ScanID) throws -> ScanRecord? {
        try connection.first("SELECT \(scanColumns) FROM scans WHERE id = ?", [.of(id)], scanRecord)
    }

    public func createScan(_ scan: NewScan) async throws -> ScanRecord {
        try await writer.perform { connection in
            try connection.run(
                "INSERT INTO scans (status, kind, profile, targets, created_at, started_at, runner) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(scan.status.rawValue), .text(scan.kind.rawValue), .text(scan.profile), .text(Self.encodeList(scan.targets)),
                    .of(scan.createdAt), .of(scan.status == .running ? scan.createdAt : nil), .text(ProcessIdentity.current),
                ])
            return try Self.fetchScan(connection, ScanID(connection.lastInsertedID))!
        }
    }

    public func markScan(_ id: ScanID, as status: ScanStatus, at date: Date, error: String?) async throws -> ScanRecord {
        try await writer.perform { connection in
            try connection.transaction {
                guard let scan = try Self.fetchScan(connection, id) else { throw StoreError.notFound("scan \(id)") }
                guard !scan.status.isFinal else { throw StoreError(.invalidArgument, "scan \(id) is already \(scan.status.rawValue)") }
                if status == .running {
                    try connection.run(
                        "UPDATE scans SET status = ?, started_at = coalesce(started_at, ?), runner = ? WHERE id = ?",
                        [.text(status.rawValue), .of(date), .text(ProcessIdentity.current), .of(id)])
                } else if status.isFinal {
                    try connection.run(
                        "UPDATE scans SET status = ?, finished_at = ?, error_message = ? WHERE id = ?",
                        [.text(status.rawValue), .of(date), .of(error), .of(id)])
                } else {
                    try connection.run("UPDATE scans SET status = ? WHERE id = ?", [.text(status.rawValue), .of(id)])
                }
                return try Self.fetchScan(connection, id)!
            }
        }
    }

    public func record(_ scanID: ScanID, at date: Date, _ produce: @Sendable (any ScanRecorder) throws -> ScanOutcome) async throws -> RecordedScan {
        try await writer.perform { connection in
            try connection.transaction {
                guard let scan = try Self.fetchScan(connection, scanID) else { throw StoreError.notFound("scan \(scanID)") }
                guard !scan.status.isFinal else {
                    throw StoreError(.invalidArgument, "scan \(scan.id) is already \(scan.status.rawValue); a scan is recorded once")
                }
                let recorder = try SQLiteScanRecorder(connection: connection, scanID: scanID, date: date)
                let outcome = try produce(recorder)
                guard outcome.status.isFinal else {
                    throw StoreError(
                        .invalidArgument, "a scan result must end the scan (completed, failed or cancelled), not \(outcome.status.rawValue)")
                }
                try connection.run(
                    """
                    UPDATE scans SET status = ?, started_at = coalesce(?, started_at), finished_at = ?, nmap_version = ?, nmap_arguments = ?,
                        hosts_up = ?, hosts_down = ?, devices_found = ?, open_ports = ?, error_message = ?, coverage = ?
                    WHERE id = ?
                    """,
                    [
                        .text(outcome.status.rawValue), .of(outcome.startedAt), .of(outcome.finishedAt ?? date), .of(outcome.nmapVersion),
                        .of(outcome.nmapArguments), .of(outcome.hostsUp), .of(outcome.hostsDown), .of(recorder.ids.count), .of(recorder.openPorts),
                        .of(outcome.errorMessage), .of(try outcome.coverage.map { try $0.storedText }), .of(scanID),
                    ])
                return RecordedScan(
                    scan: try Self.fetchScan(connection, scanID)!, deviceIDs: recorder.ids, newDevices: recorder.newDevices,
                    changeIDs: recorder.changeIDs)
            }
        }
    }

    public func scan(_ id: ScanID) async throws -> ScanRecord? {
        try await reader.perform { try Self.fetchScan($0, id) }
    }

    public func scans(_ query: ScanQuery) async throws -> Page<ScanRecord> {
        try await reader.perform { connection in
            var filter = SQLFilter()
            filter.add("status = ?", query.status.map { status in .text(status.rawValue) })
            filter.add("kind = ?", query.kind.map { kind in .text(kind.rawValue) })
            let total = try connection.first("SELECT count(*) FROM scans \(filter.clause)", filter.arguments) { $0.int(0) } ?? 0
            let items = try connection.query(
                "SELECT \(Self.scanColumns) FROM scans \(filter.clause) ORDER BY id DESC LIMIT ? OFFSET ?",
                filter.arguments + [.of(query.limit), .of(query.offset)], Self.scanRecord)
            return Page(items: items, total: total)
        }
    }

    public func markInterruptedScans(at date: Date) async throws -> [ScanID] {
        try await writer.perform { try Self.markInterrupted($0, at: date, onlyAbandoned: false) }
    }

    public func deviceCounts() async throws -> DeviceCounts {
        try await reader.perform { connection in
            var byRisk: [RiskLevel: Int] = [:]
            var total = 0
            var online = 0
            for (level, count, up) in try connection.query(
                "SELECT risk_level, count(*), sum(is_online) FROM devices GROUP BY risk_level", [], { ($0.string(0), $0.int(1), $0.int(2)) })
            {
                byRisk[RiskLevel(rawValue: level) ?? .none, default: 0] += count
                total += count
                online += up
            }
            return DeviceCounts(total: total, online: online, byRisk: byRisk)
        }
    }

    public func pruneScans(finishedBefore date: Date?, keepingNewest keep: Int?) async throws -> Int {
        guard date != nil || keep != nil else { return 0 }
        return try await writer.perform { connection in
            try connection.transaction {
                try connection.run(
                    """
                    DELETE FROM scans
                    WHERE status NOT IN ('queued', 'running')
                      AND id NOT IN (SELECT last_scan_id FROM devices WHERE last_scan_id IS NOT NULL)
                      AND ((?1 IS NOT NULL AND coalesce(finished_at, created_at) < ?1)
                        OR (?2 IS NOT NULL AND id NOT IN (SELECT id FROM scans ORDER BY id DESC LIMIT ?2)))
                    """, [.of(date), .of(keep)])
            }
        }
    }

    // MARK: Devices

    static let deviceColumns =
        "id, mac, ip, hostname, vendor, device_type, os_name, os_accuracy, first_seen, last_seen, times_seen, last_scan_id, is_online, risk_level, risk_score, label, notes, is_trusted, zone, open_ports"

    static func device(_ row: SQLiteStatement) -> Device {
        Device(
            id: row.id(0), mac: row.optionalString(1), ip: row.string(2), hostname: row.optionalString(3), vendor: row.optionalString(4),
            deviceType: DeviceType(rawValue: row.string(5)) ?? .unknown, osName: row.optionalString(6), osAccuracy: row.optionalInt(7),
            firstSeen: row.date(8), lastSeen: row.date(9),
            timesSeen: row.int(10), lastScanID: row.optionalID(11), isOnline: row.bool(12), riskLevel: RiskLevel(rawValue: row.string(13)) ?? .none,
            riskScore: row.int(14), label: row.optionalString(15), notes: row.optionalString(16), isTrusted: row.bool(17),
            zone: row.optionalString(18))
    }

    public func devices(_ query: DeviceQuery) async throws -> Page<DeviceListing> {
        try await reader.perform { connection in
            var filter = SQLFilter()
            filter.add("id IN (SELECT device_id FROM observations WHERE scan_id = ?)", query.scanID.map { scanID in .of(scanID) })
            filter.add("risk_level = ?", query.riskLevel.map { level in .text(level.rawValue) })
            filter.add("is_trusted = ?", query.isTrusted.map { trusted in .of(trusted) })
            filter.add("zone = ?", query.zone.map { zone in .text(zone) })
            filter.add("device_type = ?", query.deviceType.map { type in .text(type.rawValue) })
            filter.add("is_online = ?", query.isOnline.map { online in .of(online) })
            if let search = query.search, !search.isEmpty {
                let fields = ["ip", "mac", "hostname", "vendor", "label"].map { "instr(lower(coalesce(\($0), '')), ?NEXT) > 0" }
                filter.add("(" + fields.joined(separator: " OR ") + ")", .text(search.lowercased()))
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
            let total = try connection.first("SELECT count(*) FROM devices \(filter.clause)", filter.arguments) { $0.int(0) } ?? 0
            let items = try connection.query(
                "SELECT \(Self.deviceColumns) FROM devices \(filter.clause) ORDER BY \(order) LIMIT ? OFFSET ?",
                filter.arguments + [.of(query.limit), .of(query.offset)]
            ) { row in
                DeviceListing(device: Self.device(row), openPorts: row.int(19))
            }
            return Page(items: items, total: total)
        }
    }

    public func inventory() async throws -> [Device] {
        try await reader.perform { try $0.query("SELECT \(Self.deviceColumns) FROM devices ORDER BY id", [], Self.device) }
    }

    public func device(_ id: DeviceID) async throws -> Device? {
        try await reader.perform { try $0.first("SELECT \(Self.deviceColumns) FROM devices WHERE id = ?", [.of(id)], Self.device) }
    }

    public func device(address: String) async throws -> Device? {
        try await reader.perform { connection in
            if let mac = Addresses.normalizedMAC(address) {
                return try connection.first(
                    "SELECT \(Self.deviceColumns) FROM devices WHERE mac = ? ORDER BY last_seen DESC, id DESC LIMIT 1", [.text(mac)], Self.device)
            }
            // The IP sort key is indexed: one index serves both sorting and lookup by address.
            return try connection.first(
                "SELECT \(Self.deviceColumns) FROM devices WHERE ip_key = ? AND ip = ? ORDER BY last_seen DESC, id DESC LIMIT 1",
                [.blob(Addresses.sortKey(ip: address)), .text(address)], Self.device)
        }
    }

    private static func observations(_ connection: SQLiteConnection, where condition: String, _ arguments: [SQLiteValue], limit: Int) throws
        -> [DeviceObservation]
    {
        var rows = try connection.query(
            """
            SELECT scan_id, device_id, observed_at, state, ip, mac, hostname, vendor, os_name, os_accuracy, risk_level, risk_score
            FROM observations WHERE \(condition) LIMIT ?
            """, arguments + [.of(limit)]
        ) { row in
            DeviceObservation(
                scanID: row.id(0), deviceID: row.id(1), observedAt: row.date(2), state: HostStatus.State(rawValue: row.string(3)) ?? .up,
                ip: row.string(4), mac: row.optionalString(5), hostname: row.optionalString(6), vendor: row.optionalString(7),
                osName: row.optionalString(8), osAccuracy: row.optionalInt(9), riskLevel: RiskLevel(rawValue: row.string(10)) ?? .none,
                riskScore: row.int(11))
        }
        for index in rows.indices {
            rows[index].ports = try connection.query(
                """
                SELECT \(portColumns) FROM ports WHERE scan_id = ? AND device_id = ? ORDER BY protocol, number
                """, [.of(rows[index].scanID), .of(rows[index].deviceID)]
            ) { port($0) }
        }
        return rows
    }

    static let portColumns = "protocol, number, state, service_name, product, version, extra_info, tunnel, cpes, confirmed_at"

    static func port(_ row: SQLiteStatement, from first: Int32 = 0) -> ObservedPort {
        ObservedPort(
            protocol: TransportProtocol(rawValue: row.string(first)) ?? .tcp, number: row.int(first + 1),
            state: PortState.State(rawValue: row.string(first + 2)) ?? .open, serviceName: row.optionalString(first + 3),
            product: row.optionalString(first + 4), version: row.optionalString(first + 5), extraInfo: row.optionalString(first + 6),
            tunnel: row.optionalString(first + 7), cpes: row.optionalString(first + 8).map(decodeList) ?? [], confirmedAt: row.optionalDate(first + 9)
        )
    }

    public func latestObservations() async throws -> [DeviceObservation] {
        try await reader.perform { connection in
            // Two passes over the devices' latest scans, in device order: the observations, then
            // their ports (by the ports' primary key), merged without a query per device.
            var rows = try connection.query(
                """
                SELECT o.scan_id, o.device_id, o.observed_at, o.state, o.ip, o.mac, o.hostname, o.vendor, o.os_name, o.os_accuracy, o.risk_level, o.risk_score
                FROM devices d JOIN observations o ON o.scan_id = d.last_scan_id AND o.device_id = d.id ORDER BY d.id
                """, []
            ) { row in
                DeviceObservation(
                    scanID: row.id(0), deviceID: row.id(1), observedAt: row.date(2), state: HostStatus.State(rawValue: row.string(3)) ?? .up,
                    ip: row.string(4), mac: row.optionalString(5), hostname: row.optionalString(6), vendor: row.optionalString(7),
                    osName: row.optionalString(8), osAccuracy: row.optionalInt(9), riskLevel: RiskLevel(rawValue: row.string(10)) ?? .none,
                    riskScore: row.int(11))
            }
            var index = rows.startIndex
            _ = try connection.query(
                """
                SELECT p.device_id, p.protocol, p.number, p.state, p.service_name, p.product, p.version, p.extra_info, p.tunnel, p.cpes, p.confirmed_at
                FROM devices d JOIN ports p ON p.scan_id = d.last_scan_id AND p.device_id = d.id ORDER BY d.id, p.protocol, p.number
                """, []
            ) { row -> Void in
                let device: DeviceID = row.id(0)
                while index < rows.endIndex && rows[index].deviceID < device { index += 1 }
                if index < rows.endIndex && rows[index].deviceID == device { rows[index].ports.append(Self.port(row, from: 1)) }
            }
            return rows
        }
    }

    public func assessments(of devices: [DeviceID]) async throws -> [DeviceID: ThreatAssessment] {
        try await reader.perform { connection in
            var found: [DeviceID: ThreatAssessment] = [:]
            // SQLite takes at most 32,766 parameters: ask in slices.
            var start = devices.startIndex
            while start < devices.endIndex {
                let slice = devices[start..<min(start + 500, devices.endIndex)]
                let marks = Array(repeating: "?", count: slice.count).joined(separator: ", ")
                for (id, text) in try connection.query(
                    "SELECT id, assessment FROM devices WHERE assessment IS NOT NULL AND id IN (\(marks))", slice.map { .of($0) },
                    { ($0.id(0) as DeviceID, $0.string(1)) })
                {
                    found[id] = AssessmentJSON.assessment(in: text)
                }
                start = slice.endIndex
            }
            return found
        }
    }

    public func history(of device: DeviceID, limit: Int) async throws -> [DeviceObservation] {
        try await reader.perform { try Self.observations($0, where: "device_id = ? ORDER BY scan_id DESC", [.of(device)], limit: limit) }
    }

    public func observations(in scan: ScanID) async throws -> [DeviceObservation] {
        try await reader.perform { try Self.observations($0, where: "scan_id = ? ORDER BY device_id", [.of(scan)], limit: -1) }
    }

    public func assessment(of device: DeviceID) async throws -> ThreatAssessment? {
        let text = try await reader.perform {
            try $0.first("SELECT assessment FROM devices WHERE id = ?", [.of(device)]) { $0.optionalString(0) } ?? nil
        }
        return AssessmentJSON.assessment(in: text)
    }

    public func editDevice(_ id: DeviceID, _ edit: DeviceEdit) async throws -> Device {
        try await writer.perform { connection in
            try connection.transaction {
                func text(_ value: String?) -> SQLiteValue { value.map { $0.isEmpty ? .null : .text($0) } ?? .null }
                let changed = try connection.run(
                    """
                    UPDATE devices SET
                        label = CASE WHEN ?1 THEN ?2 ELSE label END,
                        notes = CASE WHEN ?3 THEN ?4 ELSE notes END,
                        zone = CASE WHEN ?5 THEN ?6 ELSE zone END,
                        is_trusted = coalesce(?7, is_trusted)
                    WHERE id = ?8
                    """,
                    [
                        .of(edit.label != nil), text(edit.label), .of(edit.notes != nil), text(edit.notes), .of(edit.zone != nil), text(edit.zone),
                        edit.isTrusted.map { .of($0) } ?? .null, .of(id),
                    ])
                guard changed == 1 else { throw StoreError.notFound("device \(id)") }
                return try connection.first("SELECT \(Self.deviceColumns) FROM devices WHERE id = ?", [.of(id)], Self.device)!
            }
        }
    }

    // MARK: Changes

    public func changes(_ query: ChangeQuery) async throws -> Page<ChangeRecord> {
        try await reader.perform { connection in
            var filter = SQLFilter()
            filter.add("scan_id = ?", query.scanID.map { scanID in .of(scanID) })
            filter.add("device_id = ?", query.deviceID.map { deviceID in .of(deviceID) })
            filter.add("kind = ?", query.kind.map { kind in .text(kind.rawValue) })
            filter.add("severity_rank >= ?", query.minimumSeverity.map { severity in .of(Severity.allCases.firstIndex(of: severity)!) })
            filter.add("acknowledged = ?", query.acknowledged.map { acknowledged in .of(acknowledged) })
            let total = try connection.first("SELECT count(*) FROM changes \(filter.clause)", filter.arguments) { $0.int(0) } ?? 0
            let items = try connection.query(
                "SELECT \(Self.changeColumns) FROM changes \(filter.clause) ORDER BY id DESC LIMIT ? OFFSET ?",
                filter.arguments + [.of(query.limit), .of(query.offset)], Self.changeRecord)
            return Page(items: items, total: total)
        }
    }

    static let changeColumns =
        "id, scan_id, device_id, kind, severity, ip, mac, port, protocol, old_value, new_value, description, detected_at, acknowledged"

    /// A stored change kind. Only this build's kinds are ever stored: a database a newer Argus
    /// wrote (which might hold others) is refused when it is opened (``StoreError/Code/newerSchema``).
    static func changeKind(_ text: String) -> ChangeKind {
        ChangeKind(rawValue: text) ?? .serviceChanged
    }

    static func changeRecord(_ row: SQLiteStatement) -> ChangeRecord {
        ChangeRecord(
            id: row.id(0), scanID: row.id(1), deviceID: row.optionalID(2), kind: changeKind(row.string(3)),
            severity: Severity(rawValue: row.string(4)) ?? .info, ip: row.optionalString(5), mac: row.optionalString(6), port: row.optionalInt(7),
            protocol: row.optionalString(8).flatMap(TransportProtocol.init), oldValue: row.optionalString(9), newValue: row.optionalString(10),
            description: row.string(11), detectedAt: row.date(12), acknowledged: row.bool(13))
    }

    public func changes(withIDs ids: [ChangeID]) async throws -> [ChangeRecord] {
        try await reader.perform { connection in
            try Set(ids).sorted { $0.rawValue < $1.rawValue }.compactMap { id in
                try connection.first("SELECT \(Self.changeColumns) FROM changes WHERE id = ?", [.of(id)], Self.changeRecord)
            }
        }
    }

    public func acknowledgeChanges(_ ids: [ChangeID], acknowledged: Bool) async throws -> Int {
        try await writer.perform { connection in
            try connection.transaction {
                var count = 0
                for id in Set(ids) {
                    count += try connection.run("UPDATE changes SET acknowledged = ? WHERE id = ?", [.of(acknowledged), .of(id)])
                }
                return count
            }
        }
    }

    // MARK: Lists as JSON text

    static func encodeList(_ list: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decodeList(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
