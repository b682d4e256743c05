//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Where Argus remembers scans, devices, changes, accounts, the audit log, queued alerts,
/// settings and schedules.
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
/// Every store runs the shared contract suite in `Tests/ArgusSQLiteTests/DeviceStoreContractTests.swift`.
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
    /// The latest threat assessment of a device, as JSON text.
    func assessment(of device: DeviceID) async throws -> String?
    /// Every device's last known state: the observation of its latest scan (``Device/lastScanID``),
    /// with the ports that scan saw or carried over. Read once per scan, in one batch: it is the
    /// baseline that change detection compares a scan with.
    func latestObservations() async throws -> [DeviceObservation]
    /// The latest threat assessments of these devices, as JSON text, in one batch (devices
    /// without one are left out).
    func assessments(of devices: [DeviceID]) async throws -> [DeviceID: String]
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

    // MARK: Users and API keys

    /// Creates a user; the name must be free.
    func createUser(username: String, passwordHash: String, at date: Date) async throws -> User
    /// A user by name.
    func user(named username: String) async throws -> User?
    /// A user by id.
    func user(_ id: UserID) async throws -> User?
    /// How many users exist.
    func userCount() async throws -> Int
    /// Replaces a user's password hash.
    func setPasswordHash(_ hash: String, for user: UserID) async throws
    /// Records a successful sign-in.
    func recordLogin(of user: UserID, at date: Date) async throws
    /// Stores a new API key's hash.
    func createAPIKey(userID: UserID, name: String, prefix: String, keyHash: String, expiresAt: Date?, at date: Date) async throws -> APIKey
    /// The key with this SHA-256 hash (hex), revoked or not.
    func apiKey(hash: String) async throws -> APIKey?
    /// Keys, of one user or all.
    func apiKeys(of user: UserID?) async throws -> [APIKey]
    /// Revokes a key; false when there is no such key.
    @discardableResult
    func revokeAPIKey(_ id: APIKeyID, at date: Date) async throws -> Bool
    /// Records a key's use.
    func recordUse(of key: APIKeyID, at date: Date) async throws

    /// Every user, by id.
    func users() async throws -> [User]

    /// Creates the first user, only while no user exists (atomically: of two concurrent calls,
    /// one wins). Returns `nil` when a user exists already.
    func createFirstUser(username: String, passwordHash: String, at date: Date) async throws -> User?

    // MARK: Sessions

    /// Saves a new session.
    func createSession(_ session: LoginSession) async throws
    /// The session with this id hash, if any (expired ones too: callers check ``LoginSession/isValid(at:)``).
    func session(idHash: String) async throws -> LoginSession?
    /// Records that a session was used.
    func touchSession(idHash: String, at date: Date) async throws
    /// Ends a session (logout).
    func deleteSession(idHash: String) async throws
    /// Ends every session of a user (password change); returns how many.
    @discardableResult
    func deleteSessions(of user: UserID) async throws -> Int
    /// Removes sessions that have expired; returns how many.
    @discardableResult
    func deleteExpiredSessions(at date: Date) async throws -> Int

    // MARK: Audit log

    /// Appends an entry; returns it with its id.
    @discardableResult
    func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry
    /// Entries, newest first, optionally of one action.
    func auditEntries(action: String?, limit: Int, offset: Int) async throws -> Page<AuditEntry>

    // MARK: Alert outbox

    /// Queues messages outside a scan (a scanner that degraded, a test send). A key already
    /// queued is not queued again.
    @discardableResult
    func enqueue(_ messages: [NewOutboxMessage], at date: Date) async throws -> [OutboxMessage]
    /// Undelivered messages due at `date`, oldest first.
    func dueMessages(at date: Date, limit: Int) async throws -> [OutboxMessage]
    /// One sink's undelivered messages due at `date`, oldest first.
    func dueMessages(to sink: String, at date: Date, limit: Int) async throws -> [OutboxMessage]
    /// Undelivered messages, however many.
    func pendingMessageCount() async throws -> Int
    /// Marks messages delivered, all at once (the alerts of one digest); a message settled
    /// meanwhile (acknowledged, say) is recorded as delivered, since it was.
    func markDelivered(_ ids: [OutboxID], at date: Date) async throws
    /// Records a failed attempt and when to try again.
    func markAttemptFailed(_ id: OutboxID, error: String, retryAt: Date) async throws
    /// Settles a message without sending it (snoozed, cancelled by a later event), keeping the
    /// reason: nothing leaves the outbox unexplained. A message already settled stays as it is.
    func markSuppressed(_ id: OutboxID, reason: String, at date: Date) async throws
    /// Settles the undelivered messages of these alerts (every sink) unsent, with the reason;
    /// returns how many. An acknowledged change's alert, still waiting, is not sent.
    @discardableResult
    func suppressPendingMessages(idempotencyKeys: [String], reason: String, at date: Date) async throws -> Int
    /// Holds a message until `date` without counting an attempt (quiet hours); a settled
    /// message stays as it is.
    func postpone(_ id: OutboxID, until date: Date) async throws
    /// Every message for `sink` on `subject`, oldest first (a device's presence alerts).
    func messages(to sink: String, about subject: String) async throws -> [OutboxMessage]
    /// Deletes settled messages queued before `date`, but keeps the newest message of each
    /// sink and subject (a device's presence is judged by it); returns how many were deleted.
    @discardableResult
    func pruneSettledMessages(queuedBefore date: Date) async throws -> Int
    /// The newest messages, pending or settled, newest first (the delivery log).
    func recentMessages(limit: Int) async throws -> [OutboxMessage]

    // MARK: Vulnerabilities

    /// Saves imported vulnerabilities (e.g. from NVD feeds), replacing any with the same id, in
    /// one transaction. Each is indexed under the canonical products it affects.
    /// - Parameters:
    ///   - vulnerabilities: What to save.
    ///   - catalog: Gives the canonical product names to index by.
    /// - Returns: How many were saved.
    @discardableResult
    func saveVulnerabilities(_ vulnerabilities: [Vulnerability], canonicalizedBy catalog: VulnerabilityCatalog) async throws -> Int

    /// The imported vulnerabilities that affect any of these canonical products.
    func vulnerabilities(affecting products: Set<SoftwareProduct>) async throws -> [Vulnerability]

    /// How many imported vulnerabilities the store holds.
    func vulnerabilityCount() async throws -> Int

    // MARK: Settings and schedules

    /// A setting's value (JSON text by convention).
    func setting(_ key: String) async throws -> String?
    /// Sets a setting; `nil` removes it.
    func setSetting(_ key: String, to value: String?) async throws
    /// Every setting.
    func settings() async throws -> [String: String]
    /// Stores a new schedule (its id is assigned).
    func createSchedule(_ schedule: Schedule) async throws -> Schedule
    /// Replaces a schedule.
    func updateSchedule(_ schedule: Schedule) async throws
    /// Removes a schedule; false when there is none.
    @discardableResult
    func deleteSchedule(_ id: ScheduleID) async throws -> Bool
    /// Every schedule.
    func schedules() async throws -> [Schedule]
}

extension DeviceStore {
    /// Moves a scan to another state now, without an error message.
    @discardableResult
    public func markScan(_ id: ScanID, as status: ScanStatus) async throws -> ScanRecord {
        try await markScan(id, as: status, at: Date(), error: nil)
    }
}

extension DeviceStore {
    /// Marks one message delivered.
    public func markDelivered(_ id: OutboxID, at date: Date) async throws {
        try await markDelivered([id], at: date)
    }
}
