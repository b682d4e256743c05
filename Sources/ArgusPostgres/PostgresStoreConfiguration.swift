//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Where a ``PostgresStore`` connects: host, port, user, database and password.
///
/// The password is never printed: ``description``, `debugDescription` and `dump` show it as
/// `***`. Connections are not encrypted yet (no TLS): use it on a trusted network or a local
/// socket until TLS comes.
public struct PostgresStoreConfiguration: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The server's host name or address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// The database user.
    public var user: String
    /// The database's name.
    public var database: String
    /// The user's password; `nil` when the server trusts the connection without one.
    public var password: String?

    /// The default PostgreSQL port.
    public static let defaultPort = 5432

    /// Describes a connection.
    public init(host: String, port: Int = PostgresStoreConfiguration.defaultPort, user: String, database: String, password: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.password = password
    }

    /// Parses `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` (or `postgresql://`), with user and
    /// password percent-encoded where they hold `@`, `:` or `/`; the port defaults to 5432.
    /// - Throws: ``URLError``, naming what is wrong (never quoting the password).
    public init(url: String) throws(URLError) {
        let rest: Substring
        if url.hasPrefix("postgres://") {
            rest = url.dropFirst("postgres://".count)
        } else if url.hasPrefix("postgresql://") {
            rest = url.dropFirst("postgresql://".count)
        } else {
            let scheme = url.firstIndex(of: ":").map { String(url[..<$0]) }
            throw URLError(
                scheme.map { "a PostgreSQL URL starts with postgres://, not \($0)://" }
                    ?? "a PostgreSQL URL starts with postgres:// (postgres://USER[:PASSWORD]@HOST:PORT/DB)")
        }
        guard let at = rest.lastIndex(of: "@") else {
            throw URLError("the URL names no user: write postgres://USER[:PASSWORD]@HOST:PORT/DB")
        }
        let userInfo = rest[..<at]
        let location = rest[rest.index(after: at)...]
        let encodedUser = userInfo.firstIndex(of: ":").map { userInfo[..<$0] } ?? userInfo
        let encodedPassword = userInfo.firstIndex(of: ":").map { userInfo[userInfo.index(after: $0)...] }
        guard let user = Self.percentDecoded(encodedUser) else { throw URLError("the user name has an invalid %-escape") }
        guard !user.isEmpty else { throw URLError("the user name is empty: write postgres://USER[:PASSWORD]@HOST:PORT/DB") }
        var password: String?
        if let encodedPassword {
            guard let decoded = Self.percentDecoded(encodedPassword) else { throw URLError("the password has an invalid %-escape") }
            password = decoded
        }
        guard let slash = location.firstIndex(of: "/") else {
            throw URLError("the URL names no database: add /DB after the host and port")
        }
        let hostAndPort = location[..<slash]
        let database = location[location.index(after: slash)...]
        guard !database.contains("?") else { throw URLError("options after ? are not supported (TLS and other options come later)") }
        guard !database.isEmpty, !database.contains("/") else {
            throw URLError("the database name \(database.isEmpty ? "is empty" : "\"\(database)\" holds a slash"): write /DB after the host")
        }
        var host = hostAndPort
        var port = Self.defaultPort
        if hostAndPort.hasPrefix("[") {
            // An IPv6 address in brackets, then perhaps :PORT.
            guard let close = hostAndPort.firstIndex(of: "]") else { throw URLError("the IPv6 host has no closing ]") }
            host = hostAndPort[hostAndPort.index(after: hostAndPort.startIndex)..<close]
            let after = hostAndPort[hostAndPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw URLError("only :PORT may follow the IPv6 host's ]") }
                port = try Self.port(after.dropFirst())
            }
        } else if let colon = hostAndPort.lastIndex(of: ":") {
            host = hostAndPort[..<colon]
            port = try Self.port(hostAndPort[hostAndPort.index(after: colon)...])
        }
        guard !host.isEmpty else { throw URLError("the URL names no host: write postgres://USER[:PASSWORD]@HOST:PORT/DB") }
        guard let decodedDatabase = Self.percentDecoded(database) else { throw URLError("the database name has an invalid %-escape") }
        self.init(host: String(host), port: port, user: user, database: decodedDatabase, password: password)
    }

    /// Whether `text` names a PostgreSQL database (`postgres://…` or `postgresql://…`) rather
    /// than a file: how `--db` and `$ARGUS_DB` tell the two stores apart.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL as ``init(url:)`` does; when it holds no password, `$PGPASSWORD` from
    /// `environment` gives it (as for psql), so that the password need not be on a command line.
    /// - Throws: ``URLError``, naming what is wrong (never quoting the password).
    public init(url: String, environment: [String: String]) throws(URLError) {
        try self.init(url: url)
        if password == nil, let password = environment["PGPASSWORD"], !password.isEmpty { self.password = password }
    }

    /// The configuration as a URL with the password shown as `***`.
    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }

    /// The same as ``description``: the password stays hidden.
    public var debugDescription: String { description }

    /// The fields, with the password hidden, for `dump` and debuggers.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["host": host, "port": port, "user": user, "database": database, "password": password == nil ? "nil" : "***"],
            displayStyle: .struct)
    }

    /// Why a PostgreSQL URL could not be read; the message never quotes the password.
    public struct URLError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, for people.
        public var message: String

        /// Describes what is wrong.
        public init(_ message: String) {
            self.message = message
        }

        /// The message.
        public var description: String { "invalid PostgreSQL URL: \(message)" }
    }

    /// A port number from 1 to 65535.
    private static func port(_ text: Substring) throws(URLError) -> Int {
        guard let port = Int(text), (1...65_535).contains(port) else {
            throw URLError("the port \"\(text)\" is not a number from 1 to 65535")
        }
        return port
    }

    /// Decodes `%XX` escapes; `nil` when one is invalid or the bytes are not UTF-8.
    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// A hexadecimal digit's value.
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
