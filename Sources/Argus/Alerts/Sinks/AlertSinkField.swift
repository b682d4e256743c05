//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// One setting of a sink type as a form shows it: the settings page builds its "Add a sink"
/// form from the registered types' fields.
public struct AlertSinkField: Sendable, Hashable {
    /// How the value is entered.
    public enum Kind: String, Sendable, Hashable {
        /// One line of text.
        case text
        /// A secret: never shown again, typed into a password field.
        case secret
        /// Several values, comma-separated in a form.
        case list
    }

    /// The setting's name (`url`), as in `config.yaml` and the API.
    public var key: String
    /// Its label (`URL`).
    public var label: String
    /// How it is entered.
    public var kind: Kind
    /// An example value (`https://hooks.example.org/argus`).
    public var example: String

    /// Describes a setting.
    public init(_ key: String, label: String, kind: Kind = .text, example: String = "") {
        self.key = key
        self.label = label
        self.kind = kind
        self.example = example
    }
}
