//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ScheduleTests {
    @Test func schedulesAreValidatedAndShowTheirNextRun() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            for (cron, message) in [
                ("61 * * * *", "minute: 61 is out of range 0-59"), ("0 0 30 2 *", "never"), ("* * *", "expected 5 fields"),
                ("@every 1m", "at least 5 minutes"), ("@every 3x", "unit"),
            ] {
                let response = try await client.object("/api/schedule", method: .post, headers: headers, body: json(["name": "bad", "cron": cron]))
                #expect(response.0 == .unprocessableContent && response.1["field"] as? String == "cron", "\(cron)")
                #expect((response.1["detail"] as? String)?.contains(message) == true, "\(cron): \(response.1)")
            }
            #expect(
                try await client.object(
                    "/api/schedule", method: .post, headers: headers, body: json(["name": "x", "cron": "@daily", "targets": ["-sV"]])
                ).1["field"] as? String == "targets")
            let created = try await client.object(
                "/api/schedule", method: .post, headers: headers, body: json(["name": "Weekly", "cron": "0 2 * * SUN", "profile": "quick"]))
            #expect(created.0 == .created)
            #expect(created.1["cron"] as? String == "0 2 * * 0" && created.1["summary"] as? String == "at 02:00 on Sunday", "\(created.1)")
            let next = try #require((created.1["next_run"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(next > Date() && next < Date().addingTimeInterval(8 * 86_400))
            let id = try #require(created.1["id"] as? Int)
            let updated = try await client.object(
                "/api/schedule/\(id)", method: .put, headers: headers, body: json(["name": "Often", "cron": "@every 6h", "enabled": false]))
            #expect(updated.0 == .ok && updated.1["summary"] as? String == "every 6 hours" && updated.1["next_run"] == nil)
            let jobs = try await client.object("/api/schedule", headers: headers).1["jobs"] as? [[String: Any]]
            #expect(jobs?.map { $0["name"] as? String } == ["Often"])
            #expect(try await client.object("/api/schedule/\(id)", method: .delete, headers: headers).1["status"] as? String == "deleted")
            #expect(try await client.execute(uri: "/api/schedule/\(id)", method: .delete, headers: headers).status == .notFound)
        }
    }

    @Test func aMissedScheduleRunsOnceAndNeverOverlaps() async throws {
        let server = try await TestServer(scanner: FakeScanner(blocks: true))
        let store = server.store
        let now = Date()
        // Due three hours ago, hourly: the server was down; one catch-up run, not three.
        let schedule = await store.createSchedule(
            Schedule(id: ScheduleID(0), name: "hourly", expression: "0 * * * *", profile: "quick", nextRunAt: now.addingTimeInterval(-3 * 3_600)))
        let scheduler = ScanScheduler(services: server.server.services)
        let outcomes = await scheduler.tick(at: now)
        guard case .started(let scheduleID, let scanID)? = outcomes.first, outcomes.count == 1 else {
            Issue.record("expected one started scan, got \(outcomes)")
            return
        }
        #expect(scheduleID == schedule.id)
        let after = try #require(await store.schedules().first)
        #expect(after.lastRunAt == now)
        #expect(try #require(after.nextRunAt) > now)
        #expect(await scheduler.tick(at: now.addingTimeInterval(1)).isEmpty, "nothing is due until the next hour")

        // Due again while that scan still runs: skipped, and the schedule moves on.
        let later = try #require(after.nextRunAt).addingTimeInterval(5)
        #expect(await scheduler.tick(at: later) == [.skippedBusy(schedule.id)])
        #expect(try #require(await store.schedules().first?.nextRunAt) > later)
        await server.server.services.scans.cancel(scanID)
        await server.server.services.scans.wait(for: scanID)
        #expect(await store.scans(ScanQuery()).total == 1)
    }
}
