//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// OS detection results for a host (`<os>`).
public struct OSDetection: Sendable, Codable, Hashable {
    /// The ports OS detection used.
    public var portsUsed: [PortUsed]
    /// Candidate operating systems, best first.
    public var matches: [OSMatch]
    /// The TCP/IP fingerprints nmap submitted or could not match.
    public var fingerprints: [String]

    /// Creates an OS detection record.
    public init(portsUsed: [PortUsed] = [], matches: [OSMatch] = [], fingerprints: [String] = []) {
        self.portsUsed = portsUsed
        self.matches = matches
        self.fingerprints = fingerprints
    }

    /// The most accurate match, if any.
    public var bestMatch: OSMatch? { matches.max { $0.accuracy < $1.accuracy } }

    /// A port used for OS detection (`<portused>`).
    public struct PortUsed: Sendable, Codable, Hashable {
        /// The port's state.
        public var state: String
        /// The protocol.
        public var `protocol`: String
        /// The port number.
        public var port: Int

        /// Creates a record.
        public init(state: String, protocol: String, port: Int) {
            self.state = state
            self.protocol = `protocol`
            self.port = port
        }
    }
}

/// One candidate operating system (`<osmatch>`).
public struct OSMatch: Sendable, Codable, Hashable {
    /// The name, e.g. "Linux 5.0 - 5.2".
    public var name: String
    /// nmap's accuracy, 0–100.
    public var accuracy: Int
    /// The line of the fingerprint in nmap-os-db.
    public var line: Int?
    /// The classes of the match: vendor, family, generation, type and CPEs.
    public var classes: [OSClass]

    /// Creates an OS match.
    public init(name: String, accuracy: Int, line: Int? = nil, classes: [OSClass] = []) {
        self.name = name
        self.accuracy = accuracy
        self.line = line
        self.classes = classes
    }
}

/// One classification of an OS match (`<osclass>`).
public struct OSClass: Sendable, Codable, Hashable {
    /// The device type, e.g. "general purpose", "WAP", "webcam".
    public var type: String?
    /// The vendor, e.g. "Linux", "Microsoft".
    public var vendor: String
    /// The family, e.g. "Linux", "Windows", "embedded".
    public var family: String
    /// The generation, e.g. "5.X".
    public var generation: String?
    /// nmap's accuracy, 0–100.
    public var accuracy: Int
    /// CPE names, e.g. `cpe:/o:linux:linux_kernel:5`.
    public var cpes: [String]

    /// Creates an OS class.
    public init(type: String? = nil, vendor: String, family: String, generation: String? = nil, accuracy: Int, cpes: [String] = []) {
        self.type = type
        self.vendor = vendor
        self.family = family
        self.generation = generation
        self.accuracy = accuracy
        self.cpes = cpes
    }
}
