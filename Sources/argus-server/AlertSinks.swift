//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAlerts
import ArgusHTTP
import Foundation

extension ServerConfiguration.AlertSinkSettings {
    /// The sink these settings describe.
    /// - Throws: The sink's configuration error, naming the sink.
    func makeSink() throws -> any AlertSink {
        let url = self.url.flatMap(URLComponents.init(string:))
        switch type {
        case "command":
            return CommandAlertSink(name: name, executable: command ?? "", arguments: arguments)
        case "syslog":
            return SyslogAlertSink(
                name: name, host: url?.host ?? "", port: url?.port.flatMap { UInt16(exactly: $0) } ?? 514,
                transport: url?.scheme == "tcp" ? .tcp : .udp)
        case "email":
            let security: SMTPAlertSink.Security =
                url?.scheme == "smtps"
                ? .tls : (url?.queryItems?.contains { $0.name == "security" && $0.value == "none" } == true ? .none : .startTLS)
            return try SMTPAlertSink(
                name: name, host: url?.host ?? "", port: url?.port.flatMap { UInt16(exactly: $0) }, security: security, username: username,
                password: password, from: from ?? "", to: to, trustRootsFile: caFile)
        case "mqtt":
            return try MQTTAlertSink(
                name: name, host: url?.host ?? "", port: url?.port.flatMap { UInt16(exactly: $0) }, tls: url?.scheme == "mqtts", username: username,
                password: password, topicPrefix: topicPrefix ?? "argus",
                discoveryPrefix: discoveryPrefix.map { $0.isEmpty ? nil : $0 } ?? "homeassistant", trustRootsFile: caFile)
        default:
            return try HTTPAlertSink(
                name: name, service: HTTPAlertSink.Service(rawValue: type) ?? .webhook, url: self.url, secret: secret, recipient: to.first)
        }
    }
}
