//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Where Argus remembers scans, devices, their observations and changes: the inventory.
///
/// A store also plays other roles, each a protocol of its own: ``AlertOutbox`` (alerts waiting
/// for delivery), ``VulnerabilityStore`` (imported CVEs) and ``SettingsStore`` (run-time settings
/// and schedules); ``ArgusStore`` names all four, which ``Monitor`` needs. Accounts (users, API
/// keys, sessions, the audit log) are `AccountStore`, in the `ArgusAccounts` module.
///
/// ``InMemoryDeviceStore`` ships with Argus; `SQLiteDeviceStore` (module `ArgusSQLite`) is the
/// default on disk. A store is shared by the scanner, the server and the CLI, so every method
/// is `async` and a store must be safe to call from many tasks at once.
///
/// ```swift
/// let store: any DeviceStore = InMemoryDeviceStore()
/// let scan = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: ["192.0.2.0/24"]))
/// try await store.markScan(scan.id, as: .running)
/// let recorded = try await store.record(ScanResult(scanID: scan.id, devices: updates))
/// let page = try await store.devices(DeviceQuery(sort: .risk, descending: true))
/// ```
///
/// ## Implementation requirements
///
/// - ``record(_:at:_:)`` is atomic: the scan's devices, observations, changes and outbox
///   messages are all stored, or none are, and the scan becomes final in the same step. A scan
///   is recorded at most once.
/// - A device's owner fields (label, notes, trusted, zone) are changed only by
///   ``editDevice(_:_:)``, never by recording a scan.
/// - A sighting a second or more older than a device's ``Device/lastSeen``
///   (``DeviceUpdate/seenAt``, an import of an earlier file; see ``ScanPipeline/isOlder(_:than:)``)
///   is kept in the device's history only: it never overwrites newer facts.
/// - A recorded scan keeps its ``ScanOutcome/coverage`` (``ScanRecord/coverage``), and a
///   port's ``ObservedPort/confirmedAt``.
/// - ``markInterruptedScans(at:)`` turns every scan still queued or running into
///   ``ScanStatus/interrupted`` (a server calls it at start-up, when it knows no scan of its own
///   runs). A store that outlives its process also marks, when it opens, the scans whose
///   process no longer runs.
/// - Readers are never blocked for the length of a long ``record(_:)``.
/// - Errors are ``StoreError``s.
///
/// Every store runs the shared contract suite, `DeviceStoreContract` in the `ArgusTesting`
/// module, from its own tests.
public protocol DeviceStore: Sendable {
    // MARK: Scans

    /// Starts recording a scan.
    func createScan(_ scan: NewScan) async throws -> ScanRecord
    /// Moves a scan that is not final to another state: `running` sets its start time, a final
    /// state its end time and error. Use ``record(_:)`` to complete a scan with its results.
    @discardableResult
    func markScan(_ id: ScanID, as status: ScanStatus, at date: Date, error: String?) async throws -> ScanRecord
    /// Stores a scan's result in one transaction, as `produce` adds it.
    ///
    /// `produce` runs inside the transaction and adds each device through the recorder as it
    /// reads it, so memory does not grow with the scan; it returns how the scan ended. When it
    /// throws, nothing is kept and the error is rethrown. For a result already in memory use
    /// ``record(_:)``.
    /// - Parameters:
    ///   - scanID: A scan that is not final.
    ///   - date: When the scan saw the devices (their last-seen time).
    ///   - produce: Adds devices, changes and alerts; runs once, synchronously.
    @discardableResult
    func record(_ scanID: ScanID, at date: Date, _ produce: @Sendable (any ScanRecorder) throws -> ScanOutcome) async throws -> RecordedScan
    /// A scan by id.
    func scan(_ id: ScanID) async throws -> ScanRecord?
    /// Scans, newest first.
    func scans(_ query: ScanQuery) async throws -> Page<ScanRecord>
    /// Marks every queued or running scan interrupted; returns their ids.
    @discardableResult
    func markInterruptedScans(at date: Date) async throws -> [ScanID]
    /// Deletes finished scans that ended before `date`, or that are beyond the newest `keep`,
    /// with their observations and changes. Devices stay, and so does every device's latest
    /// observation: a scan that holds one is kept. `nil` disables a limit.
    /// - Returns: How many scans were deleted.
    @discardableResult
    func pruneScans(finishedBefore date: Date?, keepingNewest keep: Int?) async throws -> Int

    // MARK: Devices

    /// Devices matching a query.
    func devices(_ query: DeviceQuery) async throws -> Page<DeviceListing>
    /// Every known device: the inventory that a new scan is merged into.
    func inventory() async throws -> [Device]
    /// How many devices there are, online, and at each risk level: one pass, for dashboards.
    func deviceCounts() async throws -> DeviceCounts
    /// A device by id.
    func device(_ id: DeviceID) async throws -> Device?
    /// The device last seen at an IP address, or with a MAC address (any case, `:` or `-`).
    func device(address: String) async throws -> Device?
    /// What scans saw of a device, newest first.
    func history(of device: DeviceID, limit: Int) async throws -> [DeviceObservation]
    /// What one scan saw of each device.
    func observations(in scan: ScanID) async throws -> [DeviceObservation]
    /// The latest threat assessment of a device (`nil` also for one stored in a form this
    /// version cannot read).
    func assessment(of device: DeviceID) async throws -> ThreatAssessment?
    /// Every device's last known state: the observation of its latest scan (``Device/lastScanID``),
    /// with the ports that scan saw or carried over. Read once per scan, in one batch: it is the
    /// baseline that change detection compares a scan with.
    func latestObservations() async throws -> [DeviceObservation]
    /// The latest threat assessments of these devices, in one batch (devices without one, or
    /// with one this version cannot read, are left out).
    func assessments(of devices: [DeviceID]) async throws -> [DeviceID: ThreatAssessment]
    /// Changes a device's owner fields.
    @discardableResult
    func editDevice(_ id: DeviceID, _ edit: DeviceEdit) async throws -> Device

    // MARK: Changes

    /// Changes matching a query, newest first.
    func changes(_ query: ChangeQuery) async throws -> Page<ChangeRecord>
    /// The changes with these ids (unknown ids are left out), in id order.
    func changes(withIDs ids: [ChangeID]) async throws -> [ChangeRecord]
    /// Sets the acknowledged flag of changes; returns how many exist.
    @discardableResult
    func acknowledgeChanges(_ ids: [ChangeID], acknowledged: Bool) async throws -> Int
}

extension DeviceStore {
    /// Moves a scan to another state now, without an error message.
    @discardableResult
    public func markScan(_ id: ScanID, as status: ScanStatus) async throws -> ScanRecord {
        try await markScan(id, as: status, at: Date(), error: nil)
    }
}
