//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A setting that cannot be used, named by its key (`url`, `alerts.sinks[0].to`,
/// `server.port`), with the reason: a sink's settings and argus-server's configuration alike.
/// The reason never repeats a secret value.
public struct SettingProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting's name, as written in `config.yaml` (`url`, `server.port`), or the file.
    public var key: String
    /// What is wrong, and what is expected.
    public var reason: String

    /// Creates a problem report.
    public init(_ key: String, _ reason: String) {
        self.key = key
        self.reason = reason
    }

    /// `key: reason`.
    public var description: String { "\(key): \(reason)" }
}
