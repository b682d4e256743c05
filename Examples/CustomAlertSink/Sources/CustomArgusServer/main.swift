//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAlerts
import ArgusServerMain
import Foundation

/// argus-server with one more sink type, `jsonl`, configured in config.yaml like any other:
///
/// ```yaml
/// alerts:
///   sinks:
///     - {name: log, type: jsonl, path: /var/log/argus/alerts.jsonl}
/// ```
struct JSONLinesOptions: AlertSinkOptions {
    var path: String

    static let keys = ["path"]

    func validate() throws(SettingProblem) {
        guard path.hasPrefix("/") else { throw SettingProblem("path", "the file's absolute path is required") }
    }

    var summary: String { path }
}

/// The sink: each alert as one line of JSON appended to the file.
struct JSONLinesFileSink: AlertSink {
    let name: String
    let path: String

    func deliver(_ alert: Alert) async throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteNoPermission) }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((try alert.json() + "\n").utf8))
    }
}

let jsonLines = AlertSinkType(
    "jsonl", title: "A JSON lines file", options: JSONLinesOptions.self, fields: [AlertSinkField("path", label: "File")],
    // It writes files, so only config.yaml may define one.
    addableAtRunTime: false
) { name, options in JSONLinesFileSink(name: name, path: options.path) }

await ArgusServerCommand.main(sinkTypes: AlertSinkRegistry.standard.registering(jsonLines))
