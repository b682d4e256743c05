//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Writes one scan's result into a store, device by device, inside the store's transaction.
///
/// ``DeviceStore/record(_:at:_:)`` hands a recorder to a producer that runs while the
/// transaction is open, so a scan of any size is stored in constant memory: the producer reads
/// hosts as they stream in and adds each one at once. If the producer throws, nothing it added
/// is kept. A recorder is valid only during that call.
public protocol ScanRecorder: AnyObject {
    /// Stores what the scan saw of one device; returns the device's id (new or known).
    @discardableResult
    func add(_ update: DeviceUpdate) throws -> DeviceID
    /// Marks known devices that the scan covered and did not see up as offline.
    func markOffline(_ devices: [DeviceID]) throws
    /// Stores a change; ``DeviceReference/update(_:)`` counts the devices added so far, from 0.
    @discardableResult
    func add(_ change: NewChange) throws -> ChangeID
    /// Queues alerts (a key already queued for a sink is not queued again).
    func enqueue(_ messages: [NewOutboxMessage]) throws
}

/// How a scan ended: what ``DeviceStore/record(_:at:_:)``'s producer returns once it has added
/// every device.
public struct ScanOutcome: Sendable, Hashable {
    /// ``ScanStatus/completed``, ``ScanStatus/failed`` or ``ScanStatus/cancelled``.
    public var status: ScanStatus
    /// When nmap started.
    public var startedAt: Date?
    /// When nmap finished, when that is not the time the devices were recorded at (an imported
    /// file); `nil` means that time.
    public var finishedAt: Date?
    /// The nmap version.
    public var nmapVersion: String?
    /// The nmap command line.
    public var nmapArguments: String?
    /// Hosts found up.
    public var hostsUp: Int
    /// Hosts found down.
    public var hostsDown: Int
    /// Why the scan failed or is incomplete.
    public var errorMessage: String?
    /// What the scan looked at, when known.
    public var coverage: ScanCoverage?

    /// Describes how a scan ended.
    public init(
        status: ScanStatus = .completed, startedAt: Date? = nil, finishedAt: Date? = nil, nmapVersion: String? = nil, nmapArguments: String? = nil,
        hostsUp: Int = 0, hostsDown: Int = 0, errorMessage: String? = nil, coverage: ScanCoverage? = nil
    ) {
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.nmapVersion = nmapVersion
        self.nmapArguments = nmapArguments
        self.hostsUp = hostsUp
        self.hostsDown = hostsDown
        self.errorMessage = errorMessage
        self.coverage = coverage
    }
}

extension DeviceStore {
    /// Stores a scan's result held in memory, in one transaction.
    @discardableResult
    public func record(_ result: ScanResult) async throws -> RecordedScan {
        try await record(result.scanID, at: result.finishedAt) { recorder in
            for update in result.devices { try recorder.add(update) }
            try recorder.markOffline(result.devicesNowOffline)
            for change in result.changes { try recorder.add(change) }
            try recorder.enqueue(result.outbox)
            return result.outcome
        }
    }
}

extension ScanResult {
    /// The scan's outcome, without its devices.
    public var outcome: ScanOutcome {
        ScanOutcome(
            status: status, startedAt: startedAt, nmapVersion: nmapVersion, nmapArguments: nmapArguments, hostsUp: hostsUp, hostsDown: hostsDown,
            errorMessage: errorMessage, coverage: coverage)
    }
}

extension DeviceReference {
    /// The device id this reference names, for a recorder that has added `added` so far.
    ///
    /// - Parameters:
    ///   - added: The devices the recorder added so far, in order.
    ///   - exists: Whether the store knows a device.
    /// - Throws: ``StoreError`` when the device is unknown or the index out of range.
    public func resolve(added: [DeviceID], exists: (DeviceID) throws -> Bool) throws -> DeviceID {
        switch self {
        case .known(let id):
            guard try exists(id) else { throw StoreError.notFound("device \(id)") }
            return id
        case .update(let index):
            guard added.indices.contains(index) else {
                throw StoreError(.invalidArgument, "change refers to device update \(index), which does not exist")
            }
            return added[index]
        }
    }
}
