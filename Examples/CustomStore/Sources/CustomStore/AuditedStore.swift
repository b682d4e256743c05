//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation

/// A device store of one's own: it keeps the inventory in another store and writes a line to a
/// journal for every scan it records and every device edit, the kind of store a user writes to
/// mirror Argus's inventory somewhere else.
actor AuditedStore: DeviceStore {
    private let base: any DeviceStore
    /// What happened, one line per write.
    private(set) var journal: [String] = []

    init(wrapping base: any DeviceStore) {
        self.base = base
    }

    func createScan(_ scan: NewScan) async throws -> ScanRecord {
        let created = try await base.createScan(scan)
        journal.append("scan \(created.id) created: \(scan.targets.joined(separator: ", "))")
        return created
    }

    func markScan(_ id: ScanID, as status: ScanStatus, at date: Date, error: String?) async throws -> ScanRecord {
        try await base.markScan(id, as: status, at: date, error: error)
    }

    func record(_ scanID: ScanID, at date: Date, _ produce: @Sendable (any ScanRecorder) throws -> ScanOutcome) async throws -> RecordedScan {
        let recorded = try await base.record(scanID, at: date, produce)
        journal.append("scan \(scanID) recorded: \(recorded.deviceIDs.count) devices, \(recorded.changeIDs.count) changes")
        return recorded
    }

    func scan(_ id: ScanID) async throws -> ScanRecord? { try await base.scan(id) }
    func scans(_ query: ScanQuery) async throws -> Page<ScanRecord> { try await base.scans(query) }
    func markInterruptedScans(at date: Date) async throws -> [ScanID] { try await base.markInterruptedScans(at: date) }
    func pruneScans(finishedBefore date: Date?, keepingNewest keep: Int?) async throws -> Int {
        try await base.pruneScans(finishedBefore: date, keepingNewest: keep)
    }
    func devices(_ query: DeviceQuery) async throws -> Page<DeviceListing> { try await base.devices(query) }
    func inventory() async throws -> [Device] { try await base.inventory() }
    func deviceCounts() async throws -> DeviceCounts { try await base.deviceCounts() }
    func device(_ id: DeviceID) async throws -> Device? { try await base.device(id) }
    func device(address: String) async throws -> Device? { try await base.device(address: address) }
    func history(of device: DeviceID, limit: Int) async throws -> [DeviceObservation] { try await base.history(of: device, limit: limit) }
    func observations(in scan: ScanID) async throws -> [DeviceObservation] { try await base.observations(in: scan) }
    func assessment(of device: DeviceID) async throws -> ThreatAssessment? { try await base.assessment(of: device) }
    func latestObservations() async throws -> [DeviceObservation] { try await base.latestObservations() }
    func assessments(of devices: [DeviceID]) async throws -> [DeviceID: ThreatAssessment] { try await base.assessments(of: devices) }

    func editDevice(_ id: DeviceID, _ edit: DeviceEdit) async throws -> Device {
        let device = try await base.editDevice(id, edit)
        journal.append("device \(id) edited")
        return device
    }

    func changes(_ query: ChangeQuery) async throws -> Page<ChangeRecord> { try await base.changes(query) }
    func changes(withIDs ids: [ChangeID]) async throws -> [ChangeRecord] { try await base.changes(withIDs: ids) }
    func acknowledgeChanges(_ ids: [ChangeID], acknowledged: Bool) async throws -> Int {
        try await base.acknowledgeChanges(ids, acknowledged: acknowledged)
    }
}
