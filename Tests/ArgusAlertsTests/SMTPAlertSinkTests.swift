//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import NIOCore
import Testing

@testable import ArgusAlerts

/// An alert that exercises the message: a non-ASCII title with a header-injection attempt, a
/// message with a line that starts with a dot, a long line, `=` and a trailing space.
let mailAlert = Alert(
    id: "scan-12-change-3",
    kind: .deviceAdded,
    severity: .warning,
    title: "Neues Gerät im Netz\r\nBcc: attacker@example.test",
    message: "A new device appeared at 192.0.2.10.\n.hidden line starting with a dot\nA = sign and a long line: "
        + String(repeating: "abcdefghij", count: 12) + "\nTrailing space ",
    device: AlertDevice(id: 4, ip: "192.0.2.10", mac: "aa:bb:cc:dd:ee:ff", name: "Kamera Küche"),
    scanID: 12,
    createdAt: Date(timeIntervalSince1970: 1_800_000_000),
    oldValue: "absent",
    newValue: "present"
)

@Suite struct SMTPMessageTests {
    @Test func theMessageHasTheHeadersAndBody() throws {
        let message = SMTPAlertSink.message(for: mailAlert, from: "argus@example.test", to: ["ops@example.test"])
        let (head, _) = try #require(message.split(separator: "\r\n\r\n", maxSplits: 1).map(String.init).splitFirst())
        let lines = head.components(separatedBy: "\r\n")
        #expect(lines.contains("From: Argus <argus@example.test>"))
        #expect(lines.contains("To: ops@example.test"))
        #expect(lines.contains("Date: Fri, 15 Jan 2027 08:00:00 +0000"))
        #expect(lines.contains("Message-ID: <scan-12-change-3@argus>"))
        #expect(lines.contains("X-Argus-Alert-Kind: device_added"))
        #expect(lines.contains("MIME-Version: 1.0"))
        #expect(lines.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(lines.contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(lines.first { $0.hasPrefix("Subject: =?UTF-8?B?") } != nil, "non-ASCII: an encoded word")
        #expect(!lines.contains { $0.hasPrefix("Bcc:") }, "no header injection")
        // Every line is CRLF-terminated and at most 78 characters; the body is 7-bit.
        #expect(!message.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!message.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(message.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(message.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func encodedWordsRoundTrip() throws {
        let subject = "[Argus] warning: " + String(repeating: "Gerät ⚠️ ", count: 12)
        let encoded = SMTPAlertSink.encodedWords(subject)
        let words = encoded.components(separatedBy: "\r\n ")
        #expect(words.count > 1 && words.allSatisfy { $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") && $0.count <= 75 })
        let decoded = words.compactMap { Data(base64Encoded: String($0.dropFirst(10).dropLast(2))) }.reduce(Data(), +)
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
        #expect(SMTPAlertSink.encodedWords("plain ASCII") == "plain ASCII")
        #expect(SMTPAlertSink.encodedWords("looks =?like?= a word").hasPrefix("=?UTF-8?B?"))
    }

    @Test func quotedPrintable() {
        #expect(SMTPAlertSink.quotedPrintable("a=b ü\ttab\nend ") == "a=3Db =C3=BC\ttab\r\nend=20")
        let long = SMTPAlertSink.quotedPrintable(String(repeating: "x", count: 200))
        #expect(long.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(long.replacingOccurrences(of: "=\r\n", with: "") == String(repeating: "x", count: 200))
        // An encoded byte is never split by a soft break.
        let bytes = SMTPAlertSink.quotedPrintable(String(repeating: "ä", count: 40))
        #expect(bytes.components(separatedBy: "=\r\n").allSatisfy { $0.count % 3 == 0 })
    }

    @Test func dotStuffingAndHeaders() {
        #expect(SMTPAlertSink.dotStuffed("a\r\n.b\r\n..c\r\n.\r\n") == "a\r\n..b\r\n...c\r\n..\r\n")
        #expect(SMTPAlertSink.headerSafe("a\r\nBcc: x\u{2028}y\0") == "a  Bcc: x y ")
        #expect(SMTPAlertSink.messageIDPart("scan-1 change<2>..x.") == "scan-1_change_2_._x_")
        #expect(SMTPAlertSink.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
    }

    @Test func repliesParseAcrossFragments() throws {
        var buffer = ByteBuffer(string: "250-mail.test greets you\r\n250-STARTTLS\r\n250-AUTH PLAIN")
        #expect(try SMTPAlertSink.parseReply(&buffer) == nil, "not complete yet")
        buffer.writeString(" LOGIN\r\n250 SMTPUTF8\r\n220 next")
        let reply = try #require(try SMTPAlertSink.parseReply(&buffer))
        #expect(reply.code == 250 && reply.lines == ["mail.test greets you", "STARTTLS", "AUTH PLAIN LOGIN", "SMTPUTF8"])
        #expect(buffer.readableBytes == "220 next".utf8.count, "the next reply stays")
        var bare = ByteBuffer(string: "354\n")
        #expect(try SMTPAlertSink.parseReply(&bare)?.code == 354)
        var garbage = ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\n")
        #expect(throws: SMTPAlertSink.DeliveryError.self) { try SMTPAlertSink.parseReply(&garbage) }
        var mixed = ByteBuffer(string: "250-a\r\n550 b\r\n")
        #expect(throws: SMTPAlertSink.DeliveryError.self) { try SMTPAlertSink.parseReply(&mixed) }
        #expect(SMTPAlertSink.authMechanisms(["AUTH": ["plain", "LOGIN"], "AUTH=CRAM-MD5": []]) == ["PLAIN", "LOGIN", "CRAM-MD5"])
    }

    @Test func configurationIsValidated() throws {
        func make(
            security: SMTPAlertSink.Security = .startTLS, username: String? = "u", password: String? = "secret-pw",
            from: String = "argus@example.test", to: [String] = ["ops@example.test"]
        ) throws -> SMTPAlertSink {
            try SMTPAlertSink(name: "mail", host: "mail.example.test", security: security, username: username, password: password, from: from, to: to)
        }
        let error = #expect(throws: SMTPAlertSink.ConfigurationError.self) { try make(security: .none) }
        #expect(error?.description.contains("TLS") == true && error?.description.contains("secret-pw") == false)
        #expect(try make(security: .none, username: nil, password: nil).port == 25)
        #expect(throws: SMTPAlertSink.ConfigurationError.self) { try make(from: "argus@example.test\r\nRCPT TO:<x@y>") }
        #expect(throws: SMTPAlertSink.ConfigurationError.self) { try make(to: ["ops@example.test", "two@@example.test"]) }
        #expect(throws: SMTPAlertSink.ConfigurationError.self) { try make(to: ["no-at-sign"]) }
        #expect(throws: SMTPAlertSink.ConfigurationError.self) { try make(to: ["a b@example.test"]) }
        #expect(throws: SMTPAlertSink.ConfigurationError.self) { try make(to: []) }
        #expect(throws: SMTPAlertSink.ConfigurationError.self) { try make(password: nil) }
        #expect(throws: SMTPAlertSink.ConfigurationError.self) {
            try SMTPAlertSink(name: "mail", host: "mail.example.test", from: "a@b", to: ["c@d"], trustRootsFile: "/nonexistent/ca.pem")
        }
        let sink = try make(to: ["ops@example.test", "owner@example.test"])
        #expect(sink.port == 587)
        #expect("\(sink)" == "smtp mail → mail.example.test:587 (starttls) to 2 recipients")
        #expect(try make(security: .tls).port == 465)
    }
}

@Suite(
    .serialized,
    .enabled(
        if: Environment.hasAiosmtpd && Environment.hasOpenSSL, "needs /usr/bin/python3 with aiosmtpd (apt-get install python3-aiosmtpd) and openssl"))
struct SMTPDeliveryTests {
    static let user = "argus"
    static let password = "s3cret-P@ss"

    /// A receiver in `mode` with a fresh self-signed certificate.
    static func receiver(_ mode: String) async throws -> (server: Helper, port: Int, certificate: String, received: URL) {
        let folder = try Environment.folder("smtp")
        let (certificate, key) = try await Environment.certificate(in: folder)
        let received = folder.appendingPathComponent("received.jsonl")
        let script = Environment.testsFolder.appendingPathComponent("smtp_receiver.py").path
        let (server, port) = try await Environment.startServer(in: folder, label: "receiver") { port in
            [Environment.python, script, mode, "\(port)", certificate, key, user, password, received.path]
        }
        return (server, port, certificate, received)
    }

    /// The messages the receiver wrote.
    static func records(_ file: URL) throws -> [[String: Any]] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func startTLSWithAuthenticationDeliversTheAlert() async throws {
        let (server, port, certificate, received) = try await Self.receiver("starttls")
        defer { server.stop() }
        let sink = try SMTPAlertSink(
            name: "mail", host: "127.0.0.1", port: UInt16(port), security: .startTLS, username: Self.user, password: Self.password,
            from: "argus@example.test", to: ["ops@example.test", "owner@example.test"], trustRootsFile: certificate, timeout: .seconds(30)
        )
        #expect(!"\(sink)".contains(Self.password))
        #expect("\(sink)" == "smtp mail → 127.0.0.1:\(port) (starttls) to 2 recipients")
        try await sink.deliver(mailAlert)

        let records = try Self.records(received)
        try #require(records.count == 1)
        let record = records[0]
        #expect(record["mail_from"] as? String == "argus@example.test")
        #expect(record["rcpt_tos"] as? [String] == ["ops@example.test", "owner@example.test"], "no Bcc smuggled in through the title")
        #expect(record["mechanism"] as? String == "PLAIN")
        #expect(record["login"] as? String == Self.user)
        #expect(record["subject"] as? String == "[Argus] warning: Neues Gerät im Netz  Bcc: attacker@example.test")
        #expect(record["message_id"] as? String == "<scan-12-change-3@argus>")
        let raw = try #require(record["raw"] as? String)
        #expect(!raw.contains("\nBcc:"))
        #expect(raw.contains("X-Argus-Alert-Kind: device_added"))
        let body = try #require(record["body"] as? String).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(
            body.hasPrefix(
                "A new device appeared at 192.0.2.10.\n.hidden line starting with a dot\nA = sign and a long line: "
                    + String(repeating: "abcdefghij", count: 12) + "\nTrailing space \n"), "\(body)")
        #expect(body.contains("Alert:    Neues Gerät im Netz  Bcc: attacker@example.test (device_added)\n"))
        #expect(body.contains("Device:   Kamera Küche\n"))
        #expect(body.contains("IP:       192.0.2.10\n"))
        #expect(body.contains("MAC:      aa:bb:cc:dd:ee:ff\n"))
        #expect(body.contains("Change:   absent → present\n"))
        #expect(body.contains("Scan:     12\n"))
        #expect(body.contains("Time:     2027-01-15T08:00:00Z\n"))
        #expect(!raw.contains(Self.password))
    }

    @Test func aWrongPasswordIsAClear535() async throws {
        let (server, port, certificate, received) = try await Self.receiver("starttls")
        defer { server.stop() }
        let wrong = "not-the-Password-42"
        let sink = try SMTPAlertSink(
            name: "mail", host: "127.0.0.1", port: UInt16(port), username: Self.user, password: wrong, from: "argus@example.test",
            to: ["ops@example.test"], trustRootsFile: certificate, timeout: .seconds(30))
        let error = await #expect(throws: SMTPAlertSink.DeliveryError.self) { try await sink.deliver(mailAlert) }
        #expect(error?.code == 535)
        #expect(
            error?.description.contains("535") == true && error?.description.contains("wrong user name or password") == true,
            "\(error.map { "\($0)" } ?? "")")
        #expect(error?.description.contains(wrong) == false)
        #expect(error?.description.contains(Data(wrong.utf8).base64EncodedString()) == false)
        #expect(!FileManager.default.fileExists(atPath: received.path))
    }

    @Test func loginIsUsedWhenItIsTheOnlyMechanism() async throws {
        let (server, port, certificate, received) = try await Self.receiver("starttls-login")
        defer { server.stop() }
        let sink = try SMTPAlertSink(
            name: "mail", host: "127.0.0.1", port: UInt16(port), username: Self.user, password: Self.password, from: "argus@example.test",
            to: ["ops@example.test"], trustRootsFile: certificate, timeout: .seconds(30))
        try await sink.deliver(mailAlert)
        let records = try Self.records(received)
        #expect(records.count == 1 && records.first?["mechanism"] as? String == "LOGIN")
    }

    @Test func implicitTLSDeliversTheAlert() async throws {
        let (server, port, certificate, received) = try await Self.receiver("tls")
        defer { server.stop() }
        let sink = try SMTPAlertSink(
            name: "mail", host: "127.0.0.1", port: UInt16(port), security: .tls, username: Self.user, password: Self.password,
            from: "argus@example.test", to: ["ops@example.test"], trustRootsFile: certificate, timeout: .seconds(30))
        #expect("\(sink)" == "smtp mail → 127.0.0.1:\(port) (tls) to 1 recipient")
        var critical = mailAlert
        critical.severity = .critical
        critical.title = "Known vulnerability"
        try await sink.deliver(critical)
        let records = try Self.records(received)
        #expect(records.count == 1)
        #expect(records.first?["subject"] as? String == "[Argus] critical: Known vulnerability")
        #expect(records.first?["rcpt_tos"] as? [String] == ["ops@example.test"])
    }

    @Test func anUntrustedCertificateIsRefused() async throws {
        let (server, port, _, received) = try await Self.receiver("starttls")
        defer { server.stop() }
        // The system's roots do not include the test's self-signed certificate.
        let sink = try SMTPAlertSink(
            name: "mail", host: "127.0.0.1", port: UInt16(port), username: Self.user, password: Self.password, from: "argus@example.test",
            to: ["ops@example.test"], timeout: .seconds(30))
        let error = await #expect(throws: SMTPAlertSink.DeliveryError.self) { try await sink.deliver(mailAlert) }
        #expect(error?.description.contains("TLS") == true, "\(error.map { "\($0)" } ?? "")")
        #expect(!FileManager.default.fileExists(atPath: received.path))
    }
}

@Suite(.serialized, .enabled(if: Environment.has(Environment.python), "needs /usr/bin/python3 for the fake server"))
struct SMTPMisbehavingServerTests {
    func deliver(to mode: String, security: SMTPAlertSink.Security = .none, timeout: Duration = .seconds(30)) async throws -> SMTPAlertSink
        .DeliveryError?
    {
        let folder = try Environment.folder("smtp-fake")
        let (server, port) = try await Environment.fakeServer(mode, in: folder)
        defer { server.stop() }
        let sink = try SMTPAlertSink(
            name: "mail", host: "127.0.0.1", port: UInt16(port), security: security, from: "argus@example.test", to: ["ops@example.test"],
            timeout: timeout)
        return await #expect(throws: SMTPAlertSink.DeliveryError.self) { try await sink.deliver(mailAlert) }
    }

    @Test func garbageIsAnError() async throws {
        let error = try await deliver(to: "smtp-garbage")
        #expect(error?.description.contains("not an SMTP reply") == true, "\(error.map { "\($0)" } ?? "")")
        let mixed = try await deliver(to: "smtp-mixed-codes")
        #expect(mixed?.description.contains("mixed reply codes") == true, "\(mixed.map { "\($0)" } ?? "")")
        let endless = try await deliver(to: "smtp-endless-line")
        #expect(endless?.description.contains("without a complete reply") == true, "\(endless.map { "\($0)" } ?? "")")
    }

    @Test func silenceTimesOut() async throws {
        let start = ContinuousClock.now
        let error = try await deliver(to: "silent", timeout: .milliseconds(500))
        #expect(error?.isTimeout == true, "\(error.map { "\($0)" } ?? "")")
        // The fake server's start is inside the measurement; on two loaded cores it has taken
        // seconds. What matters is that silence ends in a timeout, not a hang.
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func noDowngradeAndNoInjectionAroundSTARTTLS() async throws {
        let missing = try await deliver(to: "smtp-no-starttls", security: .startTLS)
        #expect(missing?.description.contains("does not offer STARTTLS") == true, "\(missing.map { "\($0)" } ?? "")")
        let injected = try await deliver(to: "smtp-starttls-injection", security: .startTLS)
        #expect(injected?.description.contains("after agreeing to STARTTLS") == true, "\(injected.map { "\($0)" } ?? "")")
    }

    @Test func nobodyListeningIsAnError() async throws {
        let port = try Environment.freePort()
        let sink = try SMTPAlertSink(
            name: "mail", host: "127.0.0.1", port: UInt16(port), security: .none, from: "argus@example.test", to: ["ops@example.test"],
            timeout: .seconds(2))
        let error = await #expect(throws: SMTPAlertSink.DeliveryError.self) { try await sink.deliver(mailAlert) }
        #expect(error?.description.contains("cannot connect to 127.0.0.1:\(port)") == true, "\(error.map { "\($0)" } ?? "")")
    }
}

extension Array {
    /// The first two elements, when there are at least two.
    fileprivate func splitFirst() -> (Element, Element)? {
        count >= 2 ? (self[0], self[1]) : nil
    }
}
