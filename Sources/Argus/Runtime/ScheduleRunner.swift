//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Starts scheduled network scans when they are due, through a ``ScanCoordinator``.
///
/// Every schedule has a next run time in the store. When it has passed, the scan starts once,
/// and the next run is computed from now: after downtime that is one catch-up scan, never a
/// burst. A due scan never overlaps a running network scan: it is skipped, and the schedule
/// moves on to its next time.
///
/// ```swift
/// let runner = ScheduleRunner(store: store, scans: scans) { schedule in
///     ScanRequest(targets: try ScanTargetList(schedule.targets), profile: .normal)
/// }
/// await runner.run(every: .seconds(15)) { outcome in print(outcome) }   // until cancelled
/// ```
public struct ScheduleRunner: Sendable {
    /// Where the schedules are.
    public let store: any SettingsStore
    /// What runs the scans.
    public let scans: ScanCoordinator
    /// Makes a due schedule's scan request (its profile and targets, validated).
    public let request: @Sendable (Schedule) async throws -> ScanRequest

    /// What one check did with a schedule.
    public enum Outcome: Sendable, Equatable {
        /// Its scan started.
        case started(ScheduleID, ScanID)
        /// It was due, but a network scan was running.
        case skippedBusy(ScheduleID)
        /// Its scan could not start, or the schedule is unusable: why.
        case failed(ScheduleID, String)
        /// The schedules could not be read or written: why.
        case storeFailed(String)
    }

    /// Creates a runner.
    /// - Parameters:
    ///   - store: Where the schedules are.
    ///   - scans: What runs the scans.
    ///   - request: Makes a due schedule's scan request.
    public init(store: any SettingsStore, scans: ScanCoordinator, request: @escaping @Sendable (Schedule) async throws -> ScanRequest) {
        self.store = store
        self.scans = scans
        self.request = request
    }

    /// Checks the schedules every `interval` until the task is cancelled.
    /// - Parameters:
    ///   - interval: How long to wait between checks.
    ///   - onOutcome: Called with what each check did (for logs).
    public func run(every interval: Duration, onOutcome: @Sendable (Outcome) -> Void = { _ in }) async {
        while !Task.isCancelled {
            for outcome in await tick(at: Date()) { onOutcome(outcome) }
            try? await Task.sleep(for: interval)
        }
    }

    /// Starts what is due at `now`, and moves each schedule's next run on.
    @discardableResult
    public func tick(at now: Date) async -> [Outcome] {
        let schedules: [Schedule]
        do {
            schedules = try await store.schedules()
        } catch {
            return [.storeFailed("the schedules could not be read: \(error)")]
        }
        var outcomes: [Outcome] = []
        for schedule in schedules where schedule.isEnabled {
            guard let cadence = try? ScanCadence(schedule.expression) else {
                outcomes.append(.failed(schedule.id, "schedule \(schedule.name) has an invalid expression '\(schedule.expression)': skipped"))
                continue
            }
            let plan = cadence.plan(dueAt: schedule.nextRunAt, now: now)
            guard plan.runNow || schedule.nextRunAt != plan.next else { continue }
            // The run is taken before it starts: of several servers sharing the store (replicas),
            // the one that moves the schedule on runs it; the others see it moved.
            do {
                guard try await store.advanceSchedule(schedule.id, from: schedule.nextRunAt, to: plan.next, ranAt: plan.runNow ? now : nil)
                else { continue }
            } catch {
                outcomes.append(.storeFailed("schedule \(schedule.name) could not be updated: \(error)"))
                continue
            }
            if plan.runNow { outcomes.append(await start(schedule)) }
        }
        return outcomes
    }

    private func start(_ schedule: Schedule) async -> Outcome {
        do {
            let id = try await scans.start(try await request(schedule), kind: .network)
            return .started(schedule.id, id)
        } catch ScanCoordinator.StartError.networkScanRunning {
            return .skippedBusy(schedule.id)
        } catch {
            return .failed(schedule.id, "\(error)")
        }
    }
}
