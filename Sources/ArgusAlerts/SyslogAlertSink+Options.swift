//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

extension SyslogAlertSink {
    /// The settings of a syslog sink: the collector as a URL (`udp://siem.lan:514`,
    /// `tcp://siem.lan:514`).
    public struct Options: AlertSinkOptions {
        /// The collector.
        public var url: String?

        /// Settings for a collector.
        public init(url: String?) { self.url = url }

        public static let keys = ["url"]

        enum CodingKeys: String, CodingKey { case url }

        public init(from decoder: any Decoder) throws {
            self.init(url: try decoder.container(keyedBy: CodingKeys.self).decodeText(forKey: .url))
        }

        public func validate() throws(SettingProblem) {
            _ = try AlertSinkURL(url, schemes: ["udp", "tcp"], expected: "a collector like udp://siem.lan:514 or tcp://siem.lan:514 is required")
        }

        public var destinations: [String] { AlertSinkURL.hosts(of: url) }
        public var summary: String { AlertSinkURL.origin(of: url) ?? "" }
    }

    /// The registered `syslog` type.
    public static var sinkType: AlertSinkType {
        AlertSinkType(
            "syslog", title: "Syslog (RFC 5424)", options: Options.self,
            fields: [AlertSinkField("url", label: "URL", example: "udp://siem.lan:514")]
        ) { name, options in
            let url = try AlertSinkURL(options.url, schemes: ["udp", "tcp"], expected: "a collector URL is required")
            return SyslogAlertSink(
                name: name, host: url.host, port: url.port.flatMap { UInt16(exactly: $0) } ?? 514, transport: url.scheme == "tcp" ? .tcp : .udp)
        }
    }
}
