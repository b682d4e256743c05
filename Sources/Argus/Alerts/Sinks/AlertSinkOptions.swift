//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// The settings of one type of alert sink — a webhook's URL and secret, a mail server and its
/// recipients — as a typed value that `config.yaml`, the REST API and the settings page all
/// decode to.
///
/// Conform a `Codable` struct whose coding keys are the setting names people write
/// (`snake_case`, as in `config.yaml`), then register it with an ``AlertSinkType``:
///
/// ```swift
/// struct FileSinkOptions: AlertSinkOptions {
///     var path: String
///     static let keys = ["path"]
///     func validate() throws(SettingProblem) {
///         guard path.hasPrefix("/") else { throw SettingProblem("path", "an absolute path is required") }
///     }
/// }
/// ```
///
/// Requirements with defaults: ``destinations`` (none), ``secretValues`` (none) and
/// ``summary`` (empty). Every text setting is also refused when it holds a control character,
/// and every destination when it is a link-local or cloud metadata address
/// (``SinkAddressRules``): the registry checks both for every type.
public protocol AlertSinkOptions: Codable, Sendable, Equatable {
    /// Every setting name this type accepts (without `name`, `type`, `digest_minutes` and
    /// `quiet_hours`, which every sink has). `config.yaml` refuses any other.
    static var keys: [String] { get }

    /// Checks the values together (a required URL, its scheme, at least one recipient).
    /// - Throws: ``SettingProblem`` naming the setting.
    func validate() throws(SettingProblem)

    /// The hosts alerts are sent to (a URL's host), checked against ``SinkAddressRules``.
    var destinations: [String] { get }

    /// The values to keep out of every message: tokens, passwords, URLs that are secrets.
    var secretValues: [String] { get }

    /// Where the sink sends, for people, without secrets (`https://hooks.example.org`).
    var summary: String { get }
}

extension AlertSinkOptions {
    /// None.
    public var destinations: [String] { [] }
    /// None.
    public var secretValues: [String] { [] }
    /// Nothing.
    public var summary: String { "" }
}
