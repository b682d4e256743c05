//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import ArgusAccounts
public import Foundation
import Logging
public import ServiceLifecycle

/// argus-server's schedules: the core's ``ScheduleRunner`` as a service beside the HTTP server,
/// with each schedule's profile and targets resolved as the API resolves them (the configured
/// profiles, networks and exclusions), and what it does logged.
public struct ScanScheduler: ServiceLifecycle.Service {
    let services: ServerServices
    /// How often schedules are checked.
    public var interval: Duration
    /// The runner, over the server's store and scan coordinator.
    public let runner: ScheduleRunner

    /// What one check did with a schedule.
    public typealias Outcome = ScheduleRunner.Outcome

    /// Creates a scheduler.
    public init(services: ServerServices, interval: Duration = .seconds(15)) {
        self.services = services
        self.interval = interval
        runner = ScheduleRunner(store: services.store, scans: services.scans) { schedule in
            guard let profile = try await services.scanning.defaultProfile(named: schedule.profile) else {
                throw APIError.invalid("profile", "unknown profile \(schedule.profile)")
            }
            let targets = try await services.scanning.networkTargets(schedule.targets)
            return ScanRequest(
                targets: targets, profile: profile, resolvesNames: services.configuration.resolveNames,
                timeout: .seconds(services.configuration.scanTimeoutMinutes * 60))
        }
    }

    /// Checks the schedules until the server stops.
    public func run() async throws {
        let logger = services.logger
        await cancelWhenGracefulShutdown {
            await runner.run(every: interval) { outcome in Self.log(outcome, to: logger) }
        }
    }

    /// Starts what is due at `now`, and moves each schedule's next run on.
    @discardableResult
    public func tick(at now: Date) async -> [Outcome] {
        let outcomes = await runner.tick(at: now)
        for outcome in outcomes { Self.log(outcome, to: services.logger) }
        return outcomes
    }

    static func log(_ outcome: Outcome, to logger: Logger) {
        switch outcome {
        case .started(let schedule, let scan): logger.notice("scheduled scan \(schedule) started as scan \(scan)")
        case .skippedBusy(let schedule): logger.notice("scheduled scan \(schedule) skipped: a network scan is running")
        case .failed(let schedule, let reason): logger.error("scheduled scan \(schedule) could not start: \(reason)")
        case .storeFailed(let reason): logger.error("\(reason)")
        }
    }
}
