//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a scan looked at: the addresses it targeted (less its exclusions), the ports it scanned
/// for each protocol, and whether it probed services, the operating system and scripts.
///
/// Change detection, risk and CVEs are updated only inside a scan's coverage: a host-discovery
/// scan (no ports) never closes a port, lowers a risk or drops a CVE, and reports only devices
/// appearing or disappearing; a scan of ports 22 and 80 closes only those two; what a scan did not
/// probe (service versions, the OS) keeps its last known value.
///
/// ```swift
/// let coverage = ScanCoverage(targets: ["192.0.2.0/24"], ports: [.init(protocol: .tcp, ranges: [22...22, 80...80])])
/// coverage.covers(address: "192.0.2.7")      // true
/// coverage.covers(port: 443, protocol: .tcp) // false: a port 443 seen open before stays open
/// ```
public struct ScanCoverage: Sendable, Codable, Hashable {
    /// The ports of one protocol that a scan probed.
    public struct Ports: Sendable, Codable, Hashable {
        /// The protocol.
        public var `protocol`: TransportProtocol
        /// The ports, as inclusive ranges.
        public var ranges: [ClosedRange<Int>]

        /// Describes the ports of one protocol.
        public init(protocol: TransportProtocol, ranges: [ClosedRange<Int>]) {
            self.protocol = `protocol`
            self.ranges = ranges
        }

        /// Reads nmap's range syntax (`1-1000,8080`, as `<scaninfo services>` writes it); `nil`
        /// when the text is not a list of ports and ranges.
        public init?(protocol: TransportProtocol, nmapList text: String) {
            var ranges: [ClosedRange<Int>] = []
            for item in text.split(separator: ",") {
                let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
                guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), low <= high, low >= 0,
                    high <= 65_535
                else { return nil }
                ranges.append(low...high)
            }
            guard !ranges.isEmpty else { return nil }
            self.init(protocol: `protocol`, ranges: ranges)
        }

        /// True when `port` is one of these ports.
        public func contains(_ port: Int) -> Bool {
            ranges.contains { $0.contains(port) }
        }
    }

    /// The targets scanned, as given to nmap (addresses, CIDR blocks, octet ranges, names).
    public var targets: [String]
    /// The targets left out.
    public var exclusions: [String]
    /// The ports probed, per protocol; empty for a host-discovery scan.
    public var ports: [Ports]
    /// Whether service and version detection ran (`-sV`): product, version and CPEs are facts of
    /// this scan only then.
    public var probesServices: Bool
    /// Whether OS detection ran (`-O`).
    public var probesOS: Bool
    /// Whether scripts ran (`-sC`, `--script`).
    public var runsScripts: Bool

    /// Describes what a scan covered.
    public init(
        targets: [String], exclusions: [String] = [], ports: [Ports] = [], probesServices: Bool = false, probesOS: Bool = false,
        runsScripts: Bool = false
    ) {
        self.targets = targets
        self.exclusions = exclusions
        self.ports = ports
        self.probesServices = probesServices
        self.probesOS = probesOS
        self.runsScripts = runsScripts
    }

    /// True for a scan that looked for hosts only, at no port.
    public var isHostDiscovery: Bool { ports.isEmpty }

    /// True when the scan targeted `address` and did not exclude it. A target given as a name
    /// covers only that name.
    public func covers(address: String) -> Bool {
        func matches(_ texts: [String]) -> Bool {
            texts.contains { text in (try? ScanTarget(text))?.contains(address: address) ?? (text == address) }
        }
        return matches(targets) && !matches(exclusions)
    }

    /// True when the scan probed this port.
    public func covers(port: Int, protocol: TransportProtocol) -> Bool {
        ports.contains { $0.protocol == `protocol` && $0.contains(port) }
    }
}

extension ScanCoverage {
    /// The coverage of a scan that Argus ran: the request's targets and exclusions, the ports
    /// nmap says it scanned (`<scaninfo>`, else the profile's ports), and the profile's probes.
    ///
    /// - Parameters:
    ///   - request: What was asked for.
    ///   - run: What nmap reported, when it got that far.
    public init(request: ScanRequest, run: ScanRun?) {
        let profile = request.profile
        var ports = run.map { Self.ports(in: $0.scanInfo) } ?? []
        if ports.isEmpty, let specification = profile.ports {
            switch specification {
            case .all: ports = [Ports(protocol: .tcp, ranges: [1...65_535])]
            case .list(let ranges): ports = [Ports(protocol: .tcp, ranges: ranges)]
            // nmap's 100 most common ports are known only from its own report of them.
            case .common: ports = []
            }
        }
        let arguments = run?.arguments.map(NmapCommandLine.init) ?? nil
        self.init(
            targets: request.targets.targets.map(\.text), exclusions: request.targets.exclusions.map(\.text), ports: ports,
            probesServices: profile.ports != nil && profile.detectsServices,
            // Without raw-packet privileges nmap runs without -O: what the command line says wins.
            probesOS: arguments.map(\.probesOS) ?? profile.detectsOS,
            runsScripts: profile.ports != nil && profile.runsDefaultScripts)
    }

    /// The coverage of a recorded nmap run, read from the file: its targets and exclusions from
    /// the command line nmap wrote, its ports from `<scaninfo>`, its probes from the options.
    /// A file without a command line covers no address (so nothing it lacks is reported gone).
    public init(recordedRun run: ScanRun) {
        let commandLine = run.arguments.map(NmapCommandLine.init)
        self.init(
            targets: commandLine?.targets ?? [], exclusions: commandLine?.exclusions ?? [], ports: Self.ports(in: run.scanInfo),
            probesServices: commandLine?.probesServices ?? false, probesOS: commandLine?.probesOS ?? false,
            runsScripts: commandLine?.runsScripts ?? false)
    }

    /// The ports of nmap's `<scaninfo>` elements, per protocol (`ip` protocol scans left out).
    static func ports(in scanInfo: [ScanInfo]) -> [Ports] {
        var result: [Ports] = []
        for info in scanInfo {
            guard let proto = TransportProtocol(rawValue: info.protocol), proto != .ip, let text = info.services,
                let ports = Ports(protocol: proto, nmapList: text)
            else { continue }
            if let index = result.firstIndex(where: { $0.protocol == proto }) {
                result[index].ranges += ports.ranges
            } else {
                result.append(ports)
            }
        }
        return result
    }
}

extension ScanCoverage {
    /// The JSON text the stores of this package keep a coverage as (keys sorted).
    package var storedText: String {
        get throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
    }

    /// The coverage stored as `text`; `nil` for text this version cannot read.
    package init?(storedText text: String) {
        guard let coverage = try? JSONDecoder().decode(ScanCoverage.self, from: Data(text.utf8)) else { return nil }
        self = coverage
    }
}
