//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
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
    /// A session ends after this many minutes unused.
    public var sessionIdleMinutes = 60
    /// A session ends this many hours after sign-in, used or not.
    public var sessionAbsoluteHours = 12
    /// With "remember me", the session lasts this many days (idle or not).
    public var rememberDays = 30
    /// Failed sign-ins allowed per client or per user name before a pause.
    public var maxLoginFailures = 5
    /// The pause, in minutes.
    public var lockoutMinutes = 15
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
    /// Where alerts go.
    public var alertSinks: [AlertSinkSettings] = []
    /// Profiles of the owner's, beside quick, normal and intensive (`scanning.profiles`): built
    /// only from ``ScanProfile``'s fields, so no other nmap option can be given.
    public var customProfiles: [ScanProfile] = []

    /// Every profile a scan may name: the built-in ones and the owner's.
    public var profiles: [ScanProfile] { ScanProfile.builtIn + customProfiles }

    /// One alert sink as configured: `alerts.sinks` items.
    public struct AlertSinkSettings: Sendable, Equatable {
        /// Its unique name.
        public var name: String
        /// webhook, slack, discord, teams, ntfy, gotify, pagerduty, syslog or command.
        public var type: String
        /// The URL (HTTP sinks).
        public var url: String?
        /// The HMAC secret or token (HTTP sinks); never logged or shown.
        public var secret: String?
        /// The program (command sink).
        public var command: String?
        /// Its arguments.
        public var arguments: [String] = []

        /// The types a sink can have.
        public static let types = ["webhook", "slack", "discord", "teams", "ntfy", "gotify", "pagerduty", "syslog", "command"]
    }

    /// The defaults.
    public init() {}

    /// A setting that cannot be used, named by its key.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        /// The key, e.g. `server.port`, or the file.
        public var key: String
        /// What is wrong.
        public var reason: String

        /// Creates a problem report.
        public init(_ key: String, _ reason: String) {
            self.key = key
            self.reason = reason
        }

        /// `key: reason`.
        public var description: String { "\(key): \(reason)" }
    }

    // MARK: Loading

    /// Reads a `config.yaml` over the defaults.
    /// - Throws: ``Problem`` naming the key (or the file) that cannot be used.
    public static func load(yaml text: String, from source: String = "config.yaml") throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw Problem(source, "not valid YAML: \(error)")
        }
        guard let node else { return configuration }
        guard let root = node.mapping else { throw Problem(source, "the top level must be a mapping of sections (server:, network:, …)") }
        var reader = YAMLReader()
        for (keyNode, value) in root {
            let section = keyNode.string ?? ""
            guard Self.sections.contains(section) else { throw Problem(section, "unknown section (the sections are \(Self.sections.sorted().joined(separator: ", ")))") }
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
        var reader = YAMLReader()
        let names: [(String, String)] = [
            ("ARGUS_HOST", "server.host"), ("ARGUS_PORT", "server.port"), ("ARGUS_DB", "database.path"),
            ("ARGUS_SUBNETS", "network.subnets"), ("ARGUS_EXCLUDE", "network.exclusions"), ("ARGUS_SCAN_PROFILE", "network.scan_profile"),
            ("ARGUS_NMAP", "scanning.nmap_path"), ("ARGUS_SECURE_COOKIES", "server.secure_cookies"),
        ]
        for (variable, key) in names {
            guard let text = environment[variable], !text.isEmpty else { continue }
            let value: Yams.Node = key.hasSuffix("subnets") || key.hasSuffix("exclusions")
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
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else { throw Problem("server.host", "'\(host)' is not an address or host name") }
        guard profiles.contains(where: { $0.name == scanProfile }) else { throw Problem("network.scan_profile", "'\(scanProfile)' is not a profile: use \(profiles.map(\.name).joined(separator: ", "))") }
        do {
            if !subnets.isEmpty { _ = try ScanTargetList(subnets, excluding: exclusions, addressLimit: maxAddresses) }
        } catch {
            throw Problem("network.subnets", "\(error)")
        }
        for exclusion in exclusions {
            do { _ = try ScanTarget(exclusion) } catch { throw Problem("network.exclusions", "\(error)") }
        }
        let positives: [(String, Int)] = [("scanning.timeout_minutes", scanTimeoutMinutes), ("scanning.parallel", scanParallelism), ("sessions.idle_minutes", sessionIdleMinutes), ("sessions.absolute_hours", sessionAbsoluteHours), ("sessions.remember_days", rememberDays), ("security.max_login_failures", maxLoginFailures), ("security.lockout_minutes", lockoutMinutes)]
        for (key, value) in positives where value < 1 {
            throw Problem(key, "must be at least 1, not \(value)")
        }
        guard scanParallelism <= 64 else { throw Problem("scanning.parallel", "at most 64, not \(scanParallelism)") }
        guard retentionDays >= 0 else { throw Problem("retention.days", "must be 0 (keep all) or more") }
        guard keepScans >= 0 else { throw Problem("retention.keep_scans", "must be 0 (keep all) or more") }
    }

    /// The scan targets of a network scan, or `nil` when no subnet is configured.
    public func networkTargets() throws -> ScanTargetList? {
        subnets.isEmpty ? nil : try ScanTargetList(subnets, excluding: exclusions, addressLimit: maxAddresses)
    }
}

/// Reads typed values out of YAML nodes into the configuration, by key.
private struct YAMLReader {
    mutating func apply(_ key: String, _ value: Yams.Node, to configuration: inout ServerConfiguration) throws {
        switch key {
        case "server.host": configuration.host = try string(key, value)
        case "server.port": configuration.port = try int(key, value)
        case "server.secure_cookies": configuration.secureCookies = value.null != nil ? nil : try bool(key, value)
        case "server.trusted_proxies": configuration.trustedProxies = try strings(key, value)
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
        case "sessions.idle_minutes": configuration.sessionIdleMinutes = try int(key, value)
        case "sessions.absolute_hours": configuration.sessionAbsoluteHours = try int(key, value)
        case "sessions.remember_days": configuration.rememberDays = try int(key, value)
        case "security.max_login_failures": configuration.maxLoginFailures = try int(key, value)
        case "security.lockout_minutes": configuration.lockoutMinutes = try int(key, value)
        case "retention.days": configuration.retentionDays = try int(key, value)
        case "retention.keep_scans": configuration.keepScans = try int(key, value)
        case "alerts.min_severity":
            guard let level = Severity(rawValue: try string(key, value)) else { throw ServerConfiguration.Problem(key, "one of info, warning, critical") }
            configuration.alertMinimumSeverity = level
        case "alerts.risk_threshold":
            guard let level = RiskLevel(rawValue: try string(key, value)) else { throw ServerConfiguration.Problem(key, "one of low, medium, high, critical") }
            configuration.alertRiskThreshold = level
        case "alerts.skip_trusted": configuration.alertSkipTrusted = try bool(key, value)
        case "alerts.sinks": configuration.alertSinks = try sinks(key, value)
        case "scanning.profiles": configuration.customProfiles = try profiles(key, value)
        default: throw ServerConfiguration.Problem(key, "unknown setting (see Docs/config.example.yaml for every key)")
        }
    }

    private func string(_ key: String, _ value: Yams.Node) throws -> String {
        guard let scalar = value.scalar else { throw ServerConfiguration.Problem(key, "must be a single value") }
        return scalar.string
    }

    /// `scanning.profiles`: each a mapping of allowlisted options only.
    private func profiles(_ key: String, _ value: Yams.Node) throws -> [ScanProfile] {
        if value.null != nil { return [] }
        guard let items = value.sequence else { throw ServerConfiguration.Problem(key, "must be a list of profiles") }
        let allowed = ["name", "ports", "service_detection", "version_intensity", "os_detection", "default_scripts", "traceroute", "skip_discovery", "timing", "host_timeout_seconds"]
        var names = Set(ScanProfile.builtIn.map(\.name))
        return try items.enumerated().map { index, item in
            let itemKey = "\(key)[\(index)]"
            guard let mapping = item.mapping else { throw ServerConfiguration.Problem(itemKey, "must be a mapping (name:, ports:, …)") }
            var fields: [String: Yams.Node] = [:]
            for (name, node) in mapping {
                let field = name.string ?? ""
                guard allowed.contains(field) else { throw ServerConfiguration.Problem("\(itemKey).\(field)", "not an allowed option (\(allowed.joined(separator: ", ")))") }
                fields[field] = node
            }
            guard let name = fields["name"]?.scalar?.string, (1...40).contains(name.count), name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
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
                guard range.contains(value) else { throw ServerConfiguration.Problem("\(itemKey).\(field)", "must be \(range.lowerBound) to \(range.upperBound)") }
                return value
            }
            return ScanProfile(name: name, ports: ports, detectsServices: try flag("service_detection"), versionIntensity: try number("version_intensity", 0...9), detectsOS: try flag("os_detection"), runsDefaultScripts: try flag("default_scripts"), tracesRoute: try flag("traceroute"), skipsDiscovery: try flag("skip_discovery"), timing: try number("timing", 0...5) ?? 3, hostTimeout: try number("host_timeout_seconds", 1...86_400).map { .seconds($0) })
        }
    }

    private func sinks(_ key: String, _ value: Yams.Node) throws -> [ServerConfiguration.AlertSinkSettings] {
        if value.null != nil { return [] }
        guard let items = value.sequence else { throw ServerConfiguration.Problem(key, "must be a list of sinks (name, type, url or command)") }
        var names = Set<String>()
        return try items.enumerated().map { index, item in
            let itemKey = "\(key)[\(index)]"
            guard let mapping = item.mapping else { throw ServerConfiguration.Problem(itemKey, "must be a mapping (name:, type:, …)") }
            var fields: [String: Yams.Node] = [:]
            for (name, node) in mapping {
                let field = name.string ?? ""
                guard ["name", "type", "url", "secret", "command", "arguments"].contains(field) else { throw ServerConfiguration.Problem("\(itemKey).\(field)", "unknown setting (name, type, url, secret, command, arguments)") }
                fields[field] = node
            }
            guard let name = fields["name"]?.scalar?.string, !name.isEmpty, name.count <= 64 else { throw ServerConfiguration.Problem("\(itemKey).name", "is required (at most 64 characters)") }
            guard names.insert(name).inserted else { throw ServerConfiguration.Problem("\(itemKey).name", "'\(name)' is used twice") }
            guard let type = fields["type"]?.scalar?.string, ServerConfiguration.AlertSinkSettings.types.contains(type) else {
                throw ServerConfiguration.Problem("\(itemKey).type", "one of \(ServerConfiguration.AlertSinkSettings.types.joined(separator: ", "))")
            }
            var sink = ServerConfiguration.AlertSinkSettings(name: name, type: type)
            sink.url = fields["url"]?.scalar?.string
            sink.secret = fields["secret"]?.scalar?.string
            sink.command = fields["command"]?.scalar?.string
            sink.arguments = try fields["arguments"].map { try strings("\(itemKey).arguments", $0) } ?? []
            if type == "command" {
                guard let command = sink.command, command.hasPrefix("/") else { throw ServerConfiguration.Problem("\(itemKey).command", "the program's absolute path is required") }
            } else if type == "syslog" {
                guard let url = sink.url, let parsed = URLComponents(string: url), ["udp", "tcp"].contains(parsed.scheme ?? ""), parsed.host?.isEmpty == false else {
                    throw ServerConfiguration.Problem("\(itemKey).url", "a collector like udp://siem.lan:514 or tcp://siem.lan:514 is required")
                }
            } else {
                guard let url = sink.url, url.hasPrefix("http://") || url.hasPrefix("https://") else { throw ServerConfiguration.Problem("\(itemKey).url", "an http(s) URL is required") }
            }
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
        guard let text = value.scalar?.string, let number = Int(text) else { throw ServerConfiguration.Problem(key, "must be a whole number, not '\(value.scalar?.string ?? "a list")'") }
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
