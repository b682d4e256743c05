//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension LiveServerTests {
    /// The outbox survives a kill: argus-server queues a scan's alerts for a webhook whose
    /// receiver is down, tries, fails, and is SIGKILLed. With the receiver up and the server
    /// started again, every alert arrives, signed, exactly once.
    @Test(.enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"), .timeLimit(.minutes(3)))
    func killedWithUndeliveredAlertsItDeliversThemAfterARestart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-outbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("argus.db").path
        let key = try await Self.makeKey(db: db, folder: folder)
        let servicePort = Int.random(in: 30_000...39_999)
        let services = try Child(
            "/usr/bin/env", ["python3", Self.root.appendingPathComponent("Scripts/fake_services.py").path, "127.0.0.1", "\(servicePort):ssh-old"],
            log: folder.appendingPathComponent("services.log"))
        defer { _ = services.stop(SIGKILL) }
        // Nothing listens on port 9 of loopback (discard, never served here): the first life's
        // deliveries fail. The second life's configuration names the receiver's own port.
        let config = folder.appendingPathComponent("config.yaml")
        func configure(receiverPort: Int) throws {
            try """
            network:
              subnets: [127.0.0.1]
            alerts:
              summarize_first_scan: false
              retry_seconds: 1
              offline_grace_minutes: 0
              sinks:
                - name: ops
                  type: webhook
                  url: http://127.0.0.1:\(receiverPort)/hook
                  secret: kill-test-secret
            """.write(to: config, atomically: true, encoding: .utf8)
        }
        try configure(receiverPort: 9)
        let port = Self.freePort()
        let base = "http://127.0.0.1:\(port)"
        func start(_ name: String) async throws -> Child {
            let server = try Child(
                Self.binaries.appendingPathComponent("argus-server").path, ["--config", config.path, "--db", db, "--port", "\(port)"],
                log: folder.appendingPathComponent("\(name).log"))
            for _ in 0..<300 where !server.output.contains("listens on") { try await Task.sleep(for: .milliseconds(100)) }
            return server
        }
        func deliveries() async throws -> [[String: Any]] {
            Self.object(try await Self.request("GET", "\(base)/api/alerts", headers: ["X-API-Key": key]).2)["deliveries"] as? [[String: Any]] ?? []
        }

        // First life: a scan queues alerts; the receiver is down, so they fail and wait.
        let first = try await start("first")
        var killed = false
        defer { if !killed { _ = first.stop(SIGKILL) } }
        let (code, _, body) = try await Self.request(
            "POST", "\(base)/api/scans", headers: ["X-API-Key": key],
            body: ["subnet": "127.0.0.1", "scan_profile": "quick", "port_range": "\(servicePort)"])
        #expect(code == 202, "\(String(decoding: body, as: UTF8.self)) \(first.output)")
        var queued: [[String: Any]] = []
        for _ in 0..<600 {
            queued = try await deliveries()
            if !queued.isEmpty, queued.allSatisfy({ $0["status"] as? String == "retrying" }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!queued.isEmpty && queued.allSatisfy { $0["status"] as? String == "retrying" }, "\(queued)")
        #expect(queued.contains { $0["kind"] as? String == "device_added" })
        _ = first.stop(SIGKILL)
        killed = true

        // The receiver comes up; the server starts again on the same database.
        let received = folder.appendingPathComponent("received.jsonl")
        let receiver = try Child(
            "/usr/bin/env",
            ["python3", Self.root.appendingPathComponent("Tests/ArgusAlertsTests/receiver.py").path, "0", "kill-test-secret", received.path],
            log: folder.appendingPathComponent("receiver.log"))
        defer { _ = receiver.stop(SIGKILL) }
        for _ in 0..<300 where !receiver.output.contains("ready ") { try await Task.sleep(for: .milliseconds(100)) }
        let receiverPort = try #require(
            receiver.output.split(whereSeparator: \.isNewline).first { $0.hasPrefix("ready ") }.flatMap { Int($0.dropFirst(6)) },
            "the receiver did not start: \(receiver.output)")
        try configure(receiverPort: receiverPort)
        let second = try await start("second")
        defer { _ = second.stop(SIGKILL) }
        var lines: [[String: Any]] = []
        for _ in 0..<600 {
            lines = ((try? String(contentsOf: received, encoding: .utf8)) ?? "").split(separator: "\n").map { Self.object(Data($0.utf8)) }
            if lines.count >= queued.count { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(2))
        lines = ((try? String(contentsOf: received, encoding: .utf8)) ?? "").split(separator: "\n").map { Self.object(Data($0.utf8)) }
        let keys = lines.compactMap { $0["key"] as? String }
        #expect(keys.count == queued.count, "every queued alert, once: \(keys) \(second.output)")
        #expect(Set(keys) == Set(queued.compactMap { $0["alert_id"] as? String }))
        #expect(lines.allSatisfy { $0["signed"] as? Bool == true })
        #expect(try await deliveries().allSatisfy { $0["status"] as? String == "delivered" })
    }
}
