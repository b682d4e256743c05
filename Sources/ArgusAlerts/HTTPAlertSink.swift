//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Alerts over HTTP: a generic webhook (JSON, signed with HMAC-SHA256), Slack, Discord,
/// Microsoft Teams, ntfy, Gotify, PagerDuty, Pushover and Telegram. Requests go through AsyncHTTPClient with a timeout; any
/// answer but 2xx is an error, so the dispatcher retries.
///
/// Redirects are never followed: a receiver that answers 3xx could send the alert, and the
/// token in its headers (`X-Gotify-Key`, `Authorization`), to another origin. A redirect is a
/// delivery failure that says so.
///
/// The generic webhook's body is the ``Alert`` as JSON; with a secret, the request carries
/// `X-Argus-Signature: sha256=<hex HMAC of "<timestamp>.<body>">` and `X-Argus-Timestamp`, and
/// always `X-Argus-Idempotency-Key` (the alert's id).
public struct HTTPAlertSink: AlertSink, CustomStringConvertible {
    /// The services this sink can speak to.
    public enum Service: String, Sendable, Codable, CaseIterable {
        /// Any HTTP endpoint: the alert as JSON, HMAC-signed.
        case webhook
        /// A Slack incoming webhook.
        case slack
        /// A Discord webhook.
        case discord
        /// A Microsoft Teams incoming webhook.
        case teams
        /// An ntfy topic URL.
        case ntfy
        /// A Gotify server's `/message` URL (the token as `secret`).
        case gotify
        /// PagerDuty's Events API v2 (`https://events.pagerduty.com/v2/enqueue`, the routing key
        /// as `secret`): a device's risk alerts trigger and resolve one incident per device.
        case pagerduty
        /// Pushover (`https://api.pushover.net/1/messages.json`; the application token as
        /// `secret`, the user or group key as `recipient`).
        case pushover
        /// A Telegram bot (`https://api.telegram.org`; the bot token as `secret`, the chat id as
        /// `recipient`). The token goes into the request path, never into logs.
        case telegram

        /// Where the service listens when no URL is given.
        public var defaultURL: String? {
            switch self {
            case .pagerduty: "https://events.pagerduty.com/v2/enqueue"
            case .pushover: "https://api.pushover.net/1/messages.json"
            case .telegram: "https://api.telegram.org"
            default: nil
            }
        }

        /// Whether the service needs a secret (token, routing key) and a recipient.
        var needs: (secret: Bool, recipient: Bool) {
            switch self {
            case .pagerduty: (true, false)
            case .pushover, .telegram: (true, true)
            default: (false, false)
            }
        }
    }

    public let name: String
    /// Which service.
    public let service: Service
    /// Where to post.
    public let url: String
    /// The HMAC secret (webhook) or token (Gotify, ntfy, PagerDuty, Pushover, Telegram); never
    /// logged.
    let secret: String?
    /// Who receives the message: the Pushover user key or the Telegram chat id.
    public let recipient: String?
    /// How long one delivery may take.
    public let timeout: Duration
    /// Resolves the host when a delivery connects, refusing addresses no sink may reach (the
    /// system's resolver unless a test gives its own).
    public var resolver: SinkHostResolver = .system

    /// Creates a sink.
    /// - Parameters:
    ///   - url: Where to post; `nil` for the service's public endpoint (PagerDuty, Pushover,
    ///     Telegram).
    /// - Throws: ``ConfigurationError`` for a URL that is not http(s), or a missing secret or
    ///   recipient.
    public init(name: String, service: Service, url: String? = nil, secret: String? = nil, recipient: String? = nil, timeout: Duration = .seconds(10))
        throws
    {
        guard let url = url ?? service.defaultURL else { throw ConfigurationError("alert sink \(name): a URL is required for \(service.rawValue)") }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
            throw ConfigurationError("alert sink \(name): '\(Self.redacted(url))' is not an http(s) URL")
        }
        let secret = secret?.isEmpty == true ? nil : secret
        let recipient = recipient?.isEmpty == true ? nil : recipient
        // Header values and URLs: a CR or LF would end the header, so none is taken (and the
        // value is never repeated in the message).
        for (field, value) in [("url", url), ("secret", secret), ("recipient", recipient)]
        where value?.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) == true {
            throw ConfigurationError("alert sink \(name): the \(field) must not contain control characters (such as CR or LF)")
        }
        if service.needs.secret, secret == nil { throw ConfigurationError("alert sink \(name): \(service.rawValue) needs its token as secret") }
        if service.needs.recipient, recipient == nil {
            throw ConfigurationError(
                "alert sink \(name): \(service.rawValue) needs a recipient (\(service == .telegram ? "the chat id" : "the user key")) as to")
        }
        if service == .telegram, let secret, !secret.allSatisfy({ $0.isLetter || $0.isNumber || $0 == ":" || $0 == "_" || $0 == "-" }) {
            throw ConfigurationError("alert sink \(name): that is not a Telegram bot token")
        }
        self.name = name
        self.service = service
        self.url = url
        self.secret = secret
        self.recipient = recipient
        self.timeout = timeout
    }

    /// The sink without its secret, for logs and the API.
    public var description: String { "\(service.rawValue) \(name) → \(Self.redacted(url))\(secret == nil ? "" : " (with a secret)")" }

    /// A URL without its query and user info (Slack and Discord put secrets in the path, so
    /// only the host is shown for them).
    static func redacted(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "(invalid URL)" }
        return "\(components.scheme ?? "https")://\(host)/…"
    }

    /// A misconfigured sink.
    public struct ConfigurationError: Error, CustomStringConvertible {
        /// For people.
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// A delivery that the receiver refused, or answered with a redirect.
    public struct DeliveryError: Error, CustomStringConvertible {
        /// The HTTP status.
        public var status: Int
        /// Whether the answer was a redirect (3xx), which alert sinks never follow.
        public var isRedirect: Bool { (300..<400).contains(status) }
        /// For logs (no secrets).
        public var description: String {
            isRedirect ? "the server answered \(status), a redirect, which alert sinks never follow" : "the receiver answered HTTP \(status)"
        }
    }

    /// The secret, and the URL of the services whose URL is the secret (Slack, Discord, Teams):
    /// kept out of every error text.
    public var secrets: [String] {
        [secret].compactMap(\.self) + ([.slack, .discord, .teams].contains(service) ? [url] : [])
    }

    public func deliver(_ alert: Alert) async throws {
        let target = service == .telegram ? "\(url.hasSuffix("/") ? String(url.dropLast()) : url)/bot\(secret ?? "")/sendMessage" : url
        guard let components = URLComponents(string: target), let host = components.host, !host.isEmpty else {
            throw ConfigurationError("alert sink \(name): '\(Self.redacted(url))' is not an http(s) URL")
        }
        let port = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
        // The name is resolved and checked here, and the request goes to that address (the
        // certificate is still checked against the name): a rebound name never reaches a
        // metadata service. Redirects are never followed (see the type's notes).
        let addresses = try await resolver.addresses(of: host, port: port)
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let address = addresses.first?.ipAddress, address != bare { configuration.dnsOverride = [bare: address] }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var request = HTTPClientRequest(url: target)
        request.method = .POST
        let (body, headers) = try payload(for: alert, timestamp: Int(Date().timeIntervalSince1970))
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let status: Int
        do {
            let response = try await client.execute(request, timeout: .seconds(timeout.components.seconds))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            status = Int(response.status.code)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
        guard (200..<300).contains(status) else { throw DeliveryError(status: status) }
    }

    /// The body and headers for a service.
    func payload(for alert: Alert, timestamp: Int) throws -> (String, [(String, String)]) {
        let line = "[\(alert.severity.rawValue)] \(alert.title): \(alert.message)"
        var headers: [(String, String)] = [("Content-Type", "application/json"), ("User-Agent", "Argus"), ("X-Argus-Idempotency-Key", alert.id)]
        func json(_ object: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        switch service {
        case .webhook:
            let body = try alert.json()
            if let secret {
                headers.append(("X-Argus-Timestamp", "\(timestamp)"))
                headers.append(("X-Argus-Signature", "sha256=" + Self.signature(body: body, timestamp: timestamp, secret: secret)))
            }
            return (body, headers)
        case .slack:
            return (try json(["text": line]), headers)
        case .discord:
            return (try json(["content": String(line.prefix(2_000))]), headers)
        case .teams:
            return (
                try json([
                    "@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": alert.title, "title": alert.title,
                    "text": alert.message, "themeColor": alert.severity == .critical ? "B91C1C" : alert.severity == .warning ? "A16207" : "2457C5",
                ]), headers
            )
        case .ntfy:
            headers = [
                ("Content-Type", "text/plain; charset=utf-8"), ("Title", alert.title),
                ("Priority", alert.severity == .critical ? "urgent" : alert.severity == .warning ? "high" : "default"), ("Tags", alert.kind.rawValue),
                ("X-Argus-Idempotency-Key", alert.id),
            ]
            if let secret { headers.append(("Authorization", "Bearer \(secret)")) }
            return (alert.message, headers)
        case .pagerduty:
            let severity = alert.severity == .critical ? "critical" : alert.severity == .warning ? "warning" : "info"
            var event: [String: Any] = [
                "routing_key": secret ?? "", "event_action": alert.kind == .riskCleared ? "resolve" : "trigger", "dedup_key": Self.dedupKey(alert),
            ]
            if alert.kind != .riskCleared {
                event["payload"] = [
                    "summary": String("\(alert.title): \(alert.message)".prefix(1_024)), "severity": severity, "source": alert.device?.ip ?? "argus",
                    "component": alert.device?.name ?? "network",
                    "custom_details": ["kind": alert.kind.rawValue, "id": alert.id, "old": alert.oldValue ?? "", "new": alert.newValue ?? ""],
                ]
            }
            return (try json(event), headers)
        case .pushover:
            let priority = alert.severity == .critical ? 1 : alert.severity == .warning ? 0 : -1
            return (
                try json([
                    "token": secret ?? "", "user": recipient ?? "", "title": String(alert.title.prefix(250)),
                    "message": String(alert.message.prefix(1_024)), "priority": priority, "timestamp": Int(alert.createdAt.timeIntervalSince1970),
                ]), headers
            )
        case .telegram:
            return (
                try json([
                    "chat_id": recipient ?? "", "text": String("\(alert.title)\n\(alert.message)".prefix(4_096)), "disable_web_page_preview": true,
                ]), headers
            )
        case .gotify:
            if let secret { headers.append(("X-Gotify-Key", secret)) }
            return (
                try json([
                    "title": alert.title, "message": alert.message, "priority": alert.severity == .critical ? 8 : alert.severity == .warning ? 5 : 2,
                ]), headers
            )
        }
    }

    /// PagerDuty's incident key: one per device for its risk (so a clear resolves the raise),
    /// one per alert otherwise.
    static func dedupKey(_ alert: Alert) -> String {
        if alert.kind == .riskChanged || alert.kind == .riskCleared, let device = alert.device?.id ?? nil {
            return "argus-device-\(device)-risk"
        }
        return "argus-\(alert.id)"
    }

    /// HMAC-SHA256 of `"<timestamp>.<body>"`, hex: what a receiver recomputes to check a webhook.
    public static func signature(body: String, timestamp: Int, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }
}
