//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Synchronization

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Runs scans in the background through a ``Monitor``: one network scan at a time, a few device
/// scans, live progress, cancellation, and a clean stop at shutdown.
///
/// argus-server's routes and schedules start scans through one; so can any program that embeds
/// Argus (see ``ScheduleRunner`` for schedules).
///
/// ```swift
/// let scans = ScanCoordinator(monitor: Monitor(store: store))
/// let id = try await scans.start(request, kind: .network)
/// print(await scans.runningScans.first?.progress.percent ?? 100)
/// ```
public actor ScanCoordinator {
    /// What a scan is doing now (argus-server shows it at `GET /api/scan/status` and on the scans page).
    public struct Progress: Sendable, Codable, Equatable {
        /// The nmap phase or Argus's own, e.g. "Service scan" or "Port scan: 12 of 80 hosts".
        public var phase: String
        /// Percent of the phase done.
        public var percent: Double
        /// Hosts found up so far.
        public var hostsFound: Int
        /// Seconds nmap expects the phase still needs.
        public var remainingSeconds: Int?
        /// Seconds since the scan started.
        public var elapsedSeconds: Int
    }

    /// A scan that is running.
    public struct RunningScan: Sendable, Codable, Equatable {
        /// Its id.
        public var scanID: ScanID
        /// Network or device.
        public var kind: ScanKind
        /// What it covers.
        public var targets: [String]
        /// Its profile.
        public var profile: String
        /// When it started.
        public var startedAt: Date
        /// How far it is.
        public var progress: Progress
    }

    /// Why a scan could not start.
    public enum StartError: Error, CustomStringConvertible, Equatable {
        /// A network scan is running already.
        case networkScanRunning(ScanID)
        /// Too many device scans are running.
        case busy
        /// The coordinator is stopping (``stop()`` was called).
        case stopping

        /// A sentence for people.
        public var description: String {
            switch self {
            case .networkScanRunning(let id): "a network scan is running already (scan \(id)); cancel it or wait"
            case .busy: "too many scans are running; try again when one has finished"
            case .stopping: "Argus is stopping"
            }
        }
    }

    private let monitor: Monitor
    private let deviceScanLimit: Int
    private var running: [ScanID: (scan: RunningScan, task: Task<Void, Never>)] = [:]
    private var finished: Set<ScanID> = []
    private var isStopping = false
    private var finishedHandlers: [@Sendable (ScanID, Result<RecordedScan, any Error>) -> Void] = []

    /// Creates a coordinator over a monitor.
    public init(monitor: Monitor, deviceScanLimit: Int = 2) {
        self.monitor = monitor
        self.deviceScanLimit = deviceScanLimit
    }

    /// Imports a recorded nmap XML file as a scan, through the monitor's pipeline (changes,
    /// risk, CVEs and alerts, as for a scan Argus ran).
    public func importFile(at path: String, recordedAs name: String) async throws -> RecordedScan {
        try await monitor.importFile(at: path, recordedAs: name)
    }

    /// Calls `handler` after every scan, with its outcome (metrics, alerts).
    public func onFinished(_ handler: @escaping @Sendable (ScanID, Result<RecordedScan, any Error>) -> Void) {
        finishedHandlers.append(handler)
    }

    /// The scans running now.
    public var runningScans: [RunningScan] {
        running.values.map(\.scan).sorted { $0.scanID < $1.scanID }
    }

    /// True when a network scan is running.
    public var isNetworkScanRunning: Bool { running.values.contains { $0.scan.kind == .network } }

    /// Starts a scan in the background and returns its id as soon as it is recorded.
    /// - Throws: ``StartError`` when it may not start now; a store error if it cannot be recorded.
    public func start(_ request: ScanRequest, kind: ScanKind) async throws -> ScanID {
        guard !isStopping else { throw StartError.stopping }
        if kind == .network, let current = running.values.first(where: { $0.scan.kind == .network }) {
            throw StartError.networkScanRunning(current.scan.scanID)
        }
        if kind == .device, running.values.count(where: { $0.scan.kind == .device }) >= deviceScanLimit {
            throw StartError.busy
        }
        let monitor = monitor
        let (created, continuation) = AsyncStream.makeStream(of: ScanID.self)
        let task = Task {
            let started = Date()
            let result: Result<RecordedScan, any Error>
            let scanID = IDBox()
            do {
                let recorded = try await monitor.scan(
                    request, kind: kind,
                    onCreated: { record in
                        scanID.value.withLock { $0 = record.id }
                        continuation.yield(record.id)
                        continuation.finish()
                    },
                    onEvent: { event in
                        guard let id = scanID.value.withLock({ $0 }) else { return }
                        Task { await self.update(id, with: event, since: started) }
                    })
                result = .success(recorded)
            } catch {
                result = .failure(error)
            }
            continuation.finish()
            if let id = scanID.value.withLock({ $0 }) { self.finish(id, result) }
        }
        var iterator = created.makeAsyncIterator()
        guard let id = await iterator.next() else {
            task.cancel()
            throw StoreError(.storage, "the scan could not be recorded")
        }
        guard !finished.contains(id) else { return id }
        running[id] = (
            RunningScan(
                scanID: id, kind: kind, targets: request.targets.targets.map(\.text), profile: request.profile.name, startedAt: Date(),
                progress: Progress(phase: "Starting nmap", percent: 0, hostsFound: 0, elapsedSeconds: 0)), task
        )
        return id
    }

    /// Cancels a running scan; it is recorded as cancelled. Returns false if it is not running.
    @discardableResult
    public func cancel(_ id: ScanID) -> Bool {
        guard let entry = running[id] else { return false }
        entry.task.cancel()
        return true
    }

    /// Cancels every scan and waits until each is recorded (at shutdown).
    public func stop() async {
        isStopping = true
        let tasks = running.values.map(\.task)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// Waits for a scan to finish (tests, the CLI).
    public func wait(for id: ScanID) async {
        await running[id]?.task.value
    }

    private func update(_ id: ScanID, with event: ScanEvent, since started: Date) {
        guard var scan = running[id]?.scan else { return }
        scan.progress.elapsedSeconds = Int(Date().timeIntervalSince(started))
        switch event {
        case .progress(let progress):
            scan.progress.phase = progress.task
            scan.progress.percent = progress.percent
            scan.progress.remainingSeconds = progress.remaining
        case .host(let host) where host.isUp:
            scan.progress.hostsFound += 1
        default:
            break
        }
        running[id]?.scan = scan
    }

    private func finish(_ id: ScanID, _ result: Result<RecordedScan, any Error>) {
        running[id] = nil
        finished.insert(id)
        for handler in finishedHandlers { handler(id, result) }
    }
}

/// The scan id, once the monitor has recorded the scan (shared with its callbacks).
private final class IDBox: Sendable {
    let value = Mutex<ScanID?>(nil)
}
