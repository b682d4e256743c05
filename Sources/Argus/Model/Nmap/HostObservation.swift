//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Everything nmap reported about one host in one run (`<host>`).
public struct HostObservation: Sendable, Codable, Hashable {
    /// When nmap started scanning this host.
    public var startTime: Date?
    /// When nmap finished scanning this host.
    public var endTime: Date?
    /// True when nmap gave up on the host (`--host-timeout`).
    public var timedOut: Bool
    /// A comment nmap attached to the host.
    public var comment: String?
    /// Whether the host is up, and why nmap thinks so.
    public var status: HostStatus
    /// IPv4, IPv6 and MAC addresses, in nmap's order.
    public var addresses: [HostAddress]
    /// Names of the host: reverse DNS (`PTR`) or the name the user scanned (`user`).
    public var hostnames: [Hostname]
    /// Responses to a smurf (broadcast ping) check, when nmap wrote any.
    public var smurfResponses: [Int]
    /// Ports reported one by one.
    public var ports: [PortObservation]
    /// Ports summarised by state, e.g. "995 closed".
    public var extraPorts: [ExtraPorts]
    /// OS detection results, when OS detection ran.
    public var os: OSDetection?
    /// How long the host has been up, from TCP timestamps.
    public var uptime: Uptime?
    /// Network distance in hops.
    public var distance: Int?
    /// TCP initial sequence number predictability.
    public var tcpSequence: TCPSequence?
    /// IP ID sequence generation class.
    public var ipIDSequence: SequenceClass?
    /// TCP timestamp sequence class.
    public var tcpTimestampSequence: SequenceClass?
    /// Results of host scripts (`hostrule` NSE scripts).
    public var hostScripts: [ScriptResult]
    /// The route to the host (`--traceroute`).
    public var trace: Trace?
    /// Round-trip timing nmap measured.
    public var times: Times?

    /// Creates a host observation; ``status`` defaults to an unknown state.
    public init(status: HostStatus = HostStatus(state: .unknown)) {
        self.timedOut = false
        self.status = status
        self.addresses = []
        self.hostnames = []
        self.smurfResponses = []
        self.ports = []
        self.extraPorts = []
        self.hostScripts = []
    }

    /// The first IPv4 address, if any.
    public var ipv4: String? { addresses.first { $0.type == .ipv4 }?.address }
    /// The first IPv6 address, if any.
    public var ipv6: String? { addresses.first { $0.type == .ipv6 }?.address }
    /// The MAC address, if nmap saw one (only on the scanner's own layer-2 segment).
    public var mac: HostAddress? { addresses.first { $0.type == .mac } }
    /// The IP address to show for the host: IPv4 first, then IPv6, then any address.
    public var primaryAddress: String? { ipv4 ?? ipv6 ?? addresses.first?.address }
    /// The first host name, preferring the name the user gave.
    public var primaryHostname: String? {
        (hostnames.first { $0.type == .user } ?? hostnames.first)?.name
    }
    /// The ports in state `open`.
    public var openPorts: [PortObservation] { ports.filter { $0.state.state == .open } }
    /// True when nmap found the host up.
    public var isUp: Bool { status.state == .up }
}

/// Whether a host is up (`<status>`).
public struct HostStatus: Sendable, Codable, Hashable {
    /// The state nmap decided on.
    public var state: State
    /// Why nmap decided so, e.g. `arp-response`, `syn-ack`, `localhost-response`.
    public var reason: String?
    /// The TTL of the reply that decided it.
    public var reasonTTL: Int?

    /// Creates a host status.
    public init(state: State, reason: String? = nil, reasonTTL: Int? = nil) {
        self.state = state
        self.reason = reason
        self.reasonTTL = reasonTTL
    }

    /// A host's state.
    public enum State: String, Sendable, Codable, Hashable, CaseIterable {
        /// The host answered.
        case up
        /// The host did not answer.
        case down
        /// nmap did not probe the host (a list scan).
        case unknown
        /// nmap skipped the host.
        case skipped
    }
}

/// One address of a host (`<address>`).
public struct HostAddress: Sendable, Codable, Hashable {
    /// The address text: dotted IPv4, IPv6, or a MAC as `AA:BB:CC:DD:EE:FF`.
    public var address: String
    /// What kind of address this is.
    public var type: AddressType
    /// For a MAC: the vendor nmap found in its `nmap-mac-prefixes`.
    public var vendor: String?

    /// Creates an address.
    public init(address: String, type: AddressType, vendor: String? = nil) {
        self.address = address
        self.type = type
        self.vendor = vendor
    }

    /// The kind of an address.
    public enum AddressType: String, Sendable, Codable, Hashable, CaseIterable {
        /// An IPv4 address.
        case ipv4
        /// An IPv6 address.
        case ipv6
        /// A link-layer (Ethernet) address.
        case mac
    }
}

/// A name of a host (`<hostname>`).
public struct Hostname: Sendable, Codable, Hashable {
    /// The name.
    public var name: String
    /// Where the name came from; `nil` when nmap did not say.
    public var type: NameType?

    /// Creates a host name.
    public init(name: String, type: NameType? = nil) {
        self.name = name
        self.type = type
    }

    /// Where a host name came from.
    public enum NameType: String, Sendable, Codable, Hashable {
        /// The name the user put on the command line.
        case user
        /// A reverse DNS answer.
        case ptr = "PTR"
    }
}

/// Ports summarised by state (`<extraports state="closed" count="995">`).
public struct ExtraPorts: Sendable, Codable, Hashable {
    /// The state all these ports share.
    public var state: String
    /// How many ports.
    public var count: Int
    /// Why nmap put them in that state, grouped.
    public var reasons: [ExtraReasons]

    /// Creates a summary.
    public init(state: String, count: Int, reasons: [ExtraReasons] = []) {
        self.state = state
        self.count = count
        self.reasons = reasons
    }

    /// One reason group (`<extrareasons reason="reset" count="995" proto="tcp" ports="…">`).
    public struct ExtraReasons: Sendable, Codable, Hashable {
        /// The reason, e.g. `reset`, `no-response`.
        public var reason: String
        /// How many ports had this reason.
        public var count: Int
        /// The protocol (nmap 7.9x).
        public var `protocol`: String?
        /// The ports, in nmap's range syntax (nmap 7.9x).
        public var ports: String?

        /// Creates a reason group.
        public init(reason: String, count: Int, protocol: String? = nil, ports: String? = nil) {
            self.reason = reason
            self.count = count
            self.protocol = `protocol`
            self.ports = ports
        }
    }
}

/// How long a host has been up (`<uptime>`), estimated from TCP timestamps.
public struct Uptime: Sendable, Codable, Hashable {
    /// Seconds since the last boot.
    public var seconds: Int
    /// nmap's rendering of the boot time.
    public var lastBoot: String?

    /// Creates an uptime record.
    public init(seconds: Int, lastBoot: String? = nil) {
        self.seconds = seconds
        self.lastBoot = lastBoot
    }
}

/// TCP initial sequence number predictability (`<tcpsequence>`).
public struct TCPSequence: Sendable, Codable, Hashable {
    /// nmap's difficulty index.
    public var index: Int
    /// nmap's words for it, e.g. "Good luck!".
    public var difficulty: String
    /// The sampled values.
    public var values: String

    /// Creates a record.
    public init(index: Int, difficulty: String, values: String) {
        self.index = index
        self.difficulty = difficulty
        self.values = values
    }
}

/// A sequence generation class (`<ipidsequence>`, `<tcptssequence>`).
public struct SequenceClass: Sendable, Codable, Hashable {
    /// The class, e.g. "All zeros", "Incremental", "1000HZ".
    public var `class`: String
    /// The sampled values.
    public var values: String?

    /// Creates a record.
    public init(class: String, values: String? = nil) {
        self.class = `class`
        self.values = values
    }
}

/// The route to a host (`<trace>`).
public struct Trace: Sendable, Codable, Hashable {
    /// The protocol used for the trace.
    public var `protocol`: String?
    /// The port used for the trace.
    public var port: Int?
    /// The hops, nearest first.
    public var hops: [Hop]

    /// Creates a trace.
    public init(protocol: String? = nil, port: Int? = nil, hops: [Hop] = []) {
        self.protocol = `protocol`
        self.port = port
        self.hops = hops
    }

    /// One hop of a trace (`<hop>`).
    public struct Hop: Sendable, Codable, Hashable {
        /// The hop's distance.
        public var ttl: Int
        /// The hop's address.
        public var address: String?
        /// The round-trip time in milliseconds.
        public var rtt: Double?
        /// The hop's name.
        public var host: String?

        /// Creates a hop.
        public init(ttl: Int, address: String? = nil, rtt: Double? = nil, host: String? = nil) {
            self.ttl = ttl
            self.address = address
            self.rtt = rtt
            self.host = host
        }
    }
}

/// Round-trip timing (`<times>`), in microseconds.
public struct Times: Sendable, Codable, Hashable {
    /// Smoothed round-trip time.
    public var smoothedRTT: Int?
    /// Round-trip time variance.
    public var rttVariance: Int?
    /// The probe timeout.
    public var timeout: Int?

    /// Creates a timing record.
    public init(smoothedRTT: Int? = nil, rttVariance: Int? = nil, timeout: Int? = nil) {
        self.smoothedRTT = smoothedRTT
        self.rttVariance = rttVariance
        self.timeout = timeout
    }
}
