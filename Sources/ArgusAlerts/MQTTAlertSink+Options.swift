//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

extension MQTTAlertSink {
    /// The settings of an MQTT sink: the broker as a URL (`mqtt://broker.lan:1883`,
    /// `mqtts://broker.lan:8883`), the account, the topic prefix and Home Assistant discovery.
    public struct Options: AlertSinkOptions {
        /// The broker.
        public var url: String?
        /// The account's user name.
        public var username: String?
        /// The account's password; never logged or shown.
        public var password: String?
        /// A PEM file of the certificate authorities to trust (mqtts); `nil` for the system's.
        public var caFile: String?
        /// Topics start with it; `nil` for `argus`.
        public var topicPrefix: String?
        /// Home Assistant's discovery prefix: `nil` for `homeassistant`, empty (or null in
        /// `config.yaml`) turns discovery off.
        public var discoveryPrefix: String?

        /// Settings for a broker.
        public init(
            url: String?, username: String? = nil, password: String? = nil, caFile: String? = nil, topicPrefix: String? = nil,
            discoveryPrefix: String? = nil
        ) {
            self.url = url
            self.username = username
            self.password = password
            self.caFile = caFile
            self.topicPrefix = topicPrefix
            self.discoveryPrefix = discoveryPrefix
        }

        public static let keys = ["url", "username", "password", "ca_file", "topic_prefix", "discovery_prefix"]

        enum CodingKeys: String, CodingKey {
            case url, username, password
            case caFile = "ca_file"
            case topicPrefix = "topic_prefix"
            case discoveryPrefix = "discovery_prefix"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                url: try container.decodeText(forKey: .url), username: try container.decodeText(forKey: .username),
                password: try container.decodeText(forKey: .password), caFile: try container.decodeText(forKey: .caFile),
                topicPrefix: try container.decodeText(forKey: .topicPrefix))
            // Present but null or empty: discovery off.
            if container.contains(.discoveryPrefix) { discoveryPrefix = try container.decodeText(forKey: .discoveryPrefix) ?? "" }
        }

        public func validate() throws(SettingProblem) {
            _ = try AlertSinkURL(
                url, schemes: ["mqtt", "mqtts"], expected: "a broker like mqtt://broker.lan:1883 or mqtts://broker.lan:8883 is required")
        }

        public var destinations: [String] { AlertSinkURL.hosts(of: url) }
        public var secretValues: [String] { [password].compactMap(\.self) }
        public var summary: String { AlertSinkURL.origin(of: url) ?? "" }
    }

    /// The registered `mqtt` type.
    public static var sinkType: AlertSinkType {
        AlertSinkType(
            "mqtt", title: "MQTT (with Home Assistant discovery)", options: Options.self,
            fields: [
                AlertSinkField("url", label: "URL", example: "mqtt://broker.lan:1883"), AlertSinkField("username", label: "User name"),
                AlertSinkField("password", label: "Password", kind: .secret),
            ]
        ) { name, options in
            let url = try AlertSinkURL(options.url, schemes: ["mqtt", "mqtts"], expected: "a broker URL is required")
            return try MQTTAlertSink(
                name: name, host: url.host, port: url.port.flatMap { UInt16(exactly: $0) }, tls: url.scheme == "mqtts", username: options.username,
                password: options.password, topicPrefix: options.topicPrefix ?? "argus",
                discoveryPrefix: options.discoveryPrefix.map { $0.isEmpty ? nil : $0 } ?? "homeassistant", trustRootsFile: options.caFile)
        }
    }
}
