//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

extension AlertSinkRegistry {
    /// Every sink type Argus ships: webhook, Slack, Discord, Teams, ntfy, Gotify, PagerDuty,
    /// Pushover, Telegram, email, MQTT, syslog and command. Add yours with
    /// ``AlertSinkRegistry/register(_:)``.
    public static let standard = AlertSinkRegistry(
        HTTPAlertSink.sinkTypes + [SMTPAlertSink.sinkType, MQTTAlertSink.sinkType, SyslogAlertSink.sinkType, CommandAlertSink.sinkType])
}
