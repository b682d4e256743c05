//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Foundation
import NIOCore

/// Alerts by e-mail: one plain-text message per alert over SMTP, through a submission server
/// (STARTTLS on 587, implicit TLS on 465) or a plain relay on the local network.
///
/// The client is small and strict: it greets with EHLO (HELO when that is refused), upgrades
/// with STARTTLS when asked to and never falls back to plain text, authenticates (PLAIN, or LOGIN
/// when only that is offered) only over TLS, and sends MAIL FROM, one RCPT TO per recipient and
/// DATA. Any reply it did not expect is a ``DeliveryError`` with the server's code and text, so
/// the dispatcher retries; the whole delivery is bounded by ``timeout``.
///
/// The message's `Message-ID` is `<alert id@argus>`, the alert's idempotency key: a repeat after
/// a crash carries the same id, and mail clients show it once.
public struct SMTPAlertSink: AlertSink, CustomStringConvertible {
    /// How the connection is protected.
    public enum Security: String, Sendable, Codable, CaseIterable {
        /// Plain text, then STARTTLS before anything else (submission, port 587). The default.
        case startTLS = "starttls"
        /// TLS from the first byte (submissions, port 465).
        case tls
        /// Plain text throughout (port 25): for a relay on a trusted network, and never with a
        /// user name, so no password crosses the network in the clear.
        case none

        /// The usual port.
        public var defaultPort: UInt16 {
            switch self {
            case .startTLS: 587
            case .tls: 465
            case .none: 25
            }
        }
    }

    public let name: String
    /// The server's host name or IP address.
    public let host: String
    /// Its port.
    public let port: UInt16
    /// STARTTLS, implicit TLS or none.
    public let security: Security
    /// The user name for AUTH, if the server wants one.
    public let username: String?
    /// The password; never logged or shown.
    let password: String?
    /// The envelope and header sender.
    public let from: String
    /// The recipients (at least one).
    public let to: [String]
    /// A PEM file of the CAs to trust instead of the system's (for a private CA or a self-signed
    /// server certificate).
    public let trustRootsFile: String?
    /// How long one delivery may take, connecting included.
    public let timeout: Duration
    /// Resolves the host when a delivery connects, refusing addresses no sink may reach (the
    /// system's resolver unless a test gives its own).
    public var resolver: SinkHostResolver = .system
    /// TLS, unless ``security`` is ``Security/none``.
    let tls: TLSClient?

    /// Creates a sink.
    /// - Parameters:
    ///   - port: `nil` for the security's usual port (587, 465 or 25).
    ///   - username: for AUTH; requires a password and TLS (``Security/startTLS`` or ``Security/tls``).
    ///   - trustRootsFile: a PEM file of CA certificates; `nil` trusts the system's roots.
    /// - Throws: ``ConfigurationError`` for an invalid address, no recipient, a user name without
    ///   TLS or without a password, or an unreadable trust roots file.
    public init(
        name: String,
        host: String,
        port: UInt16? = nil,
        security: Security = .startTLS,
        username: String? = nil,
        password: String? = nil,
        from: String,
        to: [String],
        trustRootsFile: String? = nil,
        timeout: Duration = .seconds(20)
    ) throws {
        let username = username?.isEmpty == true ? nil : username
        guard !host.isEmpty, !host.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ConfigurationError("alert sink \(name): '\(Self.headerSafe(host))' is not a host name")
        }
        guard port != 0 else { throw ConfigurationError("alert sink \(name): port 0 is not a port") }
        guard Self.isValidAddress(from) else {
            throw ConfigurationError(
                "alert sink \(name): the sender '\(Self.headerSafe(from))' is not an e-mail address (one @, no spaces, line breaks or angle brackets)"
            )
        }
        guard !to.isEmpty else { throw ConfigurationError("alert sink \(name): no recipient") }
        for recipient in to where !Self.isValidAddress(recipient) {
            throw ConfigurationError(
                "alert sink \(name): the recipient '\(Self.headerSafe(recipient))' is not an e-mail address (one @, no spaces, line breaks or angle brackets)"
            )
        }
        if let username {
            guard security != .none else {
                throw ConfigurationError(
                    "alert sink \(name): a user name needs TLS (security starttls or tls); AUTH over plain text would send the password in the clear")
            }
            guard let password, !password.isEmpty else { throw ConfigurationError("alert sink \(name): the user name \(username) has no password") }
            guard !username.utf8.contains(0), !password.utf8.contains(0) else {
                throw ConfigurationError("alert sink \(name): the user name or password contains a NUL character")
            }
        } else if password?.isEmpty == false {
            throw ConfigurationError("alert sink \(name): a password without a user name")
        }
        guard timeout > .zero else { throw ConfigurationError("alert sink \(name): the timeout must be positive") }
        if security == .none {
            tls = nil
        } else {
            do {
                tls = try TLSClient(host: host, trustRootsFile: trustRootsFile)
            } catch {
                throw ConfigurationError("alert sink \(name): \(error)")
            }
        }
        self.name = name
        self.host = host
        self.port = port ?? security.defaultPort
        self.security = security
        self.username = username
        self.password = username == nil ? nil : password
        self.from = from
        self.to = to
        self.trustRootsFile = trustRootsFile
        self.timeout = timeout
    }

    /// The sink without its password, for logs and the API.
    public var description: String {
        "smtp \(name) → \(host):\(port) (\(security.rawValue)) to \(to.count) recipient\(to.count == 1 ? "" : "s")"
    }

    /// The password, and the forms AUTH sends it in (base64 alone, and AUTH PLAIN's token):
    /// kept out of every error text.
    public var secrets: [String] {
        guard let password, !password.isEmpty else { return [] }
        return [password, Data(password.utf8).base64EncodedString(), Data("\0\(username ?? "")\0\(password)".utf8).base64EncodedString()]
    }

    /// A misconfigured sink.
    public struct ConfigurationError: Error, CustomStringConvertible {
        /// For people.
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// A delivery that failed: the server refused a command, could not be reached, spoke
    /// something other than SMTP, or took too long. Never carries the password.
    public struct DeliveryError: Error, CustomStringConvertible {
        /// The server's reply code, when it refused something (e.g. 535 for bad credentials).
        public var code: Int?
        /// Whether the delivery ran out of time.
        public var isTimeout: Bool
        /// For logs: what failed and the server's words.
        public var description: String

        init(code: Int? = nil, isTimeout: Bool = false, _ description: String) {
            self.code = code
            self.isTimeout = isTimeout
            self.description = description
        }
    }

    public func deliver(_ alert: Alert) async throws {
        let message = Self.message(for: alert, from: from, to: to)
        do {
            try await Connection.with(host: host, port: Int(port), tls: security == .tls ? tls : nil, timeout: timeout, resolver: resolver) {
                connection in
                try await send(message, on: connection)
            }
        } catch let error as DeliveryError {
            throw DeliveryError(code: error.code, isTimeout: error.isTimeout, "smtp \(host):\(port): " + redacted(error.description))
        } catch let error as ConnectionError {
            throw DeliveryError(isTimeout: error.isTimeout, "smtp \(host):\(port): " + redacted(error.description))
        } catch {
            throw DeliveryError("smtp \(host):\(port): " + redacted("\(error)"))
        }
    }

    // MARK: - The conversation

    /// One SMTP transaction, from the greeting to QUIT.
    private func send(_ message: String, on connection: Connection) async throws {
        let greeting = try await connection.read(Self.parseReply)
        guard greeting.code == 220 else {
            throw DeliveryError(code: greeting.code, "the server refused the session: \(greeting.code) \(greeting.text)")
        }
        var extensions = try await hello(on: connection)
        if security == .startTLS {
            guard extensions["STARTTLS"] != nil, let tls else {
                throw DeliveryError("the server does not offer STARTTLS; refusing to continue in plain text")
            }
            try await command("STARTTLS", expecting: [220], on: connection)
            try await connection.startTLS(tls)
            extensions = try await hello(on: connection)
        }
        if let username, let password {
            try await authenticate(username: username, password: password, mechanisms: Self.authMechanisms(extensions), on: connection)
        }
        let international = !(from + to.joined()).unicodeScalars.allSatisfy(\.isASCII) && extensions["SMTPUTF8"] != nil
        try await command("MAIL FROM:<\(from)>" + (international ? " SMTPUTF8" : ""), expecting: [250], on: connection, what: "MAIL FROM:<\(from)>")
        for recipient in to {
            try await command("RCPT TO:<\(recipient)>", expecting: [250, 251], on: connection, what: "RCPT TO:<\(recipient)>")
        }
        try await command("DATA", expecting: [354], on: connection)
        try await connection.write(Self.dotStuffed(message) + ".\r\n")
        try Self.expect(try await connection.read(Self.parseReply), [250], "the message")
        // Delivered: a failed goodbye changes nothing.
        _ = try? await command("QUIT", expecting: [221], on: connection)
    }

    /// EHLO, or HELO when the server does not know EHLO; the extensions it announces, by keyword
    /// (upper case), with their parameters.
    private func hello(on connection: Connection) async throws -> [String: [String]] {
        let name = connection.localAddressLiteral
        try await connection.write("EHLO \(name)\r\n")
        let reply = try await connection.read(Self.parseReply)
        if reply.code == 250 {
            var extensions: [String: [String]] = [:]
            for line in reply.lines.dropFirst() {
                let words = line.split(separator: " ").map(String.init)
                guard let keyword = words.first?.uppercased() else { continue }
                extensions[keyword, default: []] += words.dropFirst()
            }
            return extensions
        }
        guard [500, 502, 504, 550].contains(reply.code) else { throw Self.refusal(reply, "EHLO") }
        try await command("HELO \(name)", expecting: [250], on: connection)
        return [:]
    }

    /// AUTH PLAIN, or AUTH LOGIN when only that is offered; only ever over TLS.
    private func authenticate(username: String, password: String, mechanisms: Set<String>, on connection: Connection) async throws {
        guard security != .none else { throw DeliveryError("refusing AUTH over plain text") }
        if mechanisms.contains("PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            try await command("AUTH PLAIN \(token)", expecting: [235], on: connection, what: "authentication (AUTH PLAIN) as \(username)")
        } else if mechanisms.contains("LOGIN") {
            let what = "authentication (AUTH LOGIN) as \(username)"
            try await command("AUTH LOGIN", expecting: [334], on: connection, what: what)
            try await command(Data(username.utf8).base64EncodedString(), expecting: [334], on: connection, what: what)
            try await command(Data(password.utf8).base64EncodedString(), expecting: [235], on: connection, what: what)
        } else if mechanisms.isEmpty {
            throw DeliveryError("the server offers no authentication (AUTH) but a user name is set")
        } else {
            throw DeliveryError("the server offers only \(mechanisms.sorted().joined(separator: ", ")) for AUTH; Argus speaks PLAIN and LOGIN")
        }
    }

    /// Sends one command line and reads its reply.
    /// - Parameter what: how errors name the command (so AUTH's credentials never appear).
    @discardableResult
    private func command(_ line: String, expecting codes: Set<Int>, on connection: Connection, what: String? = nil) async throws -> Reply {
        try await connection.write(line + "\r\n")
        let reply = try await connection.read(Self.parseReply)
        try Self.expect(reply, codes, what ?? line)
        return reply
    }

    /// The text without the password (or its base64 forms), in case a server echoes it.
    private func redacted(_ text: String) -> String {
        guard let password, password.count >= 3 else { return text }
        var text = text
        var secrets = [password, Data(password.utf8).base64EncodedString()]
        if let username { secrets.append(Data("\0\(username)\0\(password)".utf8).base64EncodedString()) }
        for secret in secrets { text = text.replacingOccurrences(of: secret, with: "…") }
        return text
    }

    // MARK: - Replies

    /// One SMTP reply: its code and the text of each line.
    struct Reply: Sendable, Equatable {
        /// The three-digit code.
        var code: Int
        /// Each line's text, without the code and separator.
        var lines: [String]
        /// The lines as one string.
        var text: String { lines.joined(separator: " ") }
    }

    /// The reply at the start of `buffer`, consumed, or `nil` until its last line is complete.
    /// Lines end with CRLF (a bare LF is tolerated); a multi-line reply joins `250-…` lines up to
    /// the `250 …` one.
    /// - Throws: ``DeliveryError`` for a line that is not `ddd`, `ddd text` or `ddd-text`, or
    ///   whose code differs from the reply's first line.
    static func parseReply(_ buffer: inout ByteBuffer) throws -> Reply? {
        let bytes = Array(buffer.readableBytesView)
        var lines: [String] = []
        var code: Int?
        var start = 0
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = bytes[start..<end]
            let digits = line.prefix(3)
            let separator = line.dropFirst(3).first
            guard digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                separator == nil || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-")
            else {
                throw DeliveryError("the server sent something that is not an SMTP reply: \"\(printable(line))\"")
            }
            let lineCode = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            if let code, code != lineCode {
                throw DeliveryError("the server mixed reply codes \(code) and \(lineCode) in one reply")
            }
            code = lineCode
            lines.append(printable(line.dropFirst(4)))
            start = newline + 1
            if separator != UInt8(ascii: "-") {
                buffer.moveReaderIndex(forwardBy: start)
                return Reply(code: lineCode, lines: lines)
            }
        }
        return nil
    }

    /// Throws unless `reply` has one of `codes`.
    static func expect(_ reply: Reply, _ codes: Set<Int>, _ what: String) throws {
        guard codes.contains(reply.code) else { throw refusal(reply, what) }
    }

    /// The error for an unexpected reply.
    static func refusal(_ reply: Reply, _ what: String) -> DeliveryError {
        let reason = reply.code == 535 ? " (wrong user name or password)" : ""
        return DeliveryError(code: reply.code, "\(what) was refused\(reason): \(reply.code) \(reply.text)")
    }

    /// The AUTH mechanisms an EHLO reply announces (`AUTH PLAIN LOGIN`, or the old `AUTH=LOGIN`).
    static func authMechanisms(_ extensions: [String: [String]]) -> Set<String> {
        var mechanisms = Set((extensions["AUTH"] ?? []).map { $0.uppercased() })
        for (keyword, parameters) in extensions where keyword.hasPrefix("AUTH=") {
            mechanisms.insert(String(keyword.dropFirst(5)))
            mechanisms.formUnion(parameters.map { $0.uppercased() })
        }
        return mechanisms
    }

    /// Server text safe for a log line: UTF-8 (invalid bytes replaced), control characters as
    /// `?`, at most 300 characters.
    static func printable(_ bytes: some Collection<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
        return cleaned.count > 300 ? cleaned.prefix(300) + "…" : cleaned
    }

    // MARK: - The message

    /// The RFC 5322 message for an alert, with CRLF line endings (not yet dot-stuffed).
    static func message(for alert: Alert, from: String, to: [String]) -> String {
        var headers = [
            "From: Argus <\(headerSafe(from))>",
            "To: " + foldedList(to.map(headerSafe)),
            "Subject: " + encodedWords(headerSafe("[Argus] \(alert.severity.rawValue): \(alert.title)")),
            "Date: " + rfc5322Date(alert.createdAt),
            "Message-ID: <\(messageIDPart(alert.id))@argus>",
            "X-Argus-Alert-Kind: \(alert.kind.rawValue)",
            "X-Argus-Severity: \(alert.severity.rawValue)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
        ]
        headers.append("")
        return headers.joined(separator: "\r\n") + "\r\n" + quotedPrintable(body(for: alert)) + "\r\n"
    }

    /// The text of the message: what happened, the device, the change, the scan and the time.
    static func body(for alert: Alert) -> String {
        var lines = [alert.message, ""]
        func add(_ label: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            // One line each, whatever the value holds.
            lines.append("\(label):".padding(toLength: 10, withPad: " ", startingAt: 0) + headerSafe(value))
        }
        add("Alert", "\(alert.title) (\(alert.kind.rawValue))")
        add("Severity", alert.severity.rawValue)
        add("Device", alert.device?.name)
        add("IP", alert.device?.ip)
        add("MAC", alert.device?.mac)
        if alert.oldValue != nil || alert.newValue != nil {
            add("Change", "\(alert.oldValue ?? "–") → \(alert.newValue ?? "–")")
        }
        add("Scan", alert.scanID.map { "\($0)" })
        add("Time", alert.createdAt.formatted(.iso8601))
        add("ID", alert.id)
        lines += ["", "-- ", "Sent by Argus, your network security monitor."]
        return lines.joined(separator: "\n")
    }

    /// A header value without line breaks or other control characters (no header injection).
    static func headerSafe(_ value: String) -> String {
        let separators: Set<UInt32> = [0x85, 0x2028, 0x2029]
        return String(
            String.UnicodeScalarView(
                value.unicodeScalars.map { scalar in
                    scalar.value < 0x20 || scalar.value == 0x7F || separators.contains(scalar.value) ? " " : scalar
                }))
    }

    /// A list of addresses, folded over lines when long.
    static func foldedList(_ items: [String]) -> String {
        let joined = items.joined(separator: ", ")
        return joined.utf8.count <= 72 ? joined : items.joined(separator: ",\r\n ")
    }

    /// The value as is when it is printable ASCII of a reasonable length, otherwise as RFC 2047
    /// encoded words (`=?UTF-8?B?…?=`, at most 75 characters each), folded one per line.
    static func encodedWords(_ value: String) -> String {
        if value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }), value.utf8.count <= 900, !value.contains("=?") {
            return value
        }
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in value.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            // 39 bytes make 52 base64 characters: with `=?UTF-8?B?` and `?=`, 64, so even the
            // first line, after `Subject: `, stays within 78.
            if chunk.count + bytes.count > 39 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// The alert's id as the left part of a Message-ID: characters outside RFC 5322's atext
    /// become `_`.
    static func messageIDPart(_ id: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.".unicodeScalars)
        var part = String(String.UnicodeScalarView(id.unicodeScalars.map { allowed.contains($0) ? $0 : "_" }))
        // A dot-atom: no leading, trailing or doubled dots.
        while part.contains("..") { part = part.replacingOccurrences(of: "..", with: "._") }
        if part.hasPrefix(".") { part = "_" + part.dropFirst() }
        if part.hasSuffix(".") { part = part.dropLast() + "_" }
        return part.isEmpty ? "alert" : part
    }

    /// An RFC 5322 date in UTC: `Fri, 15 Jan 2027 08:00:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        let weekday = weekdays[((parts.weekday ?? 1) - 1 + 7) % 7]
        let month = months[((parts.month ?? 1) - 1 + 12) % 12]
        return "\(weekday), \(two(parts.day)) \(month) \(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    /// Quoted-printable (RFC 2045) of UTF-8 text: CRLF line endings, lines of at most 76
    /// characters (soft breaks `=`), trailing spaces and tabs encoded.
    static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var lines: [String] = []
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            var physical: [UInt8] = []
            var encoded: [UInt8] = []
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let plain = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !isLast)
                let token = plain ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                // Leave room for the soft break's `=`.
                if physical.count + token.count > 75 {
                    encoded += physical + Array("=\r\n".utf8)
                    physical = []
                }
                physical += token
            }
            encoded += physical
            lines.append(String(decoding: encoded, as: UTF8.self))
        }
        return lines.joined(separator: "\r\n")
    }

    /// The message for DATA: lines that begin with `.` get another (RFC 5321 §4.5.2), and it
    /// ends with CRLF.
    static func dotStuffed(_ message: String) -> String {
        var lines = message.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n") + "\r\n"
    }

    /// Whether a string is a plain e-mail address: one `@` with text on both sides, no spaces,
    /// control characters, angle brackets or list separators, at most 254 bytes.
    static func isValidAddress(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254 else { return false }
        let forbidden = Set("<>,;:\"()\\".unicodeScalars)
        return !address.unicodeScalars.contains { scalar in
            scalar.value <= 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029 || forbidden.contains(scalar)
        }
    }
}
