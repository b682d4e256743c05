//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The types of alert sink a program knows: `config.yaml`, the API and the settings page
/// build sinks from it, and a package registers types of its own beside the built-in ones
/// (`ArgusAlerts`'s `AlertSinkRegistry.standard`).
///
/// ```swift
/// var registry = AlertSinkRegistry.standard
/// registry.register(fileSinkType)
/// let sinks = try configurations.map { try registry.sink(for: $0) }
/// ```
///
/// Decoding a sink checks it the same way wherever it comes from: a known type, a valid name,
/// the type's own checks (``AlertSinkOptions/validate()``), no control character in any text
/// setting, and no link-local or metadata address among its destinations.
public struct AlertSinkRegistry: Sendable {
    /// The registered types, in the order they were registered.
    public private(set) var types: [AlertSinkType]

    /// A registry of these types (a later type replaces an earlier one of the same name).
    public init(_ types: [AlertSinkType] = []) {
        self.types = []
        for type in types { register(type) }
    }

    /// Adds a type, replacing any registered under the same name.
    public mutating func register(_ type: AlertSinkType) {
        if let index = types.firstIndex(where: { $0.name == type.name }) {
            types[index] = type
        } else {
            types.append(type)
        }
    }

    /// This registry with one more type.
    public func registering(_ type: AlertSinkType) -> AlertSinkRegistry {
        var copy = self
        copy.register(type)
        return copy
    }

    /// The type named `name`, if registered.
    public subscript(name: String) -> AlertSinkType? { types.first { $0.name == name } }

    /// The registered types' names.
    public var names: [String] { types.map(\.name) }

    /// The same types building every sink with `makeSink` (their settings and checks kept):
    /// for tests that record what would have been sent.
    public func building(_ makeSink: @escaping @Sendable (AlertSinkConfiguration) throws -> any AlertSink) -> AlertSinkRegistry {
        AlertSinkRegistry(types.map { $0.building(makeSink) })
    }

    /// Builds the sink a configuration describes.
    /// - Throws: ``SettingProblem`` for an unknown type; otherwise what the type's builder
    ///   throws (which may quote settings: redact ``AlertSinkConfiguration/secretValues``).
    public func sink(for configuration: AlertSinkConfiguration) throws -> any AlertSink {
        guard let type = self[configuration.type] else { throw unknownType() }
        return try type.build(configuration)
    }

    // MARK: Decoding

    /// The user info a `JSONDecoder` or `YAMLDecoder` needs to decode ``AlertSinkConfiguration``s.
    /// - Parameters:
    ///   - refusingUnknownSettings: Whether a setting the type does not know is an error (for
    ///     files people write) or ignored (for stored settings of a newer version).
    ///   - addableAtRunTimeOnly: Whether a type that only a configuration file may define
    ///     (``AlertSinkType/isAddableAtRunTime`` false) is refused, before its settings are read
    ///     (for sinks added through an API or a form).
    public func userInfo(refusingUnknownSettings: Bool = true, addableAtRunTimeOnly: Bool = false) -> [CodingUserInfoKey: any Sendable] {
        [
            Self.userInfoKey: DecodingContext(
                registry: self, refusesUnknownSettings: refusingUnknownSettings, addableAtRunTimeOnly: addableAtRunTimeOnly)
        ]
    }

    static let userInfoKey = CodingUserInfoKey(rawValue: "argus.alert-sink-registry")!

    struct DecodingContext: Sendable {
        var registry: AlertSinkRegistry
        var refusesUnknownSettings: Bool
        var addableAtRunTimeOnly = false
    }

    /// Decodes and checks one sink from a decoder positioned at its object.
    /// - Parameters:
    ///   - decoder: A decoder at the sink's object.
    ///   - refusingUnknownSettings: Whether a setting the type does not know is an error.
    ///   - addableAtRunTimeOnly: Whether a type only a configuration file may define is refused.
    /// - Throws: ``SettingProblem`` naming the first unusable setting.
    public func decodeSink(from decoder: any Decoder, refusingUnknownSettings: Bool = true, addableAtRunTimeOnly: Bool = false) throws(SettingProblem)
        -> AlertSinkConfiguration
    {
        let container: KeyedDecodingContainer<AlertSinkConfiguration.CodingKeys>
        do {
            container = try decoder.container(keyedBy: AlertSinkConfiguration.CodingKeys.self)
        } catch {
            throw SettingProblem("", "must be a mapping of settings (name, type, …)")
        }
        let name = try Self.decoding("name") { try container.decodeText(forKey: .name) ?? "" }
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }) else {
            throw SettingProblem("name", "1 to 64 letters, digits, '-', '_', '.' or ':'")
        }
        let typeName = try Self.decoding("type") { try container.decodeText(forKey: .type) ?? "" }
        if addableAtRunTimeOnly { try checkAddableAtRunTime(typeName) }
        guard let type = self[typeName] else { throw unknownType() }
        if refusingUnknownSettings {
            let known = AlertSinkConfiguration.commonKeys + type.keys
            let all = (try? decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)) ?? []
            if let unknown = all.first(where: { !known.contains($0) }) {
                throw SettingProblem(unknown, "unknown setting of a \(typeName) sink (\(known.joined(separator: ", ")))")
            }
        }
        var configuration = AlertSinkConfiguration(name: name, type: typeName, options: try Self.decoding("") { try type.decodeOptions(decoder) })
        configuration.digestMinutes = try Self.decoding("digest_minutes") { try container.decodeIfPresent(Int.self, forKey: .digestMinutes) }
        if let digest = configuration.digestMinutes, !(1...10_080).contains(digest) {
            throw SettingProblem("digest_minutes", "1 to 10080 minutes (a week)")
        }
        configuration.quietHours = try Self.decoding("quiet_hours") {
            if let text = try? container.decodeText(forKey: .quietHours) { return try QuietHours(text) }
            // Settings stored by earlier versions hold the window as an object.
            return try container.decodeIfPresent(QuietHours.self, forKey: .quietHours)
        }
        try check(configuration)
        return configuration
    }

    /// Checks a configuration built in code the way decoding checks one read from text.
    /// - Throws: ``SettingProblem`` naming the setting.
    public func check(_ configuration: AlertSinkConfiguration) throws(SettingProblem) {
        guard self[configuration.type] != nil else { throw unknownType() }
        // Values that end up in headers, URLs or protocol lines: a CR or LF would start a
        // header or command of its own. The value is never repeated.
        if let key = Self.keyHoldingControlCharacter(in: configuration.options) {
            throw SettingProblem(key, "must not contain control characters (such as CR or LF)")
        }
        try configuration.options.validate()
        for host in configuration.options.destinations {
            if let refusal = SinkAddressRules.refusal(forHost: host) { throw SettingProblem("url", refusal) }
        }
    }

    /// Refuses a type the registry does not know, or one that only a configuration file may
    /// define (``AlertSinkType/isAddableAtRunTime`` false: it runs programs or touches files).
    /// - Throws: ``SettingProblem`` on `type`.
    public func checkAddableAtRunTime(_ typeName: String) throws(SettingProblem) {
        guard let type = self[typeName] else { throw unknownType(addableAtRunTimeOnly: true) }
        guard type.isAddableAtRunTime else {
            throw SettingProblem("type", "\(typeName) sinks run programs or touch files, so only config.yaml may define them")
        }
    }

    private func unknownType(addableAtRunTimeOnly: Bool = false) -> SettingProblem {
        let offered = addableAtRunTimeOnly ? types.filter(\.isAddableAtRunTime).map(\.name) : names
        return SettingProblem("type", "one of \(offered.joined(separator: ", "))")
    }

    /// Runs a decoding step, turning a decoding error into a problem naming the setting.
    private static func decoding<T>(_ key: String, _ body: () throws -> T) throws(SettingProblem) -> T {
        do {
            return try body()
        } catch let problem as SettingProblem {
            throw problem
        } catch let error as DecodingError {
            throw problem(error, key: key)
        } catch {
            throw SettingProblem(key, "\(error)")
        }
    }

    private static func problem(_ error: DecodingError, key: String) -> SettingProblem {
        switch error {
        case .keyNotFound(let missing, _):
            return SettingProblem(missing.stringValue, "is required")
        case .valueNotFound(_, let context):
            return SettingProblem(context.codingPath.first?.stringValue ?? key, "is required")
        case .typeMismatch(let type, let context):
            let expected = type == String.self ? "text" : type == Int.self ? "a whole number" : "\(type)".contains("Array") ? "a list" : "\(type)"
            return SettingProblem(context.codingPath.first?.stringValue ?? key, "must be \(expected)")
        case .dataCorrupted(let context):
            return SettingProblem(context.codingPath.first?.stringValue ?? key, context.debugDescription)
        @unknown default:
            return SettingProblem(key, "cannot be read")
        }
    }

    /// The first setting whose text (or one of whose list items) holds a control character:
    /// `password`, or `to.[1]` for a list's second item.
    static func keyHoldingControlCharacter(in options: any AlertSinkOptions) -> String? {
        guard let data = try? JSONEncoder().encode(options), let value = try? JSONDecoder().decode(SettingValue.self, from: data) else {
            return nil
        }
        return value.pathOfControlCharacter
    }
}

/// Any key, to list every key an object has.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A decoded JSON value, to look into settings of any type.
enum SettingValue: Decodable {
    case text(String)
    case list([SettingValue])
    case object([String: SettingValue])
    case other

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: AnyCodingKey.self) {
            var fields: [String: SettingValue] = [:]
            for key in container.allKeys { fields[key.stringValue] = try container.decode(SettingValue.self, forKey: key) }
            self = .object(fields)
        } else if var container = try? decoder.unkeyedContainer() {
            var items: [SettingValue] = []
            while !container.isAtEnd { items.append(try container.decode(SettingValue.self)) }
            self = .list(items)
        } else if let text = try? decoder.singleValueContainer().decode(String.self) {
            self = .text(text)
        } else {
            self = .other
        }
    }

    /// Where a control character is, as a path (`to.[1]`); `""` for this value itself.
    var pathOfControlCharacter: String? {
        switch self {
        case .text(let text):
            return text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) } ? "" : nil
        case .list(let items):
            for (index, item) in items.enumerated() {
                if let path = item.pathOfControlCharacter { return "[\(index)]" + (path.isEmpty ? "" : ".\(path)") }
            }
            return nil
        case .object(let fields):
            for key in fields.keys.sorted() {
                if let path = fields[key]?.pathOfControlCharacter { return key + (path.isEmpty ? "" : ".\(path)") }
            }
            return nil
        case .other:
            return nil
        }
    }
}

extension KeyedDecodingContainer {
    /// A text setting: `nil` when absent, null or empty.
    public func decodeText(forKey key: Key) throws -> String? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        let text = try decode(String.self, forKey: key)
        return text.isEmpty ? nil : text
    }

    /// A list setting, written as a list or as one value; empty items are dropped.
    public func decodeTexts(forKey key: Key) throws -> [String] {
        guard contains(key), try !decodeNil(forKey: key) else { return [] }
        if let one = try? decode(String.self, forKey: key) { return one.isEmpty ? [] : [one] }
        return try decode([String].self, forKey: key).filter { !$0.isEmpty }
    }
}
