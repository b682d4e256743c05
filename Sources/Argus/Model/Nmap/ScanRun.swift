//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// One nmap run as its XML output describes it: the command, what was scanned, and how it ended.
///
/// Hosts are not held here: ``NmapXMLReader`` hands them on one at a time as
/// ``NmapXMLEvent/host(_:)`` events, so memory stays flat however large the scan.
public struct ScanRun: Sendable, Codable, Hashable {
    /// The scanner that wrote the file, normally `nmap`.
    public var scanner: String
    /// The command line nmap was started with.
    public var arguments: String?
    /// When the scan started.
    public var startTime: Date?
    /// nmap's own rendering of ``startTime``.
    public var startTimeText: String?
    /// The nmap version, e.g. `7.93`.
    public var version: String?
    /// The version of nmap's XML output format, e.g. `1.05`.
    public var xmlOutputVersion: String?
    /// The scan profile name (Zenmap only).
    public var profileName: String?
    /// One entry per scan type and protocol (`syn`/`tcp`, `udp`/`udp`, …).
    public var scanInfo: [ScanInfo]
    /// nmap's verbosity level (`-v`).
    public var verbosity: Int?
    /// nmap's debugging level (`-d`).
    public var debugging: Int?
    /// Targets nmap skipped, with its reason (for example an unresolvable name).
    public var skippedTargets: [SkippedTarget]
    /// Results of NSE scripts that ran before any host (`prerule`).
    public var preScripts: [ScriptResult]
    /// Results of NSE scripts that ran after all hosts (`postrule`).
    public var postScripts: [ScriptResult]
    /// Free text nmap wrote into the XML (`<output type="interactive">`), such as warnings.
    public var messages: [String]
    /// How the run ended, as nmap recorded it; `nil` when the output stops before `<runstats>`.
    public var runStats: RunStats?
    /// How many complete `<host>` elements the reader handed on.
    public var hostsRead: Int
    /// Set when the output ends early (nmap was killed, the file was cut): what was read is
    /// valid, but the scan is not complete.
    public var truncation: Truncation?
    /// Names of elements the reader does not know (a newer nmap), with how often each appeared.
    public var unrecognizedElements: [String: Int]

    /// Creates an empty run description.
    public init(scanner: String = "nmap") {
        self.scanner = scanner
        self.scanInfo = []
        self.skippedTargets = []
        self.preScripts = []
        self.postScripts = []
        self.messages = []
        self.hostsRead = 0
        self.unrecognizedElements = [:]
    }

    /// True only when nmap finished with `<finished exit="success">` and nothing was cut off.
    public var isComplete: Bool {
        truncation == nil && runStats?.finished.exit == .success
    }

    /// Why the run is not complete, in one sentence; `nil` when it is complete.
    public var incompleteReason: String? {
        if let truncation { return truncation.description }
        guard let runStats else { return "the output has no <runstats>: nmap did not finish" }
        switch runStats.finished.exit {
        case .success: return nil
        case .error:
            let message = runStats.finished.errorMessage.map { ": \($0)" } ?? ""
            return "nmap reported an error\(message)"
        case nil: return "nmap did not record how it finished"
        }
    }
}

/// One scan type nmap ran (`<scaninfo>`).
public struct ScanInfo: Sendable, Codable, Hashable {
    /// The scan type: `syn`, `connect`, `udp`, `ack`, …
    public var type: String
    /// Custom TCP flags (`--scanflags`), when given.
    public var scanFlags: String?
    /// The protocol scanned: `tcp`, `udp`, `sctp` or `ip`.
    public var `protocol`: String
    /// How many ports or protocols were scanned.
    public var numberOfServices: Int?
    /// The ports or protocols scanned, in nmap's range syntax (`1-1000,8080`).
    public var services: String?

    /// Creates a scan-type record.
    public init(type: String, scanFlags: String? = nil, protocol: String, numberOfServices: Int? = nil, services: String? = nil) {
        self.type = type
        self.scanFlags = scanFlags
        self.protocol = `protocol`
        self.numberOfServices = numberOfServices
        self.services = services
    }
}

/// A target nmap did not scan (`<target status="skipped">`).
public struct SkippedTarget: Sendable, Codable, Hashable {
    /// The target as it was given.
    public var specification: String
    /// nmap's status word, normally `skipped`.
    public var status: String?
    /// nmap's reason, normally `invalid`.
    public var reason: String?

    /// Creates a skipped-target record.
    public init(specification: String, status: String? = nil, reason: String? = nil) {
        self.specification = specification
        self.status = status
        self.reason = reason
    }
}

/// How the run ended (`<runstats>`).
public struct RunStats: Sendable, Codable, Hashable {
    /// The `<finished>` element.
    public var finished: Finished
    /// Host counts (`<hosts up down total>`).
    public var hosts: HostCounts?

    /// Creates a run-statistics record.
    public init(finished: Finished, hosts: HostCounts? = nil) {
        self.finished = finished
        self.hosts = hosts
    }

    /// The end of the run.
    public struct Finished: Sendable, Codable, Hashable {
        /// When nmap finished.
        public var time: Date?
        /// nmap's rendering of ``time``.
        public var timeText: String?
        /// nmap's one-line summary.
        public var summary: String?
        /// Seconds the run took.
        public var elapsed: Double?
        /// Whether nmap ended well; `nil` when the attribute is missing (very old nmap).
        public var exit: ExitStatus?
        /// nmap's error message when ``exit`` is ``ExitStatus/error``.
        public var errorMessage: String?

        /// Creates a finish record.
        public init(
            time: Date? = nil, timeText: String? = nil, summary: String? = nil, elapsed: Double? = nil, exit: ExitStatus? = nil,
            errorMessage: String? = nil
        ) {
            self.time = time
            self.timeText = timeText
            self.summary = summary
            self.elapsed = elapsed
            self.exit = exit
            self.errorMessage = errorMessage
        }
    }

    /// How nmap ended.
    public enum ExitStatus: String, Sendable, Codable, Hashable {
        /// nmap finished normally.
        case success
        /// nmap stopped because of an error.
        case error
    }

    /// Host counts of a run.
    public struct HostCounts: Sendable, Codable, Hashable {
        /// Hosts found up.
        public var up: Int
        /// Hosts found down.
        public var down: Int
        /// All hosts scanned.
        public var total: Int

        /// Creates host counts.
        public init(up: Int, down: Int, total: Int) {
            self.up = up
            self.down = down
            self.total = total
        }
    }
}

/// Where and why the XML output ended early.
public struct Truncation: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The line where the input ended.
    public var line: Int
    /// The column where the input ended.
    public var column: Int
    /// The address of a host whose element was cut off and therefore not handed on, if any.
    public var partialHost: String?
    /// libxml2's own words for what was missing.
    public var detail: String

    /// Creates a truncation record.
    public init(line: Int, column: Int, partialHost: String? = nil, detail: String) {
        self.line = line
        self.column = column
        self.partialHost = partialHost
        self.detail = detail
    }

    /// A sentence for people.
    public var description: String {
        var text = "the output ends early at line \(line), column \(column) (\(detail))"
        if let partialHost {
            text += "; the record of host \(partialHost) was cut off"
        }
        return text
    }
}
