//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

extension HTTPAlertSink {
    /// The settings of the HTTP services (webhook, Slack, Discord, Teams, ntfy, Gotify,
    /// PagerDuty, Pushover, Telegram): a URL, a secret or token, a recipient.
    public struct Options: AlertSinkOptions {
        /// Which service the settings are for (not a setting: the sink's type).
        public var service: Service
        /// Where to post; `nil` for the service's public endpoint (PagerDuty, Pushover, Telegram).
        public var url: String?
        /// The HMAC secret (webhook) or the token (ntfy, Gotify, PagerDuty, Pushover, Telegram).
        public var secret: String?
        /// The recipient: the Pushover user or group key, the Telegram chat id.
        public var to: [String]

        /// Settings for a service.
        public init(service: Service, url: String? = nil, secret: String? = nil, to: [String] = []) {
            self.service = service
            self.url = url
            self.secret = secret
            self.to = to
        }

        public static let keys = ["url", "secret", "to"]

        enum CodingKeys: String, CodingKey {
            case type, url, secret, to
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let type = try container.decodeText(forKey: .type) ?? ""
            guard let service = Service(rawValue: type) else { throw SettingProblem("type", "not an HTTP service: \(type)") }
            self.init(
                service: service, url: try container.decodeText(forKey: .url), secret: try container.decodeText(forKey: .secret),
                to: try container.decodeTexts(forKey: .to))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(url, forKey: .url)
            try container.encodeIfPresent(secret, forKey: .secret)
            if !to.isEmpty { try container.encode(to, forKey: .to) }
        }

        public func validate() throws(SettingProblem) {
            switch service {
            case .pagerduty, .pushover, .telegram:
                if url != nil {
                    _ = try AlertSinkURL(url, schemes: ["http", "https"], expected: "must be an http(s) URL (or left out for the public service)")
                }
                guard secret != nil else { throw SettingProblem("secret", "the \(service == .pagerduty ? "routing key" : "token") is required") }
                if service != .pagerduty, to.count != 1 {
                    throw SettingProblem("to", service == .telegram ? "the chat id is required" : "the user or group key is required")
                }
            default:
                _ = try AlertSinkURL(url, schemes: ["http", "https"], expected: "an http(s) URL is required")
            }
        }

        public var destinations: [String] { AlertSinkURL.hosts(of: url) }

        /// The secret, and the URL of the services whose URL is the secret (Slack, Discord, Teams).
        public var secretValues: [String] {
            [secret].compactMap(\.self) + ([.slack, .discord, .teams].contains(service) ? [url].compactMap(\.self) : [])
        }

        public var summary: String { AlertSinkURL.origin(of: url) ?? "" }
    }

    /// The registered types of the HTTP services, one per ``Service``.
    public static var sinkTypes: [AlertSinkType] {
        Service.allCases.map { service in
            AlertSinkType(service.rawValue, title: service.title, options: Options.self, fields: service.fields) { name, options in
                try HTTPAlertSink(name: name, service: options.service, url: options.url, secret: options.secret, recipient: options.to.first)
            }
        }
    }
}

extension HTTPAlertSink.Service {
    /// The service's name for people.
    var title: String {
        switch self {
        case .webhook: "Webhook (the alert as signed JSON)"
        case .slack: "Slack"
        case .discord: "Discord"
        case .teams: "Microsoft Teams"
        case .ntfy: "ntfy"
        case .gotify: "Gotify"
        case .pagerduty: "PagerDuty"
        case .pushover: "Pushover"
        case .telegram: "Telegram"
        }
    }

    /// The settings a form asks for.
    var fields: [AlertSinkField] {
        switch self {
        case .webhook:
            [AlertSinkField("url", label: "URL", example: "https://…"), AlertSinkField("secret", label: "Secret or token", kind: .secret)]
        case .slack, .discord, .teams:
            [AlertSinkField("url", label: "URL", example: "https://…")]
        case .ntfy, .gotify:
            [AlertSinkField("url", label: "URL", example: "https://…"), AlertSinkField("secret", label: "Secret or token", kind: .secret)]
        case .pagerduty:
            [AlertSinkField("secret", label: "Secret or token", kind: .secret)]
        case .pushover, .telegram:
            [
                AlertSinkField("secret", label: "Secret or token", kind: .secret),
                AlertSinkField("to", label: "To", kind: .list, example: "a chat id or a user key"),
            ]
        }
    }
}
