//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// What ``NmapXMLReader`` hands on while it reads, in document order.
public enum NmapXMLEvent: Sendable, Hashable {
    /// The run's header is known: command line, version, scan types. Sent once, before any host.
    case started(ScanRun)
    /// nmap began a task, e.g. "SYN Stealth Scan" (`<taskbegin>`).
    case taskBegan(TaskEvent)
    /// nmap's progress on the current task (`<taskprogress>`, from `--stats-every`).
    case progress(TaskProgress)
    /// nmap finished a task (`<taskend>`).
    case taskEnded(TaskEvent)
    /// nmap found a host up during discovery, before scanning it (`<hosthint>`).
    case hostHint(HostObservation)
    /// A complete host.
    case host(HostObservation)
}

/// The start or end of an nmap task (`<taskbegin>`, `<taskend>`).
public struct TaskEvent: Sendable, Codable, Hashable {
    /// The task's name, e.g. "Ping Scan", "Service scan", "NSE".
    public var task: String
    /// When it happened.
    public var time: Date?
    /// Extra detail, e.g. "256 total hosts".
    public var extraInfo: String?

    /// Creates a task event.
    public init(task: String, time: Date? = nil, extraInfo: String? = nil) {
        self.task = task
        self.time = time
        self.extraInfo = extraInfo
    }
}

/// Progress on an nmap task (`<taskprogress>`).
public struct TaskProgress: Sendable, Codable, Hashable {
    /// The task's name.
    public var task: String
    /// When nmap measured it.
    public var time: Date?
    /// Percent done, 0–100.
    public var percent: Double
    /// Seconds nmap expects the task still needs.
    public var remaining: Int?
    /// When nmap expects the task to end.
    public var estimatedCompletion: Date?

    /// Creates a progress record.
    public init(task: String, time: Date? = nil, percent: Double, remaining: Int? = nil, estimatedCompletion: Date? = nil) {
        self.task = task
        self.time = time
        self.percent = percent
        self.remaining = remaining
        self.estimatedCompletion = estimatedCompletion
    }
}
