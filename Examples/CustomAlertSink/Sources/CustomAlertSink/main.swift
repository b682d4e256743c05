//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation

/// The whole sink: a name, and what to do with an alert. Throwing means "retry later"; the
/// dispatcher and its durable outbox do the rest.
struct JSONLinesSink: AlertSink {
    let name = "jsonl"
    let path: String

    func deliver(_ alert: Alert) async throws {
        let line = Data((try alert.json() + "\n").utf8)
        guard
            let handle = FileHandle(forWritingAtPath: path)
                ?? (FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil)
        else {
            throw CocoaError(.fileWriteNoPermission)
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
    }
}

// Demonstration: queue two alerts in a store's outbox, as a scan would, and deliver them.
let path = CommandLine.arguments.dropFirst().first ?? "alerts.jsonl"
let store = InMemoryDeviceStore()
let sink = JSONLinesSink(path: path)
let alerts = [
    Alert(id: "demo-1", kind: .deviceAdded, severity: .warning, title: AlertKind.deviceAdded.title, message: "A new device appeared at 192.0.2.10."),
    Alert(
        id: "demo-2", kind: .newCVE, severity: .warning, title: AlertKind.newCVE.title, message: "CVE-2024-6387 applies to a service on 192.0.2.10."),
]
_ = await store.enqueue(try AlertRules.outbox(for: alerts, sinks: [sink.name]), at: Date())
let round = try await AlertDispatcher(store: store, sinks: [sink]).deliverDue()
print("delivered \(round.delivered) alerts to \(path)")
