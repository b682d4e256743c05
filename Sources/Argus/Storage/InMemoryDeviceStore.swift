//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A store that keeps everything in memory, in every role of ``ArgusStore`` (the inventory, the
/// alert outbox, imported vulnerabilities, settings): for tests, for embedding Argus without a
/// database, and as the reference the SQLite store is checked against. Each role but the
/// inventory is an extension in a file of its own.
public actor InMemoryDeviceStore: DeviceStore {
    private var scanRecords: [ScanID: ScanRecord] = [:]
    private var deviceRecords: [DeviceID: Device] = [:]
    private var observationsByScan: [ScanID: [DeviceObservation]] = [:]
    private var historyByDevice: [DeviceID: [DeviceObservation]] = [:]
    private var assessments: [DeviceID: ThreatAssessment] = [:]
    var importedVulnerabilities: [String: (vulnerability: Vulnerability, products: Set<SoftwareProduct>)] = [:]
    private var changeRecords: [ChangeRecord] = []
    var outbox: [OutboxMessage] = []
    var settingValues: [String: String] = [:]
    var scheduleRecords: [ScheduleID: Schedule] = [:]
    var nextID: Int64 = 1

    /// Creates an empty store.
    public init() {}

    func makeID<T>() -> Identifier<T> {
        defer { nextID += 1 }
        return Identifier(nextID)
    }

    // MARK: Scans

    public func createScan(_ scan: NewScan) throws -> ScanRecord {
        let record = ScanRecord(
            id: makeID(), status: scan.status, kind: scan.kind, profile: scan.profile, targets: scan.targets, createdAt: scan.createdAt,
            startedAt: scan.status == .running ? scan.createdAt : nil)
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
        return DeviceCounts(
            total: devices.count, online: devices.count(where: \.isOnline), byRisk: Dictionary(grouping: devices, by: \.riskLevel).mapValues(\.count))
    }

    public func pruneScans(finishedBefore date: Date?, keepingNewest keep: Int?) -> Int {
        let newest = keep.map { Set(scanRecords.keys.sorted(by: >).prefix($0)) }
        let protected = Set(deviceRecords.values.compactMap(\.lastScanID))
        let doomed = Set(
            scanRecords.values.filter { scan in
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
            DeviceListing(
                device: device, openPorts: historyByDevice[device.id]?.last { $0.scanID == device.lastScanID }?.ports.count { $0.state == .open } ?? 0
            )
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

    public func assessment(of device: DeviceID) -> ThreatAssessment? { assessments[device] }

    public func latestObservations() -> [DeviceObservation] {
        deviceRecords.values.sorted { $0.id < $1.id }.compactMap { device in
            device.lastScanID.flatMap { scan in historyByDevice[device.id]?.last { $0.scanID == scan } }
        }
    }

    public func assessments(of devices: [DeviceID]) -> [DeviceID: ThreatAssessment] {
        var found: [DeviceID: ThreatAssessment] = [:]
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
    var assessments: [DeviceID: ThreatAssessment] = [:]
    var changes: [ChangeRecord] = []

    init(scanID: ScanID, date: Date, devices: [DeviceID: Device], outbox: [OutboxMessage], nextID: Int64) {
        self.scanID = scanID
        self.date = date
        self.devices = devices
        self.outbox = outbox
        self.nextID = nextID
    }

    func makeID<T>() -> Identifier<T> {
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
        let record = ChangeRecord(
            id: makeID(), scanID: scanID, deviceID: deviceID, kind: change.kind, severity: change.severity, ip: change.ip, mac: change.mac,
            port: change.port, protocol: change.protocol, oldValue: change.oldValue, newValue: change.newValue, description: change.description,
            detectedAt: date)
        changes.append(record)
        return record.id
    }

    func enqueue(_ messages: [NewOutboxMessage]) throws {
        _ = InMemoryDeviceStore.enqueue(messages, at: date, into: &outbox, nextID: &nextID)
    }
}
