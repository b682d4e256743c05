//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import ArgusAccounts
public import Foundation
import Logging
public import ServiceLifecycle

/// Starts scheduled network scans when they are due.
///
/// Every schedule has a next run time in the store. When it has passed, the scan starts once,
/// and the next run is computed from now: after downtime that is one catch-up scan, never a
/// burst. A due scan never overlaps a running network scan: it is skipped, and the schedule
/// moves on to its next time.
public struct ScanScheduler: ServiceLifecycle.Service {
    let services: ServerServices
    /// How often schedules are checked.
    public var interval: Duration

    /// Creates a scheduler.
    public init(services: ServerServices, interval: Duration = .seconds(15)) {
        self.services = services
        self.interval = interval
    }

    /// Checks the schedules until the server stops.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = await tick(at: Date())
                try await Task.sleep(for: interval)
            }
        }
    }

    /// What one check did with a schedule.
    public enum Outcome: Sendable, Equatable {
        /// Its scan started.
        case started(ScheduleID, ScanID)
        /// It was due, but a network scan was running.
        case skippedBusy(ScheduleID)
        /// Its scan could not start (the reason is logged).
        case failed(ScheduleID, String)
    }

    /// Starts what is due at `now`, and moves each schedule's next run on.
    @discardableResult
    public func tick(at now: Date) async -> [Outcome] {
        let schedules: [Schedule]
        do {
            schedules = try await services.store.schedules()
        } catch {
            services.logger.error("could not read the schedules: \(error)")
            return []
        }
        var outcomes: [Outcome] = []
        for var schedule in schedules where schedule.isEnabled {
            guard let cadence = try? ScanCadence(schedule.expression) else {
                services.logger.error("schedule \(schedule.name) has an invalid expression '\(schedule.expression)': skipped")
                continue
            }
            let plan = cadence.plan(dueAt: schedule.nextRunAt, now: now)
            if plan.runNow {
                outcomes.append(await start(schedule))
                schedule.lastRunAt = now
            }
            guard plan.runNow || schedule.nextRunAt != plan.next else { continue }
            schedule.nextRunAt = plan.next
            do {
                try await services.store.updateSchedule(schedule)
            } catch {
                services.logger.error("could not update schedule \(schedule.name): \(error)")
            }
        }
        return outcomes
    }

    private func start(_ schedule: Schedule) async -> Outcome {
        do {
            guard let profile = try await services.defaultProfile(named: schedule.profile) else {
                throw APIError.invalid("profile", "unknown profile \(schedule.profile)")
            }
            let targets = try await services.networkTargets(schedule.targets)
            let request = ScanRequest(targets: targets, profile: profile, resolvesNames: services.configuration.resolveNames, timeout: .seconds(services.configuration.scanTimeoutMinutes * 60))
            let id = try await services.scans.start(request, kind: .network)
            services.logger.notice("scheduled scan \(schedule.name) started as scan \(id)")
            return .started(schedule.id, id)
        } catch ScanCoordinator.StartError.networkScanRunning {
            services.logger.notice("scheduled scan \(schedule.name) skipped: a network scan is running")
            return .skippedBusy(schedule.id)
        } catch {
            services.logger.error("scheduled scan \(schedule.name) could not start: \(error)")
            return .failed(schedule.id, "\(error)")
        }
    }
}
