//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// One configured alert sink: its name and type, the type's typed settings, and how alerts
/// are paced for it (a digest, quiet hours of its own).
///
/// It encodes to one flat object — `name`, `type`, `digest_minutes`, `quiet_hours` and the
/// type's own settings — the shape of an `alerts.sinks` item in `config.yaml` and of the API's
/// request. Decoding needs the registry that knows the type: see
/// ``AlertSinkRegistry/userInfo(refusingUnknownSettings:addableAtRunTimeOnly:)``.
public struct AlertSinkConfiguration: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Its unique name (the outbox keys messages by it).
    public var name: String
    /// Its type's name (`webhook`).
    public var type: String
    /// The type's settings.
    public var options: any AlertSinkOptions
    /// Gather its non-critical alerts into one message at most this often.
    public var digestMinutes: Int?
    /// Its own quiet hours, instead of the global ones.
    public var quietHours: QuietHours?

    /// The settings every sink has.
    static let commonKeys = ["name", "type", "digest_minutes", "quiet_hours"]

    /// Configures a sink.
    public init(name: String, type: String, options: any AlertSinkOptions, digestMinutes: Int? = nil, quietHours: QuietHours? = nil) {
        self.name = name
        self.type = type
        self.options = options
        self.digestMinutes = digestMinutes
        self.quietHours = quietHours
    }

    /// The settings as a value of their own type, if they are of it.
    public func options<Options: AlertSinkOptions>(as type: Options.Type) -> Options? { options as? Options }

    /// The values to keep out of every message (the type's secrets).
    public var secretValues: [String] { options.secretValues }

    /// The sink without secrets, for people: `webhook https://hooks.example.org digest every 30 min`.
    public var description: String {
        var parts = [type]
        if !options.summary.isEmpty { parts.append(options.summary) }
        if let digestMinutes { parts.append("digest every \(digestMinutes) min") }
        if let quietHours { parts.append("quiet \(quietHours)") }
        return parts.joined(separator: " ")
    }

    public static func == (left: AlertSinkConfiguration, right: AlertSinkConfiguration) -> Bool {
        left.name == right.name && left.type == right.type && left.digestMinutes == right.digestMinutes && left.quietHours == right.quietHours
            && left.options.isEqual(to: right.options)
    }

    enum CodingKeys: String, CodingKey {
        case name, type
        case digestMinutes = "digest_minutes"
        case quietHours = "quiet_hours"
    }

    /// Decodes a sink with the registry in the decoder's user info.
    /// - Throws: ``SettingProblem`` naming the setting, also when no registry was given.
    public init(from decoder: any Decoder) throws {
        guard let context = decoder.userInfo[AlertSinkRegistry.userInfoKey] as? AlertSinkRegistry.DecodingContext else {
            throw SettingProblem("type", "no registry of sink types to decode it with (see AlertSinkRegistry.userInfo)")
        }
        self = try context.registry.decodeSink(
            from: decoder, refusingUnknownSettings: context.refusesUnknownSettings, addableAtRunTimeOnly: context.addableAtRunTimeOnly)
    }

    /// Encodes the flat object: the common settings, then the type's.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(digestMinutes, forKey: .digestMinutes)
        try container.encodeIfPresent(quietHours?.description, forKey: .quietHours)
        try options.encode(to: encoder)
    }
}

extension AlertSinkOptions {
    /// Whether `other` holds the same settings of the same type.
    func isEqual(to other: any AlertSinkOptions) -> Bool { (other as? Self) == self }
}
