//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// Scheduled scans: cron expressions or intervals, with the next run shown.
struct ScheduleRoutes {
    let services: ServerServices

    func register(on routes: RouteGroups) {
        routes.api.get("/api/schedule", use: list)
        routes.api.post("/api/schedule", use: create)
        routes.api.put("/api/schedule/:id", use: update)
        routes.api.delete("/api/schedule/:id", use: delete)
    }

    struct Job: ResponseEncodable {
        var id: Int64
        var name: String
        var cron: String
        var summary: String
        var profile: String
        var targets: [String]
        var enabled: Bool
        var nextRun: Date?
        var lastRun: Date?

        init(_ schedule: Schedule) {
            id = schedule.id.rawValue
            name = schedule.name
            cron = schedule.expression
            summary = (try? ScanCadence(schedule.expression))?.summary ?? schedule.expression
            profile = schedule.profile
            targets = schedule.targets
            enabled = schedule.isEnabled
            nextRun = schedule.isEnabled ? schedule.nextRunAt : nil
            lastRun = schedule.lastRunAt
        }
    }

    struct Jobs: ResponseEncodable { var jobs: [Job] }

    struct JobRequest: Decodable {
        var name: String
        var cron: String
        var profile: String?
        var enabled: Bool?
        var targets: [String]?
    }

    @Sendable func list(_ request: Request, context: ArgusRequestContext) async throws -> Jobs {
        Jobs(jobs: try await services.store.schedules().map(Job.init))
    }

    /// Validates a request into a schedule (id and run times left to the caller).
    func schedule(from body: JobRequest, id: ScheduleID) async throws -> (Schedule, ScanCadence) {
        let name = body.name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count), name.allSatisfy({ $0.isLetter || $0.isNumber || " _-".contains($0) }) else {
            throw APIError.invalid("name", "1 to 100 letters, digits, spaces, '_' or '-'")
        }
        guard body.cron.count <= 100 else { throw APIError.invalid("cron", "at most 100 characters") }
        let cadence: ScanCadence
        do { cadence = try ScanCadence(body.cron) } catch { throw APIError.invalid("cron", error.description) }
        let profile = body.profile ?? "normal"
        guard services.configuration.profiles.contains(where: { $0.name == profile }) else {
            throw services.scanning.unknownProfile(field: "profile")
        }
        let targets = body.targets ?? []
        if !targets.isEmpty {
            let exclusions = try await services.scanning.exclusions()
            do { _ = try services.configuration.targetRules.targets(targets, excluding: exclusions) } catch {
                throw APIError.invalid("targets", "\(error)")
            }
        }
        return (
            Schedule(id: id, name: name, expression: cadence.description, profile: profile, targets: targets, isEnabled: body.enabled ?? true),
            cadence
        )
    }

    @Sendable func create(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: JobRequest.self, context: context)
        var (schedule, cadence) = try await schedule(from: body, id: ScheduleID(0))
        schedule.nextRunAt = cadence.nextRun(after: Date())
        let stored = try await services.store.createSchedule(schedule)
        await services.audit(
            "schedule_create", context, request: request, resource: ("schedule", "\(stored.id)"), details: "\(stored.name): \(stored.expression)")
        var response = try Job(stored).response(from: request, context: context)
        response.status = .created
        return response
    }

    @Sendable func update(_ request: Request, context: ArgusRequestContext) async throws -> Job {
        let id = try Self.scheduleID(context)
        let body = try await request.decodeJSON(as: JobRequest.self, context: context)
        guard let existing = try await services.store.schedules().first(where: { $0.id == id }) else { throw APIError(.notFound, "Job not found") }
        var (schedule, cadence) = try await schedule(from: body, id: id)
        schedule.lastRunAt = existing.lastRunAt
        schedule.nextRunAt = cadence.nextRun(after: Date())
        try await services.store.updateSchedule(schedule)
        await services.audit(
            "schedule_update", context, request: request, resource: ("schedule", "\(id)"), details: "\(schedule.name): \(schedule.expression)")
        return Job(schedule)
    }

    struct Deleted: ResponseEncodable {
        var status = "deleted"
        var jobId: Int64
    }

    @Sendable func delete(_ request: Request, context: ArgusRequestContext) async throws -> Deleted {
        let id = try Self.scheduleID(context)
        guard try await services.store.deleteSchedule(id) else { throw APIError(.notFound, "Job not found") }
        await services.audit("schedule_delete", context, request: request, resource: ("schedule", "\(id)"))
        return Deleted(jobId: id.rawValue)
    }

    static func scheduleID(_ context: ArgusRequestContext) throws -> ScheduleID {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else { throw APIError.invalid("id", "must be a schedule id") }
        return ScheduleID(id)
    }
}
