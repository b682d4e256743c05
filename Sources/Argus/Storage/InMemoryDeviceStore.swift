//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A ``DeviceStore`` that keeps everything in memory: for tests, for embedding Argus without a
/// database, and as the reference the SQLite store is checked against.
public actor InMemoryDeviceStore: DeviceStore {
    private var scanRecords: [ScanID: ScanRecord] = [:]
    private var deviceRecords: [DeviceID: Device] = [:]
    private var observationsByScan: [ScanID: [DeviceObservation]] = [:]
    private var historyByDevice: [DeviceID: [DeviceObservation]] = [:]
    private var assessments: [DeviceID: String] = [:]
    private var sessions: [String: LoginSession] = [:]
    private var importedVulnerabilities: [String: (vulnerability: Vulnerability, products: Set<SoftwareProduct>)] = [:]
    private var changeRecords: [ChangeRecord] = []
    private var userRecords: [UserID: User] = [:]
    private var keyRecords: [APIKeyID: APIKey] = [:]
    private var auditLog: [AuditEntry] = []
    private var outbox: [OutboxMessage] = []
    private var settingValues: [String: String] = [:]
    private var scheduleRecords: [ScheduleID: Schedule] = [:]
    private var nextID: Int64 = 1

    /// Creates an empty store.
    public init() {}

    private func makeID<T>() -> Identifier<T> {
        defer { nextID += 1 }
        return Identifier(nextID)
    }

    // MARK: Scans

    public func createScan(_ scan: NewScan) throws -> ScanRecord {
        let record = ScanRecord(id: makeID(), status: scan.status, kind: scan.kind, profile: scan.profile, targets: scan.targets, createdAt: scan.createdAt, startedAt: scan.status == .running ? scan.createdAt : nil)
        scanRecords[record.id] = record
        return record
    }

    public func markScan(_ id: ScanID, as status: ScanStatus, at date: Date, error: String?) throws -> ScanRecord {
        guard var record = scanRecords[id] else { throw StoreError.notFound("scan \(id)") }
        guard !record.status.isFinal else {
            throw StoreError(.invalidArgument, "scan \(id) is already \(record.status.rawValue)")
        }
        record.status = status
        if status == .running, record.startedAt == nil { record.startedAt = date }
        if status.isFinal {
            record.finishedAt = date
            record.errorMessage = error
        }
        scanRecords[id] = record
        return record
    }

    public func record(_ scanID: ScanID, at date: Date, _ produce: @Sendable (any ScanRecorder) throws -> ScanOutcome) throws -> RecordedScan {
        guard var scan = scanRecords[scanID] else { throw StoreError.notFound("scan \(scanID)") }
        guard !scan.status.isFinal else {
            throw StoreError(.invalidArgument, "scan \(scan.id) is already \(scan.status.rawValue); a scan is recorded once")
        }
        // Everything is staged on copies and applied only when the producer succeeds.
        let recorder = InMemoryScanRecorder(scanID: scanID, date: date, devices: deviceRecords, outbox: outbox, nextID: nextID)
        let outcome = try produce(recorder)
        guard outcome.status.isFinal else {
            throw StoreError(.invalidArgument, "a scan result must end the scan (completed, failed or cancelled), not \(outcome.status.rawValue)")
        }
        deviceRecords = recorder.devices
        outbox = recorder.outbox
        nextID = recorder.nextID
        observationsByScan[scanID] = recorder.observations
        for observation in recorder.observations {
            historyByDevice[observation.deviceID, default: []].append(observation)
        }
        assessments.merge(recorder.assessments) { $1 }
        changeRecords += recorder.changes

        scan.status = outcome.status
        scan.startedAt = outcome.startedAt ?? scan.startedAt
        scan.finishedAt = outcome.finishedAt ?? date
        scan.nmapVersion = outcome.nmapVersion
        scan.nmapArguments = outcome.nmapArguments
        scan.hostsUp = outcome.hostsUp
        scan.hostsDown = outcome.hostsDown
        scan.devicesFound = recorder.ids.count
        scan.openPorts = recorder.openPorts
        scan.errorMessage = outcome.errorMessage
        scan.coverage = outcome.coverage
        scanRecords[scanID] = scan
        return RecordedScan(scan: scan, deviceIDs: recorder.ids, newDevices: recorder.newDevices, changeIDs: recorder.changes.map(\.id))
    }

    public func scan(_ id: ScanID) -> ScanRecord? { scanRecords[id] }

    public func scans(_ query: ScanQuery) -> Page<ScanRecord> {
        let matching = scanRecords.values
            .filter { query.status == nil || $0.status == query.status }
            .filter { query.kind == nil || $0.kind == query.kind }
            .sorted { $0.id > $1.id }
        return Page(items: Array(matching.dropFirst(query.offset).prefix(query.limit)), total: matching.count)
    }

    public func markInterruptedScans(at date: Date) -> [ScanID] {
        let open = scanRecords.values.filter { !$0.status.isFinal }.map(\.id).sorted()
        for id in open {
            scanRecords[id]?.status = .interrupted
            scanRecords[id]?.finishedAt = date
            scanRecords[id]?.errorMessage = "Argus stopped while the scan ran"
        }
        return open
    }

    public func deviceCounts() -> DeviceCounts {
        let devices = deviceRecords.values
        return DeviceCounts(total: devices.count, online: devices.count(where: \.isOnline), byRisk: Dictionary(grouping: devices, by: \.riskLevel).mapValues(\.count))
    }

    public func pruneScans(finishedBefore date: Date?, keepingNewest keep: Int?) -> Int {
        let newest = keep.map { Set(scanRecords.keys.sorted(by: >).prefix($0)) }
        let protected = Set(deviceRecords.values.compactMap(\.lastScanID))
        let doomed = Set(scanRecords.values.filter { scan in
            guard scan.status.isFinal, !protected.contains(scan.id) else { return false }
            let old = date.map { (scan.finishedAt ?? scan.createdAt) < $0 } ?? false
            let beyond = newest.map { !$0.contains(scan.id) } ?? false
            return old || beyond
        }.map(\.id))
        for id in doomed {
            scanRecords[id] = nil
            observationsByScan[id] = nil
        }
        for device in historyByDevice.keys { historyByDevice[device]?.removeAll { doomed.contains($0.scanID) } }
        changeRecords.removeAll { doomed.contains($0.scanID) }
        return doomed.count
    }

    // MARK: Devices

    public func devices(_ query: DeviceQuery) -> Page<DeviceListing> {
        let seenBy: Set<DeviceID>? = query.scanID.map { Set((observationsByScan[$0] ?? []).map(\.deviceID)) }
        let needle = query.search?.lowercased()
        var matching = deviceRecords.values.filter { device in
            if let seenBy, !seenBy.contains(device.id) { return false }
            if let level = query.riskLevel, device.riskLevel != level { return false }
            if let trusted = query.isTrusted, device.isTrusted != trusted { return false }
            if let zone = query.zone, device.zone != zone { return false }
            if let type = query.deviceType, device.deviceType != type { return false }
            if let online = query.isOnline, device.isOnline != online { return false }
            if let needle, !needle.isEmpty {
                let fields = [device.ip, device.mac, device.hostname, device.vendor, device.label].compactMap { $0?.lowercased() }
                if !fields.contains(where: { $0.contains(needle) }) { return false }
            }
            return true
        }
        matching.sort { lhs, rhs in
            let ordered: Bool
            switch query.sort {
            case .ip:
                let (left, right) = (Addresses.sortKey(ip: lhs.ip), Addresses.sortKey(ip: rhs.ip))
                if left != right { return query.descending ? right.lexicographicallyPrecedes(left) : left.lexicographicallyPrecedes(right) }
                return lhs.id < rhs.id
            case .hostname:
                if lhs.hostname == rhs.hostname { return lhs.id < rhs.id }
                ordered = (lhs.hostname ?? "") < (rhs.hostname ?? "")
            case .lastSeen:
                if lhs.lastSeen == rhs.lastSeen { return lhs.id < rhs.id }
                ordered = lhs.lastSeen < rhs.lastSeen
            case .firstSeen:
                if lhs.firstSeen == rhs.firstSeen { return lhs.id < rhs.id }
                ordered = lhs.firstSeen < rhs.firstSeen
            case .risk:
                if lhs.riskLevel == rhs.riskLevel && lhs.riskScore == rhs.riskScore { return lhs.id < rhs.id }
                ordered = lhs.riskLevel == rhs.riskLevel ? lhs.riskScore < rhs.riskScore : lhs.riskLevel < rhs.riskLevel
            }
            return query.descending ? !ordered : ordered
        }
        let page = matching.dropFirst(query.offset).prefix(query.limit).map { device in
            DeviceListing(device: device, openPorts: historyByDevice[device.id]?.last { $0.scanID == device.lastScanID }?.ports.count { $0.state == .open } ?? 0)
        }
        return Page(items: Array(page), total: matching.count)
    }

    public func inventory() -> [Device] {
        deviceRecords.values.sorted { $0.id < $1.id }
    }

    public func device(_ id: DeviceID) -> Device? { deviceRecords[id] }

    public func device(address: String) -> Device? {
        if let mac = Addresses.normalizedMAC(address) {
            return deviceRecords.values.filter { $0.mac == mac }.max { $0.lastSeen < $1.lastSeen }
        }
        return deviceRecords.values.filter { $0.ip == address }.max { ($0.lastSeen, $0.id) < ($1.lastSeen, $1.id) }
    }

    public func history(of device: DeviceID, limit: Int) -> [DeviceObservation] {
        Array((historyByDevice[device] ?? []).reversed().prefix(limit))
    }

    public func observations(in scan: ScanID) -> [DeviceObservation] {
        observationsByScan[scan] ?? []
    }

    public func assessment(of device: DeviceID) -> String? { assessments[device] }

    public func latestObservations() -> [DeviceObservation] {
        deviceRecords.values.sorted { $0.id < $1.id }.compactMap { device in
            device.lastScanID.flatMap { scan in historyByDevice[device.id]?.last { $0.scanID == scan } }
        }
    }

    public func assessments(of devices: [DeviceID]) -> [DeviceID: String] {
        var found: [DeviceID: String] = [:]
        for id in devices { found[id] = assessments[id] }
        return found
    }

    public func editDevice(_ id: DeviceID, _ edit: DeviceEdit) throws -> Device {
        guard var device = deviceRecords[id] else { throw StoreError.notFound("device \(id)") }
        if let label = edit.label { device.label = label.isEmpty ? nil : label }
        if let notes = edit.notes { device.notes = notes.isEmpty ? nil : notes }
        if let zone = edit.zone { device.zone = zone.isEmpty ? nil : zone }
        if let trusted = edit.isTrusted { device.isTrusted = trusted }
        deviceRecords[id] = device
        return device
    }

    // MARK: Changes

    public func changes(_ query: ChangeQuery) -> Page<ChangeRecord> {
        let matching = changeRecords.reversed().filter { change in
            (query.scanID == nil || change.scanID == query.scanID)
                && (query.deviceID == nil || change.deviceID == query.deviceID)
                && (query.kind == nil || change.kind == query.kind)
                && (query.minimumSeverity.map { change.severity >= $0 } ?? true)
                && (query.acknowledged == nil || change.acknowledged == query.acknowledged)
        }
        return Page(items: Array(matching.dropFirst(query.offset).prefix(query.limit)), total: matching.count)
    }

    public func changes(withIDs ids: [ChangeID]) -> [ChangeRecord] {
        let wanted = Set(ids)
        return changeRecords.filter { wanted.contains($0.id) }
    }

    public func acknowledgeChanges(_ ids: [ChangeID], acknowledged: Bool) -> Int {
        let wanted = Set(ids)
        var count = 0
        for index in changeRecords.indices where wanted.contains(changeRecords[index].id) {
            changeRecords[index].acknowledged = acknowledged
            count += 1
        }
        return count
    }

    // MARK: Users and API keys

    public func createUser(username: String, passwordHash: String, at date: Date) throws -> User {
        guard !userRecords.values.contains(where: { $0.username == username }) else {
            throw StoreError(.duplicate, "a user named \(username) already exists")
        }
        let user = User(id: makeID(), username: username, passwordHash: passwordHash, createdAt: date)
        userRecords[user.id] = user
        return user
    }

    public func user(named username: String) -> User? { userRecords.values.first { $0.username == username } }
    public func user(_ id: UserID) -> User? { userRecords[id] }
    public func userCount() -> Int { userRecords.count }

    public func setPasswordHash(_ hash: String, for user: UserID) throws {
        guard userRecords[user] != nil else { throw StoreError.notFound("user \(user)") }
        userRecords[user]?.passwordHash = hash
    }

    public func recordLogin(of user: UserID, at date: Date) throws {
        guard userRecords[user] != nil else { throw StoreError.notFound("user \(user)") }
        userRecords[user]?.lastLoginAt = date
    }

    public func createAPIKey(userID: UserID, name: String, prefix: String, keyHash: String, expiresAt: Date?, at date: Date) throws -> APIKey {
        guard userRecords[userID] != nil else { throw StoreError.notFound("user \(userID)") }
        guard !keyRecords.values.contains(where: { $0.keyHash == keyHash }) else { throw StoreError(.duplicate, "an API key with this hash exists") }
        let key = APIKey(id: makeID(), userID: userID, name: name, prefix: prefix, keyHash: keyHash, createdAt: date, expiresAt: expiresAt)
        keyRecords[key.id] = key
        return key
    }

    public func apiKey(hash: String) -> APIKey? { keyRecords.values.first { $0.keyHash == hash } }

    public func apiKeys(of user: UserID?) -> [APIKey] {
        keyRecords.values.filter { user == nil || $0.userID == user }.sorted { $0.id < $1.id }
    }

    public func revokeAPIKey(_ id: APIKeyID, at date: Date) -> Bool {
        guard keyRecords[id] != nil else { return false }
        if keyRecords[id]?.revokedAt == nil { keyRecords[id]?.revokedAt = date }
        return true
    }

    public func recordUse(of key: APIKeyID, at date: Date) {
        keyRecords[key]?.lastUsedAt = date
    }

    public func users() -> [User] { userRecords.values.sorted { $0.id < $1.id } }

    public func createFirstUser(username: String, passwordHash: String, at date: Date) throws -> User? {
        guard userRecords.isEmpty else { return nil }
        return try createUser(username: username, passwordHash: passwordHash, at: date)
    }

    // MARK: Sessions

    public func createSession(_ session: LoginSession) { sessions[session.idHash] = session }
    public func session(idHash: String) -> LoginSession? { sessions[idHash] }
    public func touchSession(idHash: String, at date: Date) { sessions[idHash]?.lastSeenAt = date }
    public func deleteSession(idHash: String) { sessions[idHash] = nil }

    public func deleteSessions(of user: UserID) -> Int {
        let ended = sessions.values.filter { $0.userID == user }.map(\.idHash)
        for hash in ended { sessions[hash] = nil }
        return ended.count
    }

    public func deleteExpiredSessions(at date: Date) -> Int {
        let ended = sessions.values.filter { !$0.isValid(at: date) }.map(\.idHash)
        for hash in ended { sessions[hash] = nil }
        return ended.count
    }

    // MARK: Audit log

    public func appendAudit(_ entry: AuditEntry) -> AuditEntry {
        var stored = entry
        stored.id = nextID
        nextID += 1
        auditLog.append(stored)
        return stored
    }

    public func auditEntries(action: String?, limit: Int, offset: Int) -> Page<AuditEntry> {
        let matching = auditLog.reversed().filter { action == nil || $0.action == action }
        return Page(items: Array(matching.dropFirst(offset).prefix(limit)), total: matching.count)
    }

    // MARK: Alert outbox

    @discardableResult
    private func enqueueMessages(_ messages: [NewOutboxMessage], at date: Date) -> [OutboxMessage] {
        var id = nextID
        defer { nextID = id }
        return Self.enqueue(messages, at: date, into: &outbox, nextID: &id)
    }

    static func enqueue(_ messages: [NewOutboxMessage], at date: Date, into outbox: inout [OutboxMessage], nextID: inout Int64) -> [OutboxMessage] {
        var queued: [OutboxMessage] = []
        for message in messages {
            if let existing = outbox.first(where: { $0.sink == message.sink && $0.idempotencyKey == message.idempotencyKey }) {
                queued.append(existing)
                continue
            }
            let stored = OutboxMessage(id: OutboxID(nextID), sink: message.sink, idempotencyKey: message.idempotencyKey, payload: message.payload, createdAt: date, nextAttemptAt: max(date, message.notBefore ?? date), subject: message.subject)
            nextID += 1
            outbox.append(stored)
            queued.append(stored)
        }
        return queued
    }

    public func enqueue(_ messages: [NewOutboxMessage], at date: Date) -> [OutboxMessage] {
        enqueueMessages(messages, at: date)
    }

    public func dueMessages(at date: Date, limit: Int) -> [OutboxMessage] {
        Array(outbox.filter { $0.deliveredAt == nil && $0.nextAttemptAt <= date }.sorted { ($0.nextAttemptAt, $0.id.rawValue) < ($1.nextAttemptAt, $1.id.rawValue) }.prefix(limit))
    }

    public func dueMessages(to sink: String, at date: Date, limit: Int) -> [OutboxMessage] {
        Array(dueMessages(at: date, limit: Int.max).filter { $0.sink == sink }.prefix(limit))
    }

    public func pendingMessageCount() -> Int { outbox.count { $0.deliveredAt == nil } }

    public func markDelivered(_ ids: [OutboxID], at date: Date) throws {
        let indices = try ids.map { id in
            guard let index = outbox.firstIndex(where: { $0.id == id }) else { throw StoreError.notFound("outbox message \(id)") }
            return index
        }
        for index in indices {
            outbox[index].deliveredAt = date
            outbox[index].suppressedReason = nil
            outbox[index].attempts += 1
        }
    }

    public func markSuppressed(_ id: OutboxID, reason: String, at date: Date) throws {
        guard let index = outbox.firstIndex(where: { $0.id == id }) else { throw StoreError.notFound("outbox message \(id)") }
        guard outbox[index].deliveredAt == nil else { return }
        outbox[index].deliveredAt = date
        outbox[index].suppressedReason = reason
    }

    public func suppressPendingMessages(idempotencyKeys: [String], reason: String, at date: Date) -> Int {
        let keys = Set(idempotencyKeys)
        var count = 0
        for index in outbox.indices where outbox[index].deliveredAt == nil && keys.contains(outbox[index].idempotencyKey) {
            outbox[index].deliveredAt = date
            outbox[index].suppressedReason = reason
            count += 1
        }
        return count
    }

    public func postpone(_ id: OutboxID, until date: Date) throws {
        guard let index = outbox.firstIndex(where: { $0.id == id }) else { throw StoreError.notFound("outbox message \(id)") }
        guard outbox[index].deliveredAt == nil else { return }
        outbox[index].nextAttemptAt = date
    }

    public func messages(to sink: String, about subject: String) -> [OutboxMessage] {
        outbox.filter { $0.sink == sink && $0.subject == subject }
    }

    public func pruneSettledMessages(queuedBefore date: Date) -> Int {
        var newest: [String: Int64] = [:]
        for message in outbox {
            guard let subject = message.subject else { continue }
            newest["\(message.sink)\u{0}\(subject)"] = max(newest["\(message.sink)\u{0}\(subject)"] ?? 0, message.id.rawValue)
        }
        let before = outbox.count
        outbox.removeAll { message in
            message.deliveredAt != nil && message.createdAt < date && message.subject.map { newest["\(message.sink)\u{0}\($0)"] != message.id.rawValue } ?? true
        }
        return before - outbox.count
    }

    public func recentMessages(limit: Int) -> [OutboxMessage] {
        Array(outbox.reversed().prefix(limit))
    }

    public func markAttemptFailed(_ id: OutboxID, error: String, retryAt: Date) throws {
        guard let index = outbox.firstIndex(where: { $0.id == id }) else { throw StoreError.notFound("outbox message \(id)") }
        outbox[index].attempts += 1
        outbox[index].lastError = error
        outbox[index].nextAttemptAt = retryAt
    }

    // MARK: Vulnerabilities

    public func saveVulnerabilities(_ vulnerabilities: [Vulnerability], canonicalizedBy catalog: VulnerabilityCatalog) -> Int {
        for vulnerability in vulnerabilities {
            importedVulnerabilities[vulnerability.id] = (vulnerability, Set(vulnerability.affects.map { catalog.canonical($0.software) }))
        }
        return vulnerabilities.count
    }

    public func vulnerabilities(affecting products: Set<SoftwareProduct>) -> [Vulnerability] {
        importedVulnerabilities.values.filter { !$0.products.isDisjoint(with: products) }.map(\.vulnerability).sorted { $0.id < $1.id }
    }

    public func vulnerabilityCount() -> Int { importedVulnerabilities.count }

    // MARK: Settings and schedules

    public func setting(_ key: String) -> String? { settingValues[key] }
    public func setSetting(_ key: String, to value: String?) { settingValues[key] = value }
    public func settings() -> [String: String] { settingValues }

    public func createSchedule(_ schedule: Schedule) -> Schedule {
        var stored = schedule
        stored.id = makeID()
        scheduleRecords[stored.id] = stored
        return stored
    }

    public func updateSchedule(_ schedule: Schedule) throws {
        guard scheduleRecords[schedule.id] != nil else { throw StoreError.notFound("schedule \(schedule.id)") }
        scheduleRecords[schedule.id] = schedule
    }

    public func deleteSchedule(_ id: ScheduleID) -> Bool {
        scheduleRecords.removeValue(forKey: id) != nil
    }

    public func schedules() -> [Schedule] { scheduleRecords.values.sorted { $0.id < $1.id } }
}

/// Stages one scan's result for ``InMemoryDeviceStore`` on copies of its state.
final class InMemoryScanRecorder: ScanRecorder {
    let scanID: ScanID
    let date: Date
    var devices: [DeviceID: Device]
    var outbox: [OutboxMessage]
    var nextID: Int64
    var ids: [DeviceID] = []
    var newDevices = 0
    var openPorts = 0
    var observations: [DeviceObservation] = []
    var assessments: [DeviceID: String] = [:]
    var changes: [ChangeRecord] = []

    init(scanID: ScanID, date: Date, devices: [DeviceID: Device], outbox: [OutboxMessage], nextID: Int64) {
        self.scanID = scanID
        self.date = date
        self.devices = devices
        self.outbox = outbox
        self.nextID = nextID
    }

    private func makeID<T>() -> Identifier<T> {
        defer { nextID += 1 }
        return Identifier(nextID)
    }

    func add(_ update: DeviceUpdate) throws -> DeviceID {
        let id: DeviceID
        var device: Device
        let seen = update.seenAt ?? date
        if let known = update.deviceID {
            guard let existing = devices[known] else { throw StoreError.notFound("device \(known)") }
            id = known
            device = existing
            guard !ScanPipeline.isOlder(seen, than: existing.lastSeen) else {
                // An older sighting (an import of an earlier file): history only.
                observations.append(DeviceObservation(update, scanID: scanID, deviceID: id, observedAt: seen))
                openPorts += update.ports.count { $0.state == .open && $0.confirmedAt == nil }
                ids.append(id)
                return id
            }
            device.timesSeen += 1
            device.lastSeen = seen
        } else {
            id = makeID()
            newDevices += 1
            device = Device(id: id, ip: update.ip, firstSeen: seen, lastSeen: seen)
        }
        device.ip = update.ip
        device.mac = update.mac ?? device.mac
        device.hostname = update.hostname ?? device.hostname
        device.vendor = update.vendor ?? device.vendor
        device.deviceType = update.deviceType
        if update.osName != nil {
            device.osName = update.osName
            device.osAccuracy = update.osAccuracy
        }
        device.lastScanID = scanID
        device.isOnline = true
        device.riskLevel = update.riskLevel
        device.riskScore = update.riskScore
        devices[id] = device
        if let assessment = update.assessment { assessments[id] = assessment }
        observations.append(DeviceObservation(update, scanID: scanID, deviceID: id, observedAt: seen))
        openPorts += update.ports.count { $0.state == .open && $0.confirmedAt == nil }
        ids.append(id)
        return id
    }

    func markOffline(_ offline: [DeviceID]) throws {
        for id in offline {
            guard devices[id] != nil else { throw StoreError.notFound("device \(id)") }
            devices[id]?.isOnline = false
        }
    }

    func add(_ change: NewChange) throws -> ChangeID {
        let deviceID = try change.device?.resolve(added: ids) { devices[$0] != nil }
        let record = ChangeRecord(id: makeID(), scanID: scanID, deviceID: deviceID, kind: change.kind, severity: change.severity, ip: change.ip, mac: change.mac, port: change.port, protocol: change.protocol, oldValue: change.oldValue, newValue: change.newValue, description: change.description, detectedAt: date)
        changes.append(record)
        return record.id
    }

    func enqueue(_ messages: [NewOutboxMessage]) throws {
        _ = InMemoryDeviceStore.enqueue(messages, at: date, into: &outbox, nextID: &nextID)
    }
}
