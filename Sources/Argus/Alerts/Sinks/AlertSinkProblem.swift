//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A sink setting that cannot be used, named by its key (`url`, `to`), with the reason. The
/// reason never repeats a secret value.
public struct AlertSinkProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting's name, as written in `config.yaml` (`url`, `to`, `type`).
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
