//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Foundation
import NIOCore

/// Alerts to an MQTT broker (MQTT 3.1.1, optionally over TLS), shaped for Home Assistant.
///
/// Each delivery connects (clean session, a retained last will `<prefix>/status` = `offline`),
/// publishes with QoS 1, waits for every PUBACK, and disconnects cleanly, so the will is not sent:
///
/// - Home Assistant discovery configs (retained, unless `discoveryPrefix` is `nil`) for an
///   `event` entity (`event.argus_alert`), a `sensor` with the last alert's title and its fields
///   as attributes (`sensor.argus_last_alert`), and a `binary_sensor` of class `problem`
///   (`binary_sensor.argus_critical_alert`), all on one device "Argus";
/// - `<prefix>/status` = `online` (retained), the entities' availability;
/// - `<prefix>/event` = the alert's fields plus `event_type` (its kind), for the event entity;
/// - `<prefix>/alert/last` = the alert as JSON (retained);
/// - `<prefix>/alert/critical` = `ON` for a critical alert, `OFF` for `risk_cleared` (retained);
///   other alerts leave it as it is.
///
/// Alerts are rare, so one connection per delivery keeps the client simple; any refusal, a
/// missing PUBACK or a malformed packet is a ``DeliveryError``, and the dispatcher retries.
public struct MQTTAlertSink: AlertSink, CustomStringConvertible {
    public let name: String
    /// The broker's host name or IP address.
    public let host: String
    /// Its port.
    public let port: UInt16
    /// Whether to speak TLS.
    public let tls: Bool
    /// The user name, if the broker wants one.
    public let username: String?
    /// The password; never logged or shown.
    let password: String?
    /// The client identifier.
    public let clientID: String
    /// The first level of Argus's topics, e.g. `argus` for `argus/event`.
    public let topicPrefix: String
    /// Home Assistant's discovery prefix, or `nil` to publish no discovery configs.
    public let discoveryPrefix: String?
    /// A PEM file of the CAs to trust instead of the system's.
    public let trustRootsFile: String?
    /// How long one delivery may take, connecting included.
    public let timeout: Duration
    /// Resolves the host when a delivery connects, refusing addresses no sink may reach (the
    /// system's resolver unless a test gives its own).
    public var resolver: SinkHostResolver = .system
    /// TLS settings, when ``tls`` is on.
    let tlsClient: TLSClient?

    /// Creates a sink.
    /// - Parameters:
    ///   - port: `nil` for 1883, or 8883 with TLS.
    ///   - clientID: `nil` for `argus-<name>`.
    ///   - discoveryPrefix: Home Assistant's discovery prefix; `nil` turns discovery off.
    ///   - trustRootsFile: a PEM file of CA certificates; `nil` trusts the system's roots.
    /// - Throws: ``ConfigurationError`` for an empty host, a topic prefix that is empty or holds
    ///   `+`, `#` or NUL, a password without a user name, or an unreadable trust roots file.
    public init(
        name: String,
        host: String,
        port: UInt16? = nil,
        tls: Bool = false,
        username: String? = nil,
        password: String? = nil,
        clientID: String? = nil,
        topicPrefix: String = "argus",
        discoveryPrefix: String? = "homeassistant",
        trustRootsFile: String? = nil,
        timeout: Duration = .seconds(10)
    ) throws {
        let username = username?.isEmpty == true ? nil : username
        let clientID = clientID ?? "argus-\(name)"
        guard !host.isEmpty, !host.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ConfigurationError("alert sink \(name): '\(host)' is not a host name")
        }
        guard port != 0 else { throw ConfigurationError("alert sink \(name): port 0 is not a port") }
        try Self.validateTopic(topicPrefix, what: "the topic prefix", sink: name)
        if let discoveryPrefix { try Self.validateTopic(discoveryPrefix, what: "the discovery prefix", sink: name) }
        guard !clientID.isEmpty, clientID.utf8.count <= 65_535, !clientID.utf8.contains(0) else {
            throw ConfigurationError("alert sink \(name): the client id must be 1 to 65535 bytes without NUL")
        }
        if password?.isEmpty == false, username == nil {
            throw ConfigurationError("alert sink \(name): a password without a user name (MQTT 3.1.1 needs both)")
        }
        guard (username?.utf8.count ?? 0) <= 65_535, (password?.utf8.count ?? 0) <= 65_535 else {
            throw ConfigurationError("alert sink \(name): the user name or password is longer than 65535 bytes")
        }
        guard timeout > .zero else { throw ConfigurationError("alert sink \(name): the timeout must be positive") }
        if tls {
            do {
                tlsClient = try TLSClient(host: host, trustRootsFile: trustRootsFile)
            } catch {
                throw ConfigurationError("alert sink \(name): \(error)")
            }
        } else {
            tlsClient = nil
        }
        self.name = name
        self.host = host
        self.port = port ?? (tls ? 8883 : 1883)
        self.tls = tls
        self.username = username
        self.password = username == nil ? nil : password
        self.clientID = clientID
        self.topicPrefix = topicPrefix
        self.discoveryPrefix = discoveryPrefix
        self.trustRootsFile = trustRootsFile
        self.timeout = timeout
    }

    /// Throws unless `topic` can be published to: not empty, no wildcards (`+`, `#`), no NUL,
    /// not a broker topic (`$…`), at most 65535 bytes.
    private static func validateTopic(_ topic: String, what: String, sink: String) throws {
        guard !topic.isEmpty, !topic.contains("+"), !topic.contains("#"), !topic.utf8.contains(0), !topic.hasPrefix("$"), topic.utf8.count <= 60_000
        else {
            throw ConfigurationError(
                "alert sink \(sink): \(what) '\(topic)' is not a publishable MQTT topic (it must be non-empty, without +, # or NUL, and not start with $)"
            )
        }
    }

    /// The sink without its password, for logs and the API.
    public var description: String {
        let user = username.map { " as \($0)" } ?? ""
        let discovery = discoveryPrefix.map { ", discovery \($0)/…" } ?? ""
        return "mqtt \(name) → \(tls ? "mqtts" : "mqtt")://\(host):\(port)\(user) (topics \(topicPrefix)/…\(discovery))"
    }

    /// The password: kept out of every error text.
    public var secrets: [String] { [password].compactMap(\.self) }

    /// A misconfigured sink.
    public struct ConfigurationError: Error, CustomStringConvertible {
        /// For people.
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// A delivery that failed: the broker refused the connection or a message, could not be
    /// reached, spoke something other than MQTT, or took too long. Never carries the password.
    public struct DeliveryError: Error, CustomStringConvertible {
        /// The CONNACK return code when the broker refused the connection (e.g. 5, not authorised).
        public var returnCode: Int?
        /// Whether the delivery ran out of time.
        public var isTimeout: Bool
        /// For logs.
        public var description: String

        init(returnCode: Int? = nil, isTimeout: Bool = false, _ description: String) {
            self.returnCode = returnCode
            self.isTimeout = isTimeout
            self.description = description
        }
    }

    /// One message to publish.
    struct Message: Sendable, Equatable {
        /// Where.
        var topic: String
        /// What (UTF-8).
        var payload: String
        /// Whether the broker keeps it for later subscribers.
        var retain: Bool
    }

    public func deliver(_ alert: Alert) async throws {
        let messages = try messages(for: alert)
        let connect = try MQTTPacket.connect(
            clientID: clientID, username: username, password: password, keepAlive: 60,
            will: Message(topic: statusTopic, payload: "offline", retain: true)
        )
        do {
            try await Connection.with(host: host, port: Int(port), tls: tlsClient, timeout: timeout, resolver: resolver) { connection in
                try await connection.write(ByteBuffer(bytes: connect))
                let acknowledgement = try await connection.read(MQTTPacket.parse)
                guard acknowledgement.type == .connack, acknowledgement.body.count == 2 else {
                    throw DeliveryError("expected CONNACK, the broker sent \(acknowledgement.type)")
                }
                let code = acknowledgement.body[1]
                guard code == 0 else {
                    throw DeliveryError(
                        returnCode: Int(code), "the broker refused the connection: \(MQTTPacket.connackReason(code)) (CONNACK \(code))")
                }
                var packetID: UInt16 = 0
                for message in messages {
                    packetID = packetID == .max ? 1 : packetID + 1
                    try await connection.write(ByteBuffer(bytes: try MQTTPacket.publish(message, packetID: packetID)))
                    try await waitForAcknowledgement(of: packetID, topic: message.topic, on: connection)
                }
                try await connection.write(ByteBuffer(bytes: MQTTPacket.disconnect))
                // The broker closes the connection on DISCONNECT; waiting for that makes sure it
                // was received (and the will discarded).
                await connection.drain()
            }
        } catch let error as DeliveryError {
            throw DeliveryError(returnCode: error.returnCode, isTimeout: error.isTimeout, "mqtt \(host):\(port): \(error.description)")
        } catch let error as ConnectionError {
            throw DeliveryError(isTimeout: error.isTimeout, "mqtt \(host):\(port): \(error.description)")
        } catch let error as MQTTPacket.MalformedPacket {
            throw DeliveryError("mqtt \(host):\(port): \(error.description)")
        } catch {
            throw DeliveryError("mqtt \(host):\(port): \(error)")
        }
    }

    /// Reads until the PUBACK for `packetID` (PINGRESPs aside).
    private func waitForAcknowledgement(of packetID: UInt16, topic: String, on connection: Connection) async throws {
        while true {
            let packet = try await connection.read(MQTTPacket.parse)
            switch packet.type {
            case .puback:
                guard packet.body.count >= 2 else { throw DeliveryError("the broker sent a PUBACK without a packet id") }
                let acknowledged = UInt16(packet.body[0]) << 8 | UInt16(packet.body[1])
                guard acknowledged == packetID else {
                    throw DeliveryError("the broker acknowledged packet \(acknowledged) while \(packetID) (\(topic)) was waiting")
                }
                return
            case .pingresp:
                continue
            default:
                throw DeliveryError("the broker sent \(packet.type) while the publication to \(topic) waited for its PUBACK")
            }
        }
    }

    // MARK: - Topics and payloads

    /// `<prefix>/status`: `online`, or the will's `offline`.
    var statusTopic: String { "\(topicPrefix)/status" }

    /// Everything one alert publishes, in order.
    func messages(for alert: Alert) throws -> [Message] {
        var messages: [Message] = []
        if let discoveryPrefix {
            messages += try discoveryConfigs(prefix: discoveryPrefix).map { Message(topic: $0.topic, payload: $0.payload, retain: true) }
        }
        messages.append(Message(topic: statusTopic, payload: "online", retain: true))
        messages.append(Message(topic: "\(topicPrefix)/event", payload: try Self.eventPayload(for: alert), retain: false))
        messages.append(Message(topic: "\(topicPrefix)/alert/last", payload: try alert.json(), retain: true))
        if alert.kind == .riskCleared {
            messages.append(Message(topic: "\(topicPrefix)/alert/critical", payload: "OFF", retain: true))
        } else if alert.severity == .critical {
            messages.append(Message(topic: "\(topicPrefix)/alert/critical", payload: "ON", retain: true))
        }
        return messages
    }

    /// `{"event_type": <kind>, …the alert's fields}`: what Home Assistant's event entity takes.
    static func eventPayload(for alert: Alert) throws -> String {
        guard var object = try JSONSerialization.jsonObject(with: Data(try alert.json().utf8)) as? [String: Any] else {
            throw DeliveryError("the alert did not encode as a JSON object")
        }
        object["event_type"] = alert.kind.rawValue
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// A Home Assistant MQTT discovery config (the fields that apply to its component).
    struct DiscoveryConfig: Encodable, Equatable {
        /// The device all of Argus's entities belong to.
        struct Device: Encodable, Equatable {
            var identifiers = ["argus"]
            var name = "Argus"
            var manufacturer = "Argus"
            var model = "network security monitor"
        }

        var name: String
        var uniqueID: String
        var stateTopic: String
        var availabilityTopic: String
        var icon: String?
        var device = Device()
        var eventTypes: [String]?
        var valueTemplate: String?
        var jsonAttributesTopic: String?
        var deviceClass: String?
        var payloadOn: String?
        var payloadOff: String?

        enum CodingKeys: String, CodingKey {
            case name, icon, device
            case uniqueID = "unique_id"
            case stateTopic = "state_topic"
            case availabilityTopic = "availability_topic"
            case eventTypes = "event_types"
            case valueTemplate = "value_template"
            case jsonAttributesTopic = "json_attributes_topic"
            case deviceClass = "device_class"
            case payloadOn = "payload_on"
            case payloadOff = "payload_off"
        }
    }

    /// The three discovery configs: their topics and JSON.
    func discoveryConfigs(prefix: String) throws -> [(topic: String, payload: String)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let lastTopic = "\(topicPrefix)/alert/last"
        let configs: [(String, DiscoveryConfig)] = [
            (
                "\(prefix)/event/argus/alert/config",
                DiscoveryConfig(
                    name: "Alert", uniqueID: "argus_alert", stateTopic: "\(topicPrefix)/event", availabilityTopic: statusTopic,
                    icon: "mdi:shield-alert", eventTypes: AlertKind.allCases.map(\.rawValue)
                )
            ),
            (
                "\(prefix)/sensor/argus/last_alert/config",
                DiscoveryConfig(
                    name: "Last alert", uniqueID: "argus_last_alert", stateTopic: lastTopic, availabilityTopic: statusTopic,
                    icon: "mdi:shield-search", valueTemplate: "{{ value_json.title }}", jsonAttributesTopic: lastTopic
                )
            ),
            (
                "\(prefix)/binary_sensor/argus/critical/config",
                DiscoveryConfig(
                    name: "Critical alert", uniqueID: "argus_critical", stateTopic: "\(topicPrefix)/alert/critical", availabilityTopic: statusTopic,
                    deviceClass: "problem", payloadOn: "ON", payloadOff: "OFF"
                )
            ),
        ]
        return try configs.map { topic, config in (topic, String(decoding: try encoder.encode(config), as: UTF8.self)) }
    }
}

/// MQTT 3.1.1 packets: the few a publishing client sends, and a reader for what comes back.
enum MQTTPacket {
    /// The control packet types (the high nibble of the first byte).
    enum Kind: UInt8, CustomStringConvertible {
        case connect = 1
        case connack
        case publish
        case puback
        case pubrec
        case pubrel
        case pubcomp
        case subscribe
        case suback
        case unsubscribe
        case unsuback
        case pingreq
        case pingresp
        case disconnect

        var description: String {
            switch self {
            case .connect: "CONNECT"
            case .connack: "CONNACK"
            case .publish: "PUBLISH"
            case .puback: "PUBACK"
            case .pubrec: "PUBREC"
            case .pubrel: "PUBREL"
            case .pubcomp: "PUBCOMP"
            case .subscribe: "SUBSCRIBE"
            case .suback: "SUBACK"
            case .unsubscribe: "UNSUBSCRIBE"
            case .unsuback: "UNSUBACK"
            case .pingreq: "PINGREQ"
            case .pingresp: "PINGRESP"
            case .disconnect: "DISCONNECT"
            }
        }
    }

    /// A received packet.
    struct Packet: Equatable {
        /// Its type.
        var type: Kind
        /// The low nibble of the first byte.
        var flags: UInt8
        /// The variable header and payload.
        var body: [UInt8]
    }

    /// Bytes that are not MQTT.
    struct MalformedPacket: Error, CustomStringConvertible {
        /// For people.
        var description: String
    }

    /// The largest remaining length MQTT can express.
    static let maximumRemainingLength = 268_435_455
    /// The largest packet this client accepts from a broker (it only expects a few bytes).
    static let maximumReceived = 64 * 1024

    /// DISCONNECT.
    static let disconnect: [UInt8] = [0xE0, 0x00]

    /// A remaining length as MQTT's variable-length integer (1 to 4 bytes, 7 bits each, least
    /// significant first, the high bit meaning "more").
    static func encodeRemainingLength(_ length: Int) throws(MalformedPacket) -> [UInt8] {
        guard (0...maximumRemainingLength).contains(length) else {
            throw MalformedPacket(description: "a packet of \(length) bytes is larger than MQTT allows")
        }
        var value = length
        var bytes: [UInt8] = []
        repeat {
            var byte = UInt8(value % 128)
            value /= 128
            if value > 0 { byte |= 0x80 }
            bytes.append(byte)
        } while value > 0
        return bytes
    }

    /// Reads a variable-length integer from the start of `bytes`: its value and how many bytes
    /// it took, or `nil` when more bytes are needed.
    /// - Throws: ``MalformedPacket`` when it runs past four bytes.
    static func decodeRemainingLength(_ bytes: some Collection<UInt8>) throws(MalformedPacket) -> (value: Int, count: Int)? {
        var value = 0
        var multiplier = 1
        var count = 0
        for byte in bytes {
            count += 1
            value += Int(byte & 0x7F) * multiplier
            if byte & 0x80 == 0 { return (value, count) }
            guard count < 4 else { throw MalformedPacket(description: "the broker sent a malformed remaining length (more than four bytes)") }
            multiplier *= 128
        }
        return nil
    }

    /// A UTF-8 string or binary field: two bytes of length, then the bytes.
    static func field(_ bytes: some Collection<UInt8>) throws(MalformedPacket) -> [UInt8] {
        guard bytes.count <= 65_535 else { throw MalformedPacket(description: "a field of \(bytes.count) bytes is longer than MQTT allows") }
        return [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
    }

    /// A packet from its first byte and body.
    static func packet(_ first: UInt8, _ body: [UInt8]) throws(MalformedPacket) -> [UInt8] {
        [first] + (try encodeRemainingLength(body.count)) + body
    }

    /// CONNECT: MQTT 3.1.1, a clean session, the will (QoS 1) and the credentials when set.
    static func connect(clientID: String, username: String?, password: String?, keepAlive: UInt16, will: MQTTAlertSink.Message)
        throws(MalformedPacket) -> [UInt8]
    {
        var flags: UInt8 = 0x02  // clean session
        flags |= 0x04 | 0x08  // a will, at QoS 1
        if will.retain { flags |= 0x20 }
        if username != nil { flags |= 0x80 }
        if username != nil, password != nil { flags |= 0x40 }
        var body = try field(Array("MQTT".utf8)) + [0x04, flags, UInt8(keepAlive >> 8), UInt8(keepAlive & 0xFF)]
        body += try field(Array(clientID.utf8))
        body += try field(Array(will.topic.utf8))
        body += try field(Array(will.payload.utf8))
        if let username {
            body += try field(Array(username.utf8))
            if let password { body += try field(Array(password.utf8)) }
        }
        return try packet(0x10, body)
    }

    /// PUBLISH at QoS 1.
    static func publish(_ message: MQTTAlertSink.Message, packetID: UInt16) throws(MalformedPacket) -> [UInt8] {
        let first: UInt8 = 0x30 | 0x02 | (message.retain ? 0x01 : 0x00)
        let body = try field(Array(message.topic.utf8)) + [UInt8(packetID >> 8), UInt8(packetID & 0xFF)] + Array(message.payload.utf8)
        return try packet(first, body)
    }

    /// The packet at the start of `buffer`, consumed, or `nil` until all of it has arrived.
    /// - Throws: ``MalformedPacket`` for a reserved type, a bad length, or a packet larger than
    ///   ``maximumReceived``.
    static func parse(_ buffer: inout ByteBuffer) throws(MalformedPacket) -> Packet? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard let type = Kind(rawValue: first >> 4) else {
            throw MalformedPacket(description: "the broker sent a packet of reserved type \(first >> 4); this is not MQTT")
        }
        let view = buffer.readableBytesView.dropFirst()
        guard let (length, count) = try decodeRemainingLength(view.prefix(4)) else { return nil }
        guard length <= maximumReceived else {
            throw MalformedPacket(description: "the broker sent a \(type) of \(length) bytes, more than this client accepts")
        }
        guard buffer.readableBytes >= 1 + count + length else { return nil }
        buffer.moveReaderIndex(forwardBy: 1 + count)
        guard let body = buffer.readBytes(length: length) else { return nil }
        return Packet(type: type, flags: first & 0x0F, body: body)
    }

    /// Why a broker refused a connection, by CONNACK return code.
    static func connackReason(_ code: UInt8) -> String {
        switch code {
        case 1: "unacceptable protocol version (the broker does not speak MQTT 3.1.1)"
        case 2: "identifier rejected (the client id is not allowed)"
        case 3: "server unavailable"
        case 4: "bad user name or password"
        case 5: "not authorised"
        default: "unknown return code"
        }
    }
}
