//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Runs scans. ``NmapScanner`` runs nmap; a test double can replay recorded files.
///
/// ```swift
/// let request = ScanRequest(targets: try ScanTargetList(["192.0.2.0/24"]), profile: .normal)
/// for try await event in NmapScanner().scan(request) {
///     if case .host(let host) = event { print(host.primaryAddress ?? "?") }
/// }
/// ```
///
/// ## Implementation requirements
///
/// - Events arrive in order: ``ScanEvent/started(_:)`` first, ``ScanEvent/finished(_:)`` last.
/// - Ending the stream's iteration, or cancelling the task that iterates it, stops the scan
///   and everything it started; the iteration then ends without ``ScanEvent/finished(_:)``.
/// - Failures are ``ScanError``s that say what to do.
public protocol Scanner: Sendable {
    /// Starts a scan; its events stream in as they happen.
    func scan(_ request: ScanRequest) -> AsyncThrowingStream<ScanEvent, any Error>
}

/// What to scan, and how.
public struct ScanRequest: Sendable, Hashable {
    /// The validated targets and exclusions.
    public var targets: ScanTargetList
    /// How to scan them.
    public var profile: ScanProfile
    /// Whether nmap looks up names for addresses (reverse DNS). Off, no DNS query is sent.
    public var resolvesNames: Bool
    /// The longest the whole scan may run; `nil` for no limit.
    public var timeout: Duration?

    /// Describes a scan.
    public init(targets: ScanTargetList, profile: ScanProfile = .normal, resolvesNames: Bool = true, timeout: Duration? = nil) {
        self.targets = targets
        self.profile = profile
        self.resolvesNames = resolvesNames
        self.timeout = timeout
    }
}

/// What a scan reports while it runs.
public enum ScanEvent: Sendable, Hashable {
    /// nmap started; its command line and scan types are known.
    case started(ScanRun)
    /// Something the owner should know.
    case notice(String)
    /// The scanner works in a reduced way, such as a TCP connect scan without raw-packet
    /// privileges: worth one alert, not one per scan or host.
    case degraded(String)
    /// nmap's progress on its current task.
    case progress(TaskProgress)
    /// A host, complete.
    case host(HostObservation)
    /// The scan ended; the run says whether nmap completed.
    case finished(ScanRun)
}

/// Why a scan could not run, in words for its owner.
public struct ScanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public var code: Code
    /// What happened and what to do.
    public var message: String

    /// The kinds of failure.
    public enum Code: String, Sendable, Hashable, Codable {
        /// nmap is not installed or cannot be run.
        case nmapMissing
        /// nmap stopped with an error.
        case nmapFailed
        /// The scan ran longer than its timeout.
        case timedOut
        /// nmap's output could not be read.
        case unreadableOutput
    }

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
