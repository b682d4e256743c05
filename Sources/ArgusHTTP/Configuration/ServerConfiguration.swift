//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import ArgusAccounts
public import ArgusAlerts
import Foundation
import Yams

/// argus-server's settings: `config.yaml`, then environment variables, then command-line flags,
/// each overriding the one before. Every key has a default; `Docs/config.example.yaml` lists them.
///
/// Loading refuses unknown keys and impossible values with a message that names the key, so a
/// typo never silently leaves a default in place.
public struct ServerConfiguration: Sendable, Equatable {
    /// The address to listen on. Loopback by default: exposing the server is a choice.
    public var host = ServerDefaults.host
    /// The port to listen on.
    public var port = ServerDefaults.port
    /// Mark cookies `Secure` (set when a TLS proxy is in front). `nil`: only when the request came
    /// over HTTPS per `X-Forwarded-Proto` from a trusted proxy.
    public var secureCookies: Bool?
    /// Proxies (addresses) whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    public var trustedProxies: [String] = []
    /// The host names (and `name:port`s) a request's `Host` may give; empty for any. Others are
    /// refused with 421, which stops DNS rebinding.
    public var allowedHosts: [String] = []
    /// The database file; `nil` for the default path.
    public var databasePath: String?
    /// The networks a network scan covers.
    public var subnets: [String] = []
    /// Addresses or blocks never scanned.
    public var exclusions: [String] = []
    /// The profile of network scans: quick, normal or intensive.
    public var scanProfile = "normal"
    /// The most addresses one scan may cover.
    public var maxAddresses = ScanTargetList.defaultAddressLimit
    /// A scan is stopped after this many minutes.
    public var scanTimeoutMinutes = 120
    /// nmap port scans running at once after a sweep of a large network.
    public var scanParallelism = 4
    /// The nmap to run; `nil` for `nmap` on `PATH`.
    public var nmapPath: String?
    /// Whether nmap looks up host names of the addresses it scans (reverse DNS); off by default
    /// (`-n`), so no query leaves for a resolver.
    public var resolveNames = false
    /// A session ends after this many minutes unused.
    public var sessionIdleMinutes = 60
    /// A session ends this many hours after sign-in, used or not.
    public var sessionAbsoluteHours = 12
    /// With "remember me", the session lasts this many days (idle or not).
    public var rememberDays = 30
    /// Failed sign-ins allowed per client or per user name before a pause.
    public var maxLoginFailures = 5
    /// The longest pause, in minutes, and how long a client's failures are remembered.
    public var lockoutMinutes = 15
    /// The first pause, in seconds, after the free failures; each further failure doubles it.
    public var firstLoginDelaySeconds = 5
    /// Failed sign-ins for one user name, from all addresses together, in an hour before that
    /// name is refused from addresses it never signed in from.
    public var maxFailuresPerUserPerHour = 100
    /// Scans older than this many days are deleted (devices and their history stay). 0 keeps all.
    public var retentionDays = 180
    /// At most this many scans are kept. 0 keeps all.
    public var keepScans = 1_000
    /// Changes below this severity never alert.
    public var alertMinimumSeverity = Severity.info
    /// A risk change alerts from this level.
    public var alertRiskThreshold = RiskLevel.high
    /// Trusted devices never alert.
    public var alertSkipTrusted = false
    /// The first scan of a network sends one summary alert, not one per device and port.
    public var alertSummarizeFirstScan = true
    /// Where alerts go.
    public var alertSinks: [AlertSinkConfiguration] = []
    /// A daily window (`22:00-07:00`) when alerts below ``alertQuietHoursBreakthrough`` wait
    /// until it ends; `nil` for none.
    public var alertQuietHours: QuietHours?
    /// Alerts of this severity or above go out even in quiet hours.
    public var alertQuietHoursBreakthrough = Severity.critical
    /// The first retry of a failed delivery waits this long; each further one doubles, up to
    /// an hour.
    public var alertRetrySeconds = 30
    /// A device must be unseen this many minutes before its offline alert goes out.
    public var offlineGraceMinutes = Int(OfflineGrace.defaultPeriod / 60)
    /// Grace periods by zone, in minutes.
    public var zoneOfflineGraceMinutes: [String: Int] = [:]
    /// Grace periods by device (MAC or IP address), in minutes.
    public var deviceOfflineGraceMinutes: [String: Int] = [:]

    /// The offline grace policy the settings describe.
    public var offlineGrace: OfflineGrace {
        OfflineGrace(
            standard: TimeInterval(offlineGraceMinutes * 60), zones: zoneOfflineGraceMinutes.mapValues { TimeInterval($0 * 60) },
            devices: deviceOfflineGraceMinutes.mapValues { TimeInterval($0 * 60) })
    }

    /// The delivery policy of sinks without settings of their own: the global quiet hours.
    public var defaultDeliveryPolicy: DeliveryPolicy { deliveryPolicy(for: nil) }

    /// The delivery policy of a sink: its own quiet hours and digest, else the global ones.
    public func deliveryPolicy(for sink: AlertSinkConfiguration?) -> DeliveryPolicy {
        var quiet = sink?.quietHours ?? alertQuietHours
        quiet?.breakthrough = alertQuietHoursBreakthrough
        return DeliveryPolicy(quietHours: quiet, digestInterval: sink?.digestMinutes.map { TimeInterval($0 * 60) })
    }
    /// Profiles of the owner's, beside quick, normal and intensive (`scanning.profiles`): built
    /// only from ``ScanProfile``'s fields, so no other nmap option can be given.
    public var customProfiles: [ScanProfile] = []

    /// Every profile a scan may name: the built-in ones and the owner's.
    public var profiles: [ScanProfile] { ScanProfile.builtIn + customProfiles }

    /// The defaults.
    public init() {}

    /// A setting that cannot be used, named by its key (`server.port`) or the file.
    public typealias Problem = SettingProblem

    // MARK: Loading

    /// Reads a `config.yaml` over the defaults.
    /// - Throws: ``Problem`` naming the key (or the file) that cannot be used.
    /// - Parameter sinkTypes: The types `alerts.sinks` may name (the built-in ones unless a
    ///   program registers its own).
    public static func load(yaml text: String, from source: String = "config.yaml", sinkTypes: AlertSinkRegistry = .standard) throws
        -> ServerConfiguration
    {
        var configuration = ServerConfiguration()
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw Problem(source, "not valid YAML: \(error)")
        }
        guard let node else { return configuration }
        guard let root = node.mapping else { throw Problem(source, "the top level must be a mapping of sections (server:, network:, …)") }
        var reader = YAMLReader(sinkTypes: sinkTypes)
        for (keyNode, value) in root {
            let section = keyNode.string ?? ""
            guard Self.sections.contains(section) else {
                throw Problem(section, "unknown section (the sections are \(Self.sections.sorted().joined(separator: ", ")))")
            }
            guard let mapping = value.mapping else {
                if value.null != nil { continue }
                throw Problem(section, "must be a mapping of keys")
            }
            for (nameNode, value) in mapping {
                let key = "\(section).\(nameNode.string ?? "")"
                try reader.apply(key, value, to: &configuration)
            }
        }
        try configuration.validate()
        return configuration
    }

    static let sections: Set<String> = ["server", "database", "network", "scanning", "sessions", "security", "retention", "alerts"]

    /// Applies `ARGUS_*` environment variables: `ARGUS_HOST`, `ARGUS_PORT`, `ARGUS_DB`,
    /// `ARGUS_SUBNETS` (comma-separated), `ARGUS_EXCLUDE`, `ARGUS_SCAN_PROFILE`, `ARGUS_NMAP`,
    /// `ARGUS_SECURE_COOKIES` (true/false).
    public mutating func applyEnvironment(_ environment: [String: String]) throws {
        var reader = YAMLReader(sinkTypes: AlertSinkRegistry())
        let names: [(String, String)] = [
            ("ARGUS_HOST", "server.host"), ("ARGUS_PORT", "server.port"), ("ARGUS_DB", "database.path"),
            ("ARGUS_SUBNETS", "network.subnets"), ("ARGUS_EXCLUDE", "network.exclusions"), ("ARGUS_SCAN_PROFILE", "network.scan_profile"),
            ("ARGUS_NMAP", "scanning.nmap_path"), ("ARGUS_SECURE_COOKIES", "server.secure_cookies"),
        ]
        for (variable, key) in names {
            guard let text = environment[variable], !text.isEmpty else { continue }
            let value: Yams.Node =
                key.hasSuffix("subnets") || key.hasSuffix("exclusions")
                ? .sequence(.init(text.split(separator: ",").map { .scalar(.init($0.trimmingCharacters(in: .whitespaces))) }))
                : .scalar(.init(text))
            do {
                try reader.apply(key, value, to: &self)
            } catch let problem as Problem {
                throw Problem(variable, problem.reason)
            }
        }
        try validate()
    }

    /// Checks values that depend on each other or on Argus's rules.
    public func validate() throws {
        guard (1...65_535).contains(port) else { throw Problem("server.port", "\(port) is not a port (1-65535)") }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw Problem("server.host", "'\(host)' is not an address or host name")
        }
        guard profiles.contains(where: { $0.name == scanProfile }) else {
            throw Problem("network.scan_profile", "'\(scanProfile)' is not a profile: use \(profiles.map(\.name).joined(separator: ", "))")
        }
        // The rules every scan applies, so that no setting can make every scan fail later.
        do { _ = try targetRules.exclusions(exclusions) } catch { throw Problem("network.exclusions", "\(error)") }
        do {
            if !subnets.isEmpty { _ = try targetRules.targets(subnets, excluding: exclusions) }
        } catch {
            throw Problem("network.subnets", "\(error)")
        }
        let positives: [(String, Int)] = [
            ("scanning.timeout_minutes", scanTimeoutMinutes), ("scanning.parallel", scanParallelism), ("sessions.idle_minutes", sessionIdleMinutes),
            ("sessions.absolute_hours", sessionAbsoluteHours), ("sessions.remember_days", rememberDays),
            ("security.max_login_failures", maxLoginFailures), ("security.lockout_minutes", lockoutMinutes),
            ("security.first_delay_seconds", firstLoginDelaySeconds),
            ("security.max_failures_per_user_per_hour", maxFailuresPerUserPerHour),
        ]
        for (key, value) in positives where value < 1 {
            throw Problem(key, "must be at least 1, not \(value)")
        }
        guard scanParallelism <= 64 else { throw Problem("scanning.parallel", "at most 64, not \(scanParallelism)") }
        guard retentionDays >= 0 else { throw Problem("retention.days", "must be 0 (keep all) or more") }
        guard keepScans >= 0 else { throw Problem("retention.keep_scans", "must be 0 (keep all) or more") }
        guard (1...3_600).contains(alertRetrySeconds) else { throw Problem("alerts.retry_seconds", "must be 1 to 3600 seconds") }
        guard (0...525_600).contains(offlineGraceMinutes) else {
            throw Problem("alerts.offline_grace_minutes", "must be 0 (at once) to 525600 (a year)")
        }
        for (key, periods) in [
            ("alerts.zone_offline_grace_minutes", zoneOfflineGraceMinutes), ("alerts.device_offline_grace_minutes", deviceOfflineGraceMinutes),
        ] {
            for (name, minutes) in periods where !(0...525_600).contains(minutes) {
                throw Problem("\(key).\(name)", "must be 0 to 525600 minutes (a year)")
            }
        }
    }

    /// The scan targets of a network scan, or `nil` when no subnet is configured.
    public func networkTargets() throws -> ScanTargetList? {
        subnets.isEmpty ? nil : try targetRules.targets(subnets, excluding: exclusions)
    }

    /// The one validator of targets and exclusions, with this configuration's address cap.
    public var targetRules: ScanTargetRules { ScanTargetRules(addressLimit: maxAddresses) }
}

/// Reads typed values out of YAML nodes into the configuration, by key.
private struct YAMLReader {
    /// The sink types `alerts.sinks` may name.
    var sinkTypes: AlertSinkRegistry

    mutating func apply(_ key: String, _ value: Yams.Node, to configuration: inout ServerConfiguration) throws {
        switch key {
        case "server.host": configuration.host = try string(key, value)
        case "server.port": configuration.port = try int(key, value)
        case "server.secure_cookies": configuration.secureCookies = value.null != nil ? nil : try bool(key, value)
        case "server.trusted_proxies": configuration.trustedProxies = try strings(key, value)
        case "server.allowed_hosts": configuration.allowedHosts = try strings(key, value).map { $0.lowercased() }
        case "database.path": configuration.databasePath = try optionalString(key, value)
        case "network.subnets": configuration.subnets = try strings(key, value)
        case "network.exclusions": configuration.exclusions = try strings(key, value)
        case "network.scan_profile": configuration.scanProfile = try string(key, value)
        case "network.max_addresses":
            let count = try int(key, value)
            guard count > 0 else { throw ServerConfiguration.Problem(key, "must be at least 1") }
            configuration.maxAddresses = UInt64(count)
        case "scanning.timeout_minutes": configuration.scanTimeoutMinutes = try int(key, value)
        case "scanning.parallel": configuration.scanParallelism = try int(key, value)
        case "scanning.nmap_path": configuration.nmapPath = try optionalString(key, value)
        case "scanning.resolve_names": configuration.resolveNames = try bool(key, value)
        case "sessions.idle_minutes": configuration.sessionIdleMinutes = try int(key, value)
        case "sessions.absolute_hours": configuration.sessionAbsoluteHours = try int(key, value)
        case "sessions.remember_days": configuration.rememberDays = try int(key, value)
        case "security.max_login_failures": configuration.maxLoginFailures = try int(key, value)
        case "security.lockout_minutes": configuration.lockoutMinutes = try int(key, value)
        case "security.first_delay_seconds": configuration.firstLoginDelaySeconds = try int(key, value)
        case "security.max_failures_per_user_per_hour": configuration.maxFailuresPerUserPerHour = try int(key, value)
        case "retention.days": configuration.retentionDays = try int(key, value)
        case "retention.keep_scans": configuration.keepScans = try int(key, value)
        case "alerts.min_severity":
            guard let level = Severity(rawValue: try string(key, value)) else {
                throw ServerConfiguration.Problem(key, "one of info, warning, critical")
            }
            configuration.alertMinimumSeverity = level
        case "alerts.risk_threshold":
            guard let level = RiskLevel(rawValue: try string(key, value)) else {
                throw ServerConfiguration.Problem(key, "one of low, medium, high, critical")
            }
            configuration.alertRiskThreshold = level
        case "alerts.skip_trusted": configuration.alertSkipTrusted = try bool(key, value)
        case "alerts.summarize_first_scan": configuration.alertSummarizeFirstScan = try bool(key, value)
        case "alerts.sinks": configuration.alertSinks = try sinks(key, value)
        case "alerts.quiet_hours": configuration.alertQuietHours = try quietHours(key, value)
        case "alerts.quiet_hours_breakthrough":
            guard let level = Severity(rawValue: try string(key, value)) else {
                throw ServerConfiguration.Problem(key, "one of info, warning, critical")
            }
            configuration.alertQuietHoursBreakthrough = level
        case "alerts.offline_grace_minutes": configuration.offlineGraceMinutes = try int(key, value)
        case "alerts.retry_seconds": configuration.alertRetrySeconds = try int(key, value)
        case "alerts.zone_offline_grace_minutes": configuration.zoneOfflineGraceMinutes = try minutes(key, value)
        case "alerts.device_offline_grace_minutes": configuration.deviceOfflineGraceMinutes = try minutes(key, value)
        case "scanning.profiles": configuration.customProfiles = try profiles(key, value)
        default: throw ServerConfiguration.Problem(key, "unknown setting (see Docs/config.example.yaml for every key)")
        }
    }

    /// `22:00-07:00`, or empty for none.
    private func quietHours(_ key: String, _ value: Yams.Node) throws -> QuietHours? {
        guard let text = try optionalString(key, value) else { return nil }
        do { return try QuietHours(text) } catch { throw ServerConfiguration.Problem(key, "\(error)") }
    }

    /// A mapping of names to minutes (0 or more).
    private func minutes(_ key: String, _ value: Yams.Node) throws -> [String: Int] {
        if value.null != nil { return [:] }
        guard let mapping = value.mapping else { throw ServerConfiguration.Problem(key, "must be a mapping of names to minutes") }
        var result: [String: Int] = [:]
        for (name, node) in mapping {
            let minutes = try int("\(key).\(name.string ?? "")", node)
            guard minutes >= 0 else { throw ServerConfiguration.Problem("\(key).\(name.string ?? "")", "must be 0 or more minutes") }
            result[name.string ?? ""] = minutes
        }
        return result
    }

    private func string(_ key: String, _ value: Yams.Node) throws -> String {
        guard let scalar = value.scalar else { throw ServerConfiguration.Problem(key, "must be a single value") }
        return scalar.string
    }

    /// `scanning.profiles`: each a mapping of allowlisted options only.
    private func profiles(_ key: String, _ value: Yams.Node) throws -> [ScanProfile] {
        if value.null != nil { return [] }
        guard let items = value.sequence else { throw ServerConfiguration.Problem(key, "must be a list of profiles") }
        let allowed = [
            "name", "ports", "service_detection", "version_intensity", "os_detection", "default_scripts", "traceroute", "skip_discovery", "timing",
            "host_timeout_seconds",
        ]
        var names = Set(ScanProfile.builtIn.map(\.name))
        return try items.enumerated().map { index, item in
            let itemKey = "\(key)[\(index)]"
            guard let mapping = item.mapping else { throw ServerConfiguration.Problem(itemKey, "must be a mapping (name:, ports:, …)") }
            var fields: [String: Yams.Node] = [:]
            for (name, node) in mapping {
                let field = name.string ?? ""
                guard allowed.contains(field) else {
                    throw ServerConfiguration.Problem("\(itemKey).\(field)", "not an allowed option (\(allowed.joined(separator: ", ")))")
                }
                fields[field] = node
            }
            guard let name = fields["name"]?.scalar?.string, (1...40).contains(name.count),
                name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) })
            else {
                throw ServerConfiguration.Problem("\(itemKey).name", "1 to 40 letters, digits, '-' or '_'")
            }
            guard names.insert(name).inserted else { throw ServerConfiguration.Problem("\(itemKey).name", "'\(name)' is taken") }
            var ports: PortSpecification?
            if let text = fields["ports"]?.scalar?.string {
                do { ports = try PortSpecification(text) } catch { throw ServerConfiguration.Problem("\(itemKey).ports", "\(error)") }
            }
            func flag(_ field: String) throws -> Bool { try fields[field].map { try bool("\(itemKey).\(field)", $0) } ?? false }
            func number(_ field: String, _ range: ClosedRange<Int>) throws -> Int? {
                guard let node = fields[field] else { return nil }
                let value = try int("\(itemKey).\(field)", node)
                guard range.contains(value) else {
                    throw ServerConfiguration.Problem("\(itemKey).\(field)", "must be \(range.lowerBound) to \(range.upperBound)")
                }
                return value
            }
            return ScanProfile(
                name: name, ports: ports, detectsServices: try flag("service_detection"), versionIntensity: try number("version_intensity", 0...9),
                detectsOS: try flag("os_detection"), runsDefaultScripts: try flag("default_scripts"), tracesRoute: try flag("traceroute"),
                skipsDiscovery: try flag("skip_discovery"), timing: try number("timing", 0...5) ?? 3,
                hostTimeout: try number("host_timeout_seconds", 1...86_400).map { .seconds($0) })
        }
    }

    private func sinks(_ key: String, _ value: Yams.Node) throws -> [AlertSinkConfiguration] {
        if value.null != nil { return [] }
        guard let items = value.sequence else { throw ServerConfiguration.Problem(key, "must be a list of sinks (name, type, url or command)") }
        var names = Set<String>()
        return try items.enumerated().map { index, item in
            let itemKey = "\(key)[\(index)]"
            guard item.mapping != nil else { throw ServerConfiguration.Problem(itemKey, "must be a mapping (name:, type:, …)") }
            let sink: AlertSinkConfiguration
            do {
                sink = try YAMLDecoder().decode(AlertSinkConfiguration.self, from: item, userInfo: sinkTypes.userInfo(refusingUnknownSettings: true))
            } catch let problem as SettingProblem {
                throw ServerConfiguration.Problem(problem.key.isEmpty ? itemKey : "\(itemKey).\(problem.key)", problem.reason)
            }
            guard names.insert(sink.name).inserted else { throw ServerConfiguration.Problem("\(itemKey).name", "'\(sink.name)' is used twice") }
            return sink
        }
    }

    /// Empty or `~` means "the default".
    private func optionalString(_ key: String, _ value: Yams.Node) throws -> String? {
        if value.null != nil { return nil }
        let text = try string(key, value)
        return text.isEmpty ? nil : text
    }

    private func int(_ key: String, _ value: Yams.Node) throws -> Int {
        guard let text = value.scalar?.string, let number = Int(text) else {
            throw ServerConfiguration.Problem(key, "must be a whole number, not '\(value.scalar?.string ?? "a list")'")
        }
        return number
    }

    private func bool(_ key: String, _ value: Yams.Node) throws -> Bool {
        switch value.scalar?.string.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ServerConfiguration.Problem(key, "must be true or false")
        }
    }

    private func strings(_ key: String, _ value: Yams.Node) throws -> [String] {
        if value.null != nil { return [] }
        if let scalar = value.scalar { return [scalar.string] }
        guard let sequence = value.sequence else { throw ServerConfiguration.Problem(key, "must be a list") }
        return try sequence.map { item in
            guard let text = item.scalar?.string else { throw ServerConfiguration.Problem(key, "every item must be a single value") }
            return text
        }
    }
}
