//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// How to scan: which ports, which probes, how fast. A profile can only express what its fields
/// allow, so a custom profile from configuration can never pass nmap an arbitrary option.
public struct ScanProfile: Sendable, Hashable, Codable {
    /// The profile's name.
    public var name: String
    /// The ports to scan; `nil` for host discovery only (no port scan).
    public var ports: PortSpecification?
    /// Probe open ports for service and version (`-sV`).
    public var detectsServices: Bool
    /// How hard version detection tries, 0 (light) to 9 (all probes); `nil` for nmap's 7.
    public var versionIntensity: Int?
    /// Guess the operating system (`-O`; needs raw packets, so root).
    public var detectsOS: Bool
    /// Run nmap's default scripts (`-sC`).
    public var runsDefaultScripts: Bool
    /// Trace the route to each host (`--traceroute`; needs root).
    public var tracesRoute: Bool
    /// Treat every target as up, skipping host discovery (`-Pn`).
    public var skipsDiscovery: Bool
    /// nmap's timing template, 0 (paranoid) to 5 (insane); 3 is nmap's default.
    public var timing: Int
    /// Give up on a host after this long (`--host-timeout`).
    public var hostTimeout: Duration?

    /// Creates a profile.
    public init(
        name: String, ports: PortSpecification?, detectsServices: Bool = false, versionIntensity: Int? = nil, detectsOS: Bool = false,
        runsDefaultScripts: Bool = false, tracesRoute: Bool = false, skipsDiscovery: Bool = false, timing: Int = 3, hostTimeout: Duration? = nil
    ) {
        self.name = name
        self.ports = ports
        self.detectsServices = detectsServices
        self.versionIntensity = versionIntensity
        self.detectsOS = detectsOS
        self.runsDefaultScripts = runsDefaultScripts
        self.tracesRoute = tracesRoute
        self.skipsDiscovery = skipsDiscovery
        self.timing = timing
        self.hostTimeout = hostTimeout
    }

    /// Host discovery only: which devices are up (`-sn -T4`).
    public static let quick = ScanProfile(name: "quick", ports: nil, timing: 4)
    /// Ports 1–1000 with service versions, and the OS when privileged.
    public static let normal = ScanProfile(
        name: "normal", ports: .list([1...1000]), detectsServices: true, detectsOS: true, hostTimeout: .seconds(900))
    /// Every port, versions, OS, default scripts and traceroute (nmap's `-A`).
    public static let intensive = ScanProfile(
        name: "intensive", ports: .all, detectsServices: true, detectsOS: true, runsDefaultScripts: true, tracesRoute: true, timing: 4,
        hostTimeout: .seconds(1800))

    /// The built-in profiles.
    public static let builtIn: [ScanProfile] = [.quick, .normal, .intensive]

    /// The nmap arguments for this profile, targets not included.
    ///
    /// - Parameter privileged: Whether nmap may send raw packets. Without, the scan is a TCP
    ///   connect scan and OS detection and traceroute are left out.
    /// - Returns: The arguments, and notices for the owner about what was left out.
    public func nmapArguments(privileged: Bool) -> (arguments: [String], notices: [String]) {
        var arguments: [String] = []
        var notices: [String] = []
        if let ports {
            arguments.append(privileged ? "-sS" : "-sT")
            arguments += ports.nmapArguments
            if detectsServices {
                arguments.append("-sV")
                if let versionIntensity { arguments += ["--version-intensity", "\(min(max(versionIntensity, 0), 9))"] }
            }
            if runsDefaultScripts { arguments.append("-sC") }
        } else {
            arguments.append("-sn")
        }
        if detectsOS || tracesRoute {
            if privileged {
                if detectsOS { arguments.append("-O") }
                if tracesRoute { arguments.append("--traceroute") }
            } else {
                notices.append("nmap runs without raw-packet privileges (not root): a TCP connect scan, without OS detection or traceroute")
            }
        } else if !privileged && ports != nil {
            notices.append("nmap runs without raw-packet privileges (not root): a TCP connect scan")
        }
        if skipsDiscovery { arguments.append("-Pn") }
        arguments.append("-T\(min(max(timing, 0), 5))")
        if let hostTimeout {
            arguments += ["--host-timeout", "\(max(1, hostTimeout.components.seconds))s"]
        }
        return (arguments, notices)
    }
}
