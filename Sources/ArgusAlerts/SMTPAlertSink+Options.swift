//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Foundation

extension SMTPAlertSink {
    /// The settings of an e-mail sink: the mail server as a URL (`smtp://mail.lan:587` for
    /// STARTTLS, `smtps://mail.lan:465` for TLS, `?security=none` for neither), the sender,
    /// the recipients and the account.
    public struct Options: AlertSinkOptions {
        /// The mail server.
        public var url: String?
        /// The sender address.
        public var from: String?
        /// The recipients.
        public var to: [String]
        /// The account's user name (AUTH needs TLS).
        public var username: String?
        /// The account's password; never logged or shown.
        public var password: String?
        /// A PEM file of the certificate authorities to trust; `nil` for the system's.
        public var caFile: String?

        /// Settings for a mail server.
        public init(
            url: String?, from: String?, to: [String], username: String? = nil, password: String? = nil, caFile: String? = nil
        ) {
            self.url = url
            self.from = from
            self.to = to
            self.username = username
            self.password = password
            self.caFile = caFile
        }

        public static let keys = ["url", "from", "to", "username", "password", "ca_file"]

        enum CodingKeys: String, CodingKey {
            case url, from, to, username, password
            case caFile = "ca_file"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                url: try container.decodeText(forKey: .url), from: try container.decodeText(forKey: .from),
                to: try container.decodeTexts(forKey: .to),
                username: try container.decodeText(forKey: .username), password: try container.decodeText(forKey: .password),
                caFile: try container.decodeText(forKey: .caFile))
        }

        public func validate() throws(SettingProblem) {
            _ = try AlertSinkURL(
                url, schemes: ["smtp", "smtps"],
                expected: "a mail server like smtp://mail.lan:587 (STARTTLS) or smtps://mail.lan:465 (TLS) is required")
            guard from != nil else { throw SettingProblem("from", "the sender address is required") }
            guard !to.isEmpty else { throw SettingProblem("to", "at least one recipient is required") }
        }

        public var destinations: [String] { AlertSinkURL.hosts(of: url) }
        public var secretValues: [String] { [password].compactMap(\.self) }
        public var summary: String {
            ([AlertSinkURL.origin(of: url)].compactMap(\.self) + (to.isEmpty ? [] : ["to \(to.joined(separator: ", "))"])).joined(separator: " ")
        }

        /// The connection's security the URL asks for.
        var security: Security {
            guard let url = try? AlertSinkURL(url, schemes: ["smtp", "smtps"], expected: "") else { return .startTLS }
            if url.scheme == "smtps" { return .tls }
            return url.components.queryItems?.contains { $0.name == "security" && $0.value == "none" } == true ? .none : .startTLS
        }
    }

    /// The registered `email` type.
    public static var sinkType: AlertSinkType {
        AlertSinkType(
            "email", title: "E-mail (SMTP)", options: Options.self,
            fields: [
                AlertSinkField("url", label: "URL", example: "smtp://mail.lan:587"),
                AlertSinkField("from", label: "From", example: "argus@example.org (email)"),
                AlertSinkField("to", label: "To", kind: .list, example: "addresses"),
                AlertSinkField("username", label: "User name"), AlertSinkField("password", label: "Password", kind: .secret),
            ]
        ) { name, options in
            let url = try AlertSinkURL(options.url, schemes: ["smtp", "smtps"], expected: "a mail server URL is required")
            return try SMTPAlertSink(
                name: name, host: url.host, port: url.port.flatMap { UInt16(exactly: $0) }, security: options.security, username: options.username,
                password: options.password, from: options.from ?? "", to: options.to, trustRootsFile: options.caFile)
        }
    }
}
