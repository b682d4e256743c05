//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Foundation
import Subprocess
import SystemPackage

/// Runs a program for each alert, with the alert's JSON on standard input and its kind,
/// severity and message in `ARGUS_ALERT_*` environment variables. An argument vector, never a
/// shell; a non-zero exit or a timeout is an error (the dispatcher retries).
public struct CommandAlertSink: AlertSink, CustomStringConvertible {
    public let name: String
    /// The program.
    public let executable: String
    /// Its arguments.
    public let arguments: [String]
    /// How long it may run.
    public let timeout: Duration

    /// Creates a sink.
    public init(name: String, executable: String, arguments: [String] = [], timeout: Duration = .seconds(30)) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
    }

    /// The program and how many arguments it gets; the arguments themselves may carry tokens,
    /// so they are not shown.
    public var description: String { "command \(name) → \(executable) (\(arguments.count) argument\(arguments.count == 1 ? "" : "s"))" }

    /// The arguments (they may carry tokens), but short options like `-H`: kept out of every
    /// error text.
    public var secrets: [String] { arguments.filter { $0.count >= 8 } }

    /// A command that failed.
    public struct CommandError: Error, CustomStringConvertible {
        /// For people.
        public var description: String
    }

    public func deliver(_ alert: Alert) async throws {
        let json = try alert.json()
        let environment: [Environment.Key: String?] = [
            "ARGUS_ALERT_ID": alert.id, "ARGUS_ALERT_KIND": alert.kind.rawValue, "ARGUS_ALERT_SEVERITY": alert.severity.rawValue,
            "ARGUS_ALERT_MESSAGE": alert.message,
        ]
        let timeout = timeout
        let executable = executable
        let arguments = arguments
        let status = try await withThrowingTaskGroup(of: TerminationStatus?.self) { group in
            group.addTask {
                try await run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), environment: .inherit.updating(environment), input: .string(json),
                    output: .discarded, error: .discarded
                ).terminationStatus
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else { throw CommandError(description: "\(executable) did not finish within \(timeout)") }
        guard status.isSuccess else { throw CommandError(description: "\(executable) ended with \(status)") }
    }
}
