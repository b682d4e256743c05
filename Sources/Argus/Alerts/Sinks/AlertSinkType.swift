//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A kind of alert sink that people can configure by name (`type: webhook`): its typed
/// settings, the fields a form shows for them, and how to build the sink.
///
/// ```swift
/// let file = AlertSinkType("file", title: "A JSON lines file", options: FileSinkOptions.self,
///                          fields: [AlertSinkField("path", label: "File", example: "/var/log/argus.jsonl")],
///                          addableAtRunTime: false) { name, options in
///     FileAlertSink(name: name, path: options.path)
/// }
/// ```
public struct AlertSinkType: Sendable {
    /// The name written as `type:` in `config.yaml` and the API (`webhook`, `email`).
    public let name: String
    /// A few words for people (`Slack`, `E-mail over SMTP`).
    public let title: String
    /// Every setting name the type accepts (its options' ``AlertSinkOptions/keys``).
    public let keys: [String]
    /// The settings a form asks for, in order.
    public let fields: [AlertSinkField]
    /// Whether the API and the settings page may add sinks of this type. Types that run
    /// programs or write files should say no: only `config.yaml` may define those.
    public let isAddableAtRunTime: Bool

    let decodeOptions: @Sendable (any Decoder) throws -> any AlertSinkOptions
    let build: @Sendable (AlertSinkConfiguration) throws -> any AlertSink

    /// Describes a type.
    /// - Parameters:
    ///   - name: Its `type:` name: lowercase letters, digits, `-` or `_`.
    ///   - title: A few words for people.
    ///   - options: The settings' type.
    ///   - fields: The settings a form asks for (empty: the type can be configured in
    ///     `config.yaml` and the API only).
    ///   - addableAtRunTime: Whether the API and the settings page may add such sinks.
    ///   - makeSink: Builds the sink named `name` from checked settings; a thrown error is
    ///     reported with the sink's name.
    public init<Options: AlertSinkOptions>(
        _ name: String, title: String, options: Options.Type, fields: [AlertSinkField] = [], addableAtRunTime: Bool = true,
        makeSink: @escaping @Sendable (_ name: String, _ options: Options) throws -> any AlertSink
    ) {
        self.name = name
        self.title = title
        self.keys = Options.keys
        self.fields = fields
        self.isAddableAtRunTime = addableAtRunTime
        self.decodeOptions = { try Options(from: $0) }
        self.build = { configuration in
            guard let options = configuration.options as? Options else {
                throw SettingProblem("type", "the settings of \(configuration.name) are not \(name) settings")
            }
            return try makeSink(configuration.name, options)
        }
    }

    private init(copying type: AlertSinkType, build: @escaping @Sendable (AlertSinkConfiguration) throws -> any AlertSink) {
        name = type.name
        title = type.title
        keys = type.keys
        fields = type.fields
        isAddableAtRunTime = type.isAddableAtRunTime
        decodeOptions = type.decodeOptions
        self.build = build
    }

    /// The same type (settings, fields, checks) building its sinks another way: a test's
    /// recording sink in place of a real webhook.
    public func building(_ makeSink: @escaping @Sendable (AlertSinkConfiguration) throws -> any AlertSink) -> AlertSinkType {
        AlertSinkType(copying: self, build: makeSink)
    }
}
