//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import NIOCore
import Testing

@testable import ArgusAlerts

let criticalAlert = Alert(
    id: "scan-7-change-2",
    kind: .newCVE,
    severity: .critical,
    title: "Known vulnerability",
    message: "CVE-2024-6387 applies to OpenSSH 9.6 on 192.0.2.10.",
    device: AlertDevice(id: 4, ip: "192.0.2.10", mac: "aa:bb:cc:dd:ee:ff", name: "NAS"),
    scanID: 7,
    createdAt: Date(timeIntervalSince1970: 1_800_000_000),
    newValue: "CVE-2024-6387"
)

@Suite struct MQTTPacketTests {
    @Test func remainingLengthsRoundTrip() throws {
        let cases: [(Int, [UInt8])] = [
            (0, [0x00]), (127, [0x7F]), (128, [0x80, 0x01]), (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]),
            (2_097_151, [0xFF, 0xFF, 0x7F]), (2_097_152, [0x80, 0x80, 0x80, 0x01]), (268_435_455, [0xFF, 0xFF, 0xFF, 0x7F]),
        ]
        for (value, bytes) in cases {
            #expect(try MQTTPacket.encodeRemainingLength(value) == bytes)
            #expect(try MQTTPacket.decodeRemainingLength(bytes)?.value == value)
            #expect(try MQTTPacket.decodeRemainingLength(bytes)?.count == bytes.count)
        }
        #expect(throws: MQTTPacket.MalformedPacket.self) { try MQTTPacket.encodeRemainingLength(268_435_456) }
        #expect(throws: MQTTPacket.MalformedPacket.self) { try MQTTPacket.decodeRemainingLength([0xFF, 0xFF, 0xFF, 0xFF, 0x01]) }
        #expect(try MQTTPacket.decodeRemainingLength([0xFF, 0xFF]) == nil, "more bytes needed")
    }

    @Test func packetsAreReadWhenCompleteWhateverTheFragments() throws {
        var buffer = ByteBuffer()
        let stream: [UInt8] = [0x20, 0x02, 0x00, 0x00, 0x40, 0x02, 0x00, 0x01, 0xD0, 0x00]
        var packets: [MQTTPacket.Packet] = []
        for byte in stream {
            buffer.writeInteger(byte)
            while let packet = try MQTTPacket.parse(&buffer) { packets.append(packet) }
        }
        #expect(packets.map(\.type) == [.connack, .puback, .pingresp])
        #expect(packets[1].body == [0x00, 0x01])
        #expect(buffer.readableBytes == 0)
        var reserved = ByteBuffer(bytes: [0xF0, 0x00])
        #expect(throws: MQTTPacket.MalformedPacket.self) { try MQTTPacket.parse(&reserved) }
        var huge = ByteBuffer(bytes: [0x30, 0xFF, 0xFF, 0xFF, 0x7F])
        #expect(throws: MQTTPacket.MalformedPacket.self) { try MQTTPacket.parse(&huge) }
    }

    @Test func connectAndPublishBytes() throws {
        let will = MQTTAlertSink.Message(topic: "argus/status", payload: "offline", retain: true)
        let connect = try MQTTPacket.connect(clientID: "c", username: "u", password: "p", keepAlive: 60, will: will)
        let expected: [UInt8] =
            [0x10, 42, 0, 4] + Array("MQTT".utf8) + [4, 0b1110_1110, 0, 60, 0, 1, 99, 0, 12] + Array("argus/status".utf8) + [0, 7]
            + Array("offline".utf8) + [0, 1, 117, 0, 1, 112]
        #expect(connect == expected)
        let anonymous = try MQTTPacket.connect(clientID: "c", username: nil, password: nil, keepAlive: 60, will: will)
        #expect(anonymous[9] == 0b0010_1110, "no user name or password flags")
        let publish = try MQTTPacket.publish(.init(topic: "a/b", payload: "hi", retain: true), packetID: 258)
        #expect(publish == [0x33, 9, 0, 3, 97, 47, 98, 1, 2, 104, 105])
    }

    @Test func configurationIsValidated() throws {
        #expect(throws: MQTTAlertSink.ConfigurationError.self) { try MQTTAlertSink(name: "m", host: "broker", topicPrefix: "argus/#") }
        #expect(throws: MQTTAlertSink.ConfigurationError.self) { try MQTTAlertSink(name: "m", host: "broker", topicPrefix: "") }
        #expect(throws: MQTTAlertSink.ConfigurationError.self) { try MQTTAlertSink(name: "m", host: "broker", discoveryPrefix: "home+assistant") }
        #expect(throws: MQTTAlertSink.ConfigurationError.self) { try MQTTAlertSink(name: "m", host: "broker", topicPrefix: "ar\0gus") }
        #expect(throws: MQTTAlertSink.ConfigurationError.self) { try MQTTAlertSink(name: "m", host: "broker", password: "only-a-password") }
        #expect(throws: MQTTAlertSink.ConfigurationError.self) { try MQTTAlertSink(name: "m", host: "") }
        let sink = try MQTTAlertSink(name: "home", host: "broker.lan", username: "argus", password: "hunter22")
        #expect(sink.port == 1883 && sink.clientID == "argus-home")
        #expect("\(sink)" == "mqtt home → mqtt://broker.lan:1883 as argus (topics argus/…, discovery homeassistant/…)")
        #expect(try MQTTAlertSink(name: "home", host: "broker.lan", tls: true, discoveryPrefix: nil).port == 8883)
    }

    @Test func whatAnAlertPublishes() throws {
        let sink = try MQTTAlertSink(name: "home", host: "broker.lan")
        let messages = try sink.messages(for: criticalAlert)
        #expect(
            messages.map(\.topic) == [
                "homeassistant/event/argus/alert/config", "homeassistant/sensor/argus/last_alert/config",
                "homeassistant/binary_sensor/argus/critical/config",
                "argus/status", "argus/event", "argus/alert/last", "argus/alert/critical",
            ])
        #expect(messages.map(\.retain) == [true, true, true, true, false, true, true])
        var cleared = criticalAlert
        cleared.kind = .riskCleared
        cleared.severity = .info
        #expect(try sink.messages(for: cleared).last == .init(topic: "argus/alert/critical", payload: "OFF", retain: true))
        var calm = criticalAlert
        calm.severity = .warning
        #expect(try sink.messages(for: calm).last?.topic == "argus/alert/last", "neither critical nor a clear: the binary sensor stays")
        let quiet = try MQTTAlertSink(name: "home", host: "broker.lan", topicPrefix: "lab/argus", discoveryPrefix: nil)
        #expect(try quiet.messages(for: calm).map(\.topic) == ["lab/argus/status", "lab/argus/event", "lab/argus/alert/last"])
    }
}

/// A mosquitto broker on 127.0.0.1 for one test: a plain listener and, optionally, a TLS one
/// with a self-signed certificate; anonymous clients refused.
struct Broker {
    static let user = "argus"
    static let password = "mqtt-Secret-9"

    let process: Helper
    let folder: URL
    let port: Int
    let tlsPort: Int?
    let certificate: String?

    static func start(tls: Bool = false) async throws -> Broker {
        let folder = try Environment.folder("mqtt")
        let passwords = folder.appendingPathComponent("passwords").path
        try await Helper.run(["/usr/bin/mosquitto_passwd", "-b", "-c", passwords, user, password], in: folder)
        var files: (certificate: String, key: String)?
        if tls {
            files = try await Environment.certificate(in: folder)
            // mosquitto started as root drops to its own user, which must read the key.
            if let key = files?.key { try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key) }
        }
        var failure = ""
        // A port taken meanwhile (tests run in parallel): try others.
        for attempt in 1...3 {
            let port = try Environment.freePort()
            let tlsPort = tls ? try Environment.freePort() : nil
            var config = """
                per_listener_settings false
                allow_anonymous false
                password_file \(passwords)
                persistence false
                log_dest stdout
                listener \(port) 127.0.0.1

                """
            if let tlsPort, let files {
                config += "listener \(tlsPort) 127.0.0.1\ncertfile \(files.certificate)\nkeyfile \(files.key)\n"
            }
            let configFile = folder.appendingPathComponent("mosquitto-\(attempt).conf")
            try config.write(to: configFile, atomically: true, encoding: .utf8)
            let process = try Helper(["/usr/sbin/mosquitto", "-c", configFile.path], log: folder.appendingPathComponent("mosquitto-\(attempt).log"))
            // mosquitto buffers its log when it is not a terminal: wait for the listeners instead.
            if try await Environment.waitForListener(on: port, timeout: .seconds(20)),
                try await Environment.waitForListener(on: tlsPort ?? port, timeout: .seconds(20))
            {
                return Broker(process: process.owning(folder), folder: folder, port: port, tlsPort: tlsPort, certificate: files?.certificate)
            }
            process.stop()
            failure = process.output
        }
        try? FileManager.default.removeItem(at: folder)
        throw TestFailure("mosquitto did not start: \(failure)")
    }

    func stop() { process.stop() }

    /// mosquitto_sub's arguments for Argus's topics, printing `<retain flag> <topic> <payload>`.
    func subscriberArguments(_ extra: [String] = []) -> [String] {
        [
            "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", "\(port)", "-u", Self.user, "-P", Self.password, "-F", "%r %t %p", "-t", "argus/#",
            "-t", "homeassistant/#",
        ] + extra
    }

    /// A subscriber that records everything from now on; returns once it is subscribed (a
    /// probe it published came back).
    func liveSubscriber() async throws -> Helper {
        let subscriber = try Helper(subscriberArguments(), log: folder.appendingPathComponent("live-\(UUID().uuidString).log"))
        for _ in 0..<50 {
            try await Helper.run(
                [
                    "/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", "\(port)", "-u", Self.user, "-P", Self.password, "-t", "argus/probe", "-m",
                    "probe",
                ], in: folder)
            if try await subscriber.waitForOutput("argus/probe", timeout: .milliseconds(200)) { return subscriber }
        }
        subscriber.stop()
        throw TestFailure("mosquitto_sub did not subscribe: \(subscriber.output)")
    }

    /// The retained messages now (a fresh subscriber gets exactly those), by topic.
    func retained(count: Int) async throws -> [String: String] {
        let output = try await Helper.run(subscriberArguments(["-C", "\(count)", "-W", "5", "-T", "argus/probe"]), in: folder, allowing: [0, 27])
        return Dictionary(Self.lines(output).filter(\.retained).map { ($0.topic, $0.payload) }, uniquingKeysWith: { $1 })
    }

    /// mosquitto_sub's lines.
    static func lines(_ output: String) -> [(retained: Bool, topic: String, payload: String)] {
        output.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "0" || parts[0] == "1" else { return nil }
            return (parts[0] == "1", String(parts[1]), String(parts[2]))
        }
    }

    /// Waits until a subscriber has printed a message on `topic`; the payloads on it.
    static func waitForMessages(on topic: String, in subscriber: Helper, count: Int = 1) async throws -> [String] {
        for _ in 0..<100 {
            let payloads = lines(subscriber.output).filter { $0.topic == topic }.map(\.payload)
            if payloads.count >= count { return payloads }
            try await Task.sleep(for: .milliseconds(50))
        }
        return lines(subscriber.output).filter { $0.topic == topic }.map(\.payload)
    }
}

/// A JSON object from a payload.
func object(_ payload: String?) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data((payload ?? "").utf8)) as? [String: Any])
}

@Suite(.serialized, .enabled(if: Environment.hasMosquitto, "needs mosquitto and mosquitto-clients (apt-get install mosquitto mosquitto-clients)"))
struct MQTTDeliveryTests {
    @Test func anAlertReachesHomeAssistantsTopics() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        let live = try await broker.liveSubscriber()
        defer { live.stop() }
        let sink = try MQTTAlertSink(
            name: "home", host: "127.0.0.1", port: UInt16(broker.port), username: Broker.user, password: Broker.password, timeout: .seconds(20))
        #expect(!"\(sink)".contains(Broker.password))
        try await sink.deliver(criticalAlert)

        // The event: not retained, with event_type and the alert's fields.
        let events = try await Broker.waitForMessages(on: "argus/event", in: live)
        #expect(events.count == 1)
        let event = try object(events.first)
        #expect(event["event_type"] as? String == "new_cve")
        #expect(event["id"] as? String == criticalAlert.id && event["severity"] as? String == "critical")
        #expect((event["device"] as? [String: Any])?["ip"] as? String == "192.0.2.10")

        // The retained set, as Home Assistant sees it when it (re)connects.
        let retained = try await broker.retained(count: 6)
        #expect(retained["argus/event"] == nil, "events are not retained")
        #expect(retained["argus/status"] == "online", "a clean DISCONNECT: the will (offline) was not sent")
        #expect(retained["argus/alert/critical"] == "ON")
        #expect(try Alert.decode(retained["argus/alert/last"] ?? "") == criticalAlert)

        let eventConfig = try object(retained["homeassistant/event/argus/alert/config"])
        #expect(eventConfig["name"] as? String == "Alert")
        #expect(eventConfig["state_topic"] as? String == "argus/event")
        #expect(eventConfig["availability_topic"] as? String == "argus/status")
        #expect(eventConfig["unique_id"] as? String == "argus_alert")
        #expect(eventConfig["event_types"] as? [String] == AlertKind.allCases.map(\.rawValue))
        let device = try #require(eventConfig["device"] as? [String: Any])
        #expect(device["identifiers"] as? [String] == ["argus"])
        #expect(
            device["name"] as? String == "Argus" && device["manufacturer"] as? String == "Argus"
                && device["model"] as? String == "network security monitor")

        let sensorConfig = try object(retained["homeassistant/sensor/argus/last_alert/config"])
        #expect(sensorConfig["name"] as? String == "Last alert")
        #expect(sensorConfig["state_topic"] as? String == "argus/alert/last")
        #expect(sensorConfig["json_attributes_topic"] as? String == "argus/alert/last")
        #expect(sensorConfig["value_template"] as? String == "{{ value_json.title }}")
        #expect(sensorConfig["unique_id"] as? String == "argus_last_alert")
        #expect((sensorConfig["device"] as? [String: Any])?["identifiers"] as? [String] == ["argus"])

        let binaryConfig = try object(retained["homeassistant/binary_sensor/argus/critical/config"])
        #expect(binaryConfig["name"] as? String == "Critical alert")
        #expect(binaryConfig["device_class"] as? String == "problem")
        #expect(binaryConfig["state_topic"] as? String == "argus/alert/critical")
        #expect(binaryConfig["payload_on"] as? String == "ON" && binaryConfig["payload_off"] as? String == "OFF")
        #expect(binaryConfig["availability_topic"] as? String == "argus/status")
        #expect(binaryConfig["unique_id"] as? String == "argus_critical")

        // The risk clears: the binary sensor turns OFF.
        var cleared = criticalAlert
        cleared.id = "scan-8-change-1"
        cleared.kind = .riskCleared
        cleared.severity = .info
        cleared.title = "Risk cleared"
        try await sink.deliver(cleared)
        let after = try await broker.retained(count: 6)
        #expect(after["argus/alert/critical"] == "OFF")
        #expect(try Alert.decode(after["argus/alert/last"] ?? "").id == "scan-8-change-1")
        let secondEvents = try await Broker.waitForMessages(on: "argus/event", in: live, count: 2)
        #expect(try secondEvents.map { try object($0)["event_type"] as? String } == ["new_cve", "risk_cleared"])
    }

    @Test func aWrongPasswordIsNotAuthorised() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        let wrong = "wrong-Password-1"
        let sink = try MQTTAlertSink(
            name: "home", host: "127.0.0.1", port: UInt16(broker.port), username: Broker.user, password: wrong, timeout: .seconds(20))
        let error = await #expect(throws: MQTTAlertSink.DeliveryError.self) { try await sink.deliver(criticalAlert) }
        #expect(error?.returnCode == 5)
        #expect(error?.description.contains("not authorised") == true, "\(error.map { "\($0)" } ?? "")")
        #expect(error?.description.contains(wrong) == false)
        let anonymous = try MQTTAlertSink(name: "home", host: "127.0.0.1", port: UInt16(broker.port), timeout: .seconds(20))
        await #expect(throws: MQTTAlertSink.DeliveryError.self) { try await anonymous.deliver(criticalAlert) }
    }

    @Test(.enabled(if: Environment.hasOpenSSL, "needs openssl for the test certificate"))
    func overTLS() async throws {
        let broker = try await Broker.start(tls: true)
        defer { broker.stop() }
        let live = try await broker.liveSubscriber()
        defer { live.stop() }
        let tlsPort = try #require(broker.tlsPort)
        let sink = try MQTTAlertSink(
            name: "home", host: "127.0.0.1", port: UInt16(tlsPort), tls: true, username: Broker.user, password: Broker.password, discoveryPrefix: nil,
            trustRootsFile: broker.certificate, timeout: .seconds(20))
        #expect("\(sink)" == "mqtt home → mqtts://127.0.0.1:\(tlsPort) as argus (topics argus/…)")
        try await sink.deliver(criticalAlert)
        let events = try await Broker.waitForMessages(on: "argus/event", in: live)
        #expect(try events.map { try object($0)["event_type"] as? String } == ["new_cve"])
        let retained = try await broker.retained(count: 3)
        #expect(retained.keys.sorted() == ["argus/alert/critical", "argus/alert/last", "argus/status"], "no discovery when its prefix is nil")

        // The system's roots do not trust the test certificate.
        let untrusting = try MQTTAlertSink(
            name: "home", host: "127.0.0.1", port: UInt16(tlsPort), tls: true, username: Broker.user, password: Broker.password, timeout: .seconds(20)
        )
        let error = await #expect(throws: MQTTAlertSink.DeliveryError.self) { try await untrusting.deliver(criticalAlert) }
        #expect(error?.description.contains("TLS") == true, "\(error.map { "\($0)" } ?? "")")
    }
}

@Suite(.serialized, .enabled(if: Environment.has(Environment.python), "needs /usr/bin/python3 for the fake server"))
struct MQTTMisbehavingBrokerTests {
    func deliver(to mode: String, timeout: Duration = .seconds(30)) async throws -> MQTTAlertSink.DeliveryError? {
        let folder = try Environment.folder("mqtt-fake")
        let (server, port) = try await Environment.fakeServer(mode, in: folder)
        defer { server.stop() }
        let sink = try MQTTAlertSink(name: "home", host: "127.0.0.1", port: UInt16(port), timeout: timeout)
        return await #expect(throws: MQTTAlertSink.DeliveryError.self) { try await sink.deliver(criticalAlert) }
    }

    @Test func garbageIsAnError() async throws {
        let malformed = try await deliver(to: "mqtt-garbage")
        #expect(malformed?.description.contains("malformed remaining length") == true, "\(malformed.map { "\($0)" } ?? "")")
        let reserved = try await deliver(to: "mqtt-reserved")
        #expect(reserved?.description.contains("reserved type") == true, "\(reserved.map { "\($0)" } ?? "")")
        let huge = try await deliver(to: "mqtt-huge")
        #expect(huge?.description.contains("more than this client accepts") == true, "\(huge.map { "\($0)" } ?? "")")
        let wrong = try await deliver(to: "mqtt-wrong-puback")
        #expect(wrong?.description.contains("acknowledged packet 4660 while 1") == true, "\(wrong.map { "\($0)" } ?? "")")
    }

    @Test func silenceTimesOut() async throws {
        let start = ContinuousClock.now
        let error = try await deliver(to: "silent", timeout: .milliseconds(500))
        #expect(error?.isTimeout == true, "\(error.map { "\($0)" } ?? "")")
        // The fake server's start is inside the measurement; on two loaded cores it has taken
        // seconds. What matters is that silence ends in a timeout, not a hang.
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func packetsArrivingByteByByteAreFine() async throws {
        let folder = try Environment.folder("mqtt-fake")
        let (server, port) = try await Environment.fakeServer("mqtt-fragmented", in: folder)
        defer { server.stop() }
        let sink = try MQTTAlertSink(name: "home", host: "127.0.0.1", port: UInt16(port), timeout: .seconds(10))
        try await sink.deliver(criticalAlert)
    }
}
