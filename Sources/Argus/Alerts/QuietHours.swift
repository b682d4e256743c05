//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A daily window, such as 22:00–07:00, when alerts below a severity wait until it ends.
/// Nothing is dropped: held alerts go out when the window closes.
public struct QuietHours: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The start, in minutes after midnight.
    public var start: Int
    /// The end, in minutes after midnight; before `start` when the window spans midnight.
    public var end: Int
    /// Alerts of this severity or above go out even in quiet hours.
    public var breakthrough: Severity
    /// The time zone the clock times are in.
    public var timeZone: TimeZone

    /// Creates a window.
    /// - Throws: ``ConfigurationError`` for times outside 00:00–23:59 or an empty window.
    public init(start: Int, end: Int, breakthrough: Severity = .critical, timeZone: TimeZone = .current) throws {
        guard (0..<1_440).contains(start), (0..<1_440).contains(end), start != end else {
            throw ConfigurationError("quiet hours need a start and an end between 00:00 and 23:59 that differ")
        }
        self.start = start
        self.end = end
        self.breakthrough = breakthrough
        self.timeZone = timeZone
    }

    /// Reads `"22:00-07:00"`.
    /// - Throws: ``ConfigurationError`` naming what is wrong.
    public init(_ text: String, breakthrough: Severity = .critical, timeZone: TimeZone = .current) throws {
        let parts = text.split(separator: "-").map { String($0.filter { !$0.isWhitespace }) }
        func minutes(_ clock: String) throws -> Int {
            let fields = clock.split(separator: ":")
            guard fields.count == 2, let hours = Int(fields[0]), let minutes = Int(fields[1]), (0..<24).contains(hours), (0..<60).contains(minutes)
            else {
                throw ConfigurationError("'\(clock)' is not a time like 22:00")
            }
            return hours * 60 + minutes
        }
        guard parts.count == 2 else { throw ConfigurationError("'\(text)' is not a window like 22:00-07:00") }
        try self.init(start: try minutes(parts[0]), end: try minutes(parts[1]), breakthrough: breakthrough, timeZone: timeZone)
    }

    /// `22:00-07:00`.
    public var description: String {
        func clock(_ minutes: Int) -> String { "\(minutes / 60 < 10 ? "0" : "")\(minutes / 60):\(minutes % 60 < 10 ? "0" : "")\(minutes % 60)" }
        return "\(clock(start))-\(clock(end))"
    }

    /// When the window that `date` falls in ends, or `nil` when `date` is outside quiet hours.
    public func end(ofWindowContaining date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let now = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let inside = start < end ? (start <= now && now < end) : (now >= start || now < end)
        guard inside else { return nil }
        // The next time the clock shows the end (on a day the clocks change, too; a time the
        // change skips counts as the first moment after it).
        let ending = DateComponents(hour: end / 60, minute: end % 60, second: 0)
        return calendar.nextDate(after: date, matching: ending, matchingPolicy: .nextTime) ?? date.addingTimeInterval(60)
    }

    /// Holds `severity` at `date`: the time to hold it until, or `nil` to send it now.
    public func hold(_ severity: Severity, at date: Date) -> Date? {
        severity >= breakthrough ? nil : end(ofWindowContaining: date)
    }

    /// A window that cannot be used.
    public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
        /// For people.
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
