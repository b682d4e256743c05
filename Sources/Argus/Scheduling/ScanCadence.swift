//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// When a scheduled scan runs: a 5-field cron expression (`0 2 * * 0`), or an interval
/// (`@every 6h`, `@every 30m`, `@every 1d`; at least 5 minutes).
public enum ScanCadence: Sendable, Hashable, CustomStringConvertible {
    /// Cron semantics (``CronSchedule``).
    case cron(CronSchedule)
    /// Every so many seconds, counted from the last run.
    case interval(seconds: Int)

    /// Why an expression is refused.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        /// For people.
        public var description: String
    }

    /// Parses an expression: `@every N(m|h|d)` or cron.
    public init(_ expression: String) throws(ParseError) {
        let text = String(expression.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        if text.lowercased().hasPrefix("@every") {
            let amount = text.dropFirst(6).filter { $0 != " " }.lowercased()
            guard let unit = amount.last, let count = Int(amount.dropLast()), count > 0, count < 100_000 else {
                throw ParseError(description: "an interval is '@every' and a number with m, h or d, e.g. '@every 6h'")
            }
            let seconds: Int
            switch unit {
            case "m": seconds = count * 60
            case "h": seconds = count * 3_600
            case "d": seconds = count * 86_400
            default: throw ParseError(description: "an interval's unit is m (minutes), h (hours) or d (days), not '\(unit)'")
            }
            guard seconds >= 300 else { throw ParseError(description: "an interval is at least 5 minutes") }
            self = .interval(seconds: seconds)
            return
        }
        do throws(CronSchedule.ParseError) {
            self = .cron(try CronSchedule(text))
        } catch {
            throw ParseError(description: error.description)
        }
    }

    /// The next run strictly after `date` (for intervals, `date` is the last run).
    public func nextRun(after date: Date, in timeZone: TimeZone = .current) -> Date? {
        switch self {
        case .cron(let schedule): schedule.nextRun(after: date, in: timeZone)
        case .interval(let seconds): date.addingTimeInterval(TimeInterval(seconds))
        }
    }

    /// The expression in its normal form.
    public var description: String {
        switch self {
        case .cron(let schedule): schedule.description
        case .interval(let seconds):
            seconds % 86_400 == 0 ? "@every \(seconds / 86_400)d" : seconds % 3_600 == 0 ? "@every \(seconds / 3_600)h" : "@every \(seconds / 60)m"
        }
    }

    /// In words, e.g. "at 02:00 on Sunday" or "every 6 hours".
    public var summary: String {
        switch self {
        case .cron(let schedule): schedule.summary
        case .interval(let seconds):
            seconds % 86_400 == 0
                ? "every \(seconds / 86_400) day\(seconds == 86_400 ? "" : "s")"
                : seconds % 3_600 == 0 ? "every \(seconds / 3_600) hour\(seconds == 3_600 ? "" : "s")" : "every \(seconds / 60) minutes"
        }
    }

    /// What a schedule should do now, given when it was due: run once (however many runs were
    /// missed while the server was down: one catch-up, never a burst), and when to run next.
    public func plan(dueAt due: Date?, now: Date, in timeZone: TimeZone = .current) -> (runNow: Bool, next: Date?) {
        guard let due else { return (false, nextRun(after: now, in: timeZone)) }
        guard due <= now else { return (false, due) }
        return (true, nextRun(after: now, in: timeZone))
    }
}
