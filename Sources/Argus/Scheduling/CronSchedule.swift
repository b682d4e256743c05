//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A parsed standard five-field cron expression — `minute hour day-of-month month day-of-week` —
/// with Vixie-cron semantics, used to schedule recurring scans.
///
/// Each field accepts `*`, numbers, lists (`1,2,5`), ranges (`1-5`), steps (`*/15`, `1-30/5`,
/// and `5/10`, which means `5-max/10`). The month field also accepts `JAN`–`DEC` and the
/// day-of-week field `SUN`–`SAT` (case-insensitive); in day-of-week both `0` and `7` mean
/// Sunday. The shortcuts `@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`
/// and `@annually` stand for their five-field equivalents.
///
/// As in Vixie cron, when both the day-of-month and the day-of-week field are restricted (neither
/// starts with `*`), a day matches if *either* matches; otherwise both must match. A field such as
/// `*/2` starts with `*` and so counts as unrestricted for this rule, exactly as in Vixie cron,
/// while `1-31` or `0-6` does not: `0 0 1 * 0-6` runs every day.
///
/// Schedules that could never fire, such as `0 0 30 2 *`, are rejected when parsed; `0 0 29 2 *`
/// is accepted and runs in leap years.
///
/// Two schedules are equal when they run at the same times: `@daily` equals `0 0 * * *`, and
/// ``description`` gives the normalised five-field text.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// Why an expression was rejected: the field at fault, if one is, and what is wrong with it.
    ///
    /// ``description`` reads, for example, `minute: 61 is out of range 0-59`.
    public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
        /// One of the five fields of a cron expression.
        public enum Field: String, Sendable, Hashable, CaseIterable {
            /// The first field, 0–59.
            case minute
            /// The second field, 0–23.
            case hour
            /// The third field, 1–31.
            case dayOfMonth = "day-of-month"
            /// The fourth field, 1–12 or `JAN`–`DEC`.
            case month
            /// The fifth field, 0–7 (0 and 7 are Sunday) or `SUN`–`SAT`.
            case dayOfWeek = "day-of-week"
        }

        /// The field at fault, or `nil` when the problem is with the expression as a whole.
        public let field: Field?
        /// What is wrong, in words meant for the person who typed the expression.
        public let reason: String

        /// Creates an error for `field` (or for the whole expression) with the given reason.
        public init(field: Field?, reason: String) {
            self.field = field
            self.reason = reason
        }

        /// The reason, prefixed with the field's name when there is one.
        public var description: String {
            guard let field else { return reason }
            return "\(field.rawValue): \(reason)"
        }
    }

    /// The longest expression accepted, in Unicode scalars.
    public static let maximumLength = 200

    /// How many years ahead ``nextRun(after:in:)`` searches: enough for any day that exists,
    /// including 29 February, which can be eight years away.
    public static let searchHorizonYears = 9

    // The matching values as bit sets: bit n is set when value n matches.
    private let minutes: UInt64  // bits 0...59
    private let hours: UInt64  // bits 0...23
    private let days: UInt64  // bits 1...31
    private let months: UInt64  // bits 1...12
    private let weekdays: UInt64  // bits 0...6, 0 = Sunday
    // Whether the day fields start with `*`, which decides cron's day-of-month/day-of-week rule.
    private let dayOfMonthIsStar: Bool
    private let dayOfWeekIsStar: Bool

    /// Parses a five-field cron expression or one of the `@` shortcuts.
    ///
    /// Fields are separated by one or more spaces; leading and trailing spaces are ignored.
    /// - Throws: ``ParseError`` saying what is wrong and in which field, for example
    ///   `expected 5 fields (minute hour day month weekday), got 4`,
    ///   `day-of-month: step 0 is not allowed`, or — for a schedule that can never fire —
    ///   `day-of-month: day 30 never occurs in February, so the schedule never runs`.
    public init(_ expression: String) throws(ParseError) {
        let length = expression.unicodeScalars.count
        guard length <= Self.maximumLength else {
            throw ParseError(field: nil, reason: "expression is too long (\(length) characters, the limit is \(Self.maximumLength))")
        }
        if let control = expression.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw ParseError(field: nil, reason: "expression contains a control character (\(Self.hex(control))); separate fields with spaces")
        }
        var tokens = expression.split(separator: " ")
        guard let first = tokens.first else {
            throw ParseError(
                field: nil, reason: "expression is empty; expected 5 fields (minute hour day month weekday) or a shortcut such as @daily")
        }
        if first.hasPrefix("@") {
            guard let expansion = Self.shortcuts[first.lowercased()] else {
                throw ParseError(
                    field: nil, reason: "unknown shortcut '\(first)' (expected @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually)")
            }
            guard tokens.count == 1 else {
                throw ParseError(field: nil, reason: "shortcut \(first.lowercased()) cannot be followed by other fields")
            }
            tokens = expansion.split(separator: " ")
        }
        guard tokens.count == 5 else {
            let hint = tokens.count == 6 ? " (a seconds or year field is not supported)" : ""
            throw ParseError(field: nil, reason: "expected 5 fields (minute hour day month weekday), got \(tokens.count)\(hint)")
        }

        let minute = try Self.parseField(tokens[0], Self.minuteSpec)
        let hour = try Self.parseField(tokens[1], Self.hourSpec)
        let day = try Self.parseField(tokens[2], Self.dayOfMonthSpec)
        let month = try Self.parseField(tokens[3], Self.monthSpec)
        let weekday = try Self.parseField(tokens[4], Self.dayOfWeekSpec)

        minutes = minute.bits
        hours = hour.bits
        months = month.bits
        // Day fields that cover every day are written `*`, so that schedules that run on the same
        // days compare equal: "either" with a field covering every day is every day, and "both"
        // with such a field is the other field alone.
        let allDays = Self.bits(1...31)
        let allWeekdays = Self.bits(0...6)
        if !day.isStar, !weekday.isStar, day.bits == allDays || weekday.bits == allWeekdays {
            (days, weekdays, dayOfMonthIsStar, dayOfWeekIsStar) = (allDays, allWeekdays, true, true)
        } else {
            days = day.bits
            weekdays = weekday.bits
            dayOfMonthIsStar = day.isStar || day.bits == allDays
            dayOfWeekIsStar = weekday.isStar || weekday.bits == allWeekdays
        }

        // With the "either day field" rule a restricted weekday always comes round, so only the
        // "both day fields" rule can ask for a day that no month in the schedule has.
        if dayOfMonthIsStar || dayOfWeekIsStar {
            let chosenMonths = Self.values(months, 1...12)
            let possible = Self.values(days, 1...31).contains { day in
                chosenMonths.contains { day <= Self.longestMonth[$0 - 1] }
            }
            if !possible {
                let dayList = Self.values(days, 1...31).map(String.init)
                let dayText =
                    dayList.count == 1
                    ? "day \(dayList[0]) never occurs"
                    : "days \(Self.list(dayList, "and")) never occur"
                let monthText = Self.list(chosenMonths.map { Self.monthNames[$0 - 1] }, "or")
                throw ParseError(field: .dayOfMonth, reason: "\(dayText) in \(monthText), so the schedule never runs")
            }
        }
    }

    // MARK: - Next run

    /// The first minute strictly after `date` at which the schedule runs, with seconds zero,
    /// reading wall-clock times in `timeZone`.
    ///
    /// Daylight-saving changes are handled as Vixie cron does:
    /// - A wall-clock time that a forward change skips (02:30 on a day the clocks jump from 02:00
    ///   to 03:00) runs at the first minute after the jump (03:00). Several skipped times run once.
    /// - A wall-clock time that a backward change repeats runs once, at its first occurrence,
    ///   when the schedule names particular hours (`30 2 * * *`). A schedule whose hour field
    ///   covers every hour (`*/15 * * * *`, `0 * * * *`) keeps its rhythm in real time and also
    ///   runs during the repeated hour.
    ///
    /// The search skips whole months, days and hours, so it is fast even for rare schedules.
    /// - Returns: The next run, or `nil` if none falls within ``searchHorizonYears`` years (which
    ///   only a schedule such as "29 February when it is a Monday" can cause).
    public func nextRun(after date: Date, in timeZone: TimeZone = .current) -> Date? {
        let seconds = date.timeIntervalSince1970
        // Far outside any plausible scan date: refuse rather than overflow.
        guard seconds.isFinite, abs(seconds) < 1e11 else { return nil }
        let instant = Int(seconds.rounded(.down))
        let local = instant + Self.offset(at: instant, timeZone)
        let start = WallTime(localMinute: Self.floorDiv(local, 60) + 1)
        let lastYear = start.year + Self.searchHorizonYears
        guard var result = search(from: start, after: seconds, through: lastYear, in: timeZone) else { return nil }

        // The search walks wall-clock time. When the clocks go back between `date` and the result,
        // an every-hour schedule may also match in the repeated hour, whose wall-clock times the
        // walk has already passed: search it again from where the clocks went back.
        if runsEveryHour, let transition = timeZone.nextDaylightSavingTimeTransition(after: date) {
            let changeover = Int(transition.timeIntervalSince1970.rounded(.up))
            if changeover < result, Self.offset(at: changeover, timeZone) < Self.offset(at: changeover - 1, timeZone) {
                let local = changeover + Self.offset(at: changeover, timeZone)
                let from = WallTime(localMinute: Self.floorDiv(local, 60))
                if let earlier = search(from: from, after: seconds, through: lastYear, in: timeZone), earlier < result {
                    result = earlier
                }
            }
        }
        return Date(timeIntervalSince1970: TimeInterval(result))
    }

    /// A wall-clock minute in the proleptic Gregorian calendar.
    private struct WallTime {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int

        /// The wall-clock time `localMinute` minutes after 1970-01-01 00:00 local time.
        init(localMinute: Int) {
            let dayNumber = CronSchedule.floorDiv(localMinute, 1440)
            let minuteOfDay = localMinute - dayNumber * 1440
            (year, month, day) = CronSchedule.civil(fromDays: dayNumber)
            hour = minuteOfDay / 60
            minute = minuteOfDay % 60
        }
    }

    /// Whether the hour field covers all 24 hours.
    private var runsEveryHour: Bool { hours == (1 << 24) - 1 }

    /// Walks wall-clock time from `start`, skipping months, days and hours that cannot match,
    /// and returns the first matching time that resolves to an instant after `after`.
    private func search(from start: WallTime, after: Double, through lastYear: Int, in timeZone: TimeZone) -> Int? {
        var time = start
        while time.year <= lastYear {
            if months & (1 << time.month) == 0 {
                if let month = Self.next(months, from: time.month + 1, through: 12) {
                    time.month = month
                } else {
                    time.year += 1
                    time.month = months.trailingZeroBitCount
                }
                (time.day, time.hour, time.minute) = (1, 0, 0)
                continue
            }
            if time.day > Self.daysIn(time.month, of: time.year) {
                time.month += 1
                if time.month > 12 {
                    time.month = 1
                    time.year += 1
                }
                (time.day, time.hour, time.minute) = (1, 0, 0)
                continue
            }
            if !dayMatches(year: time.year, month: time.month, day: time.day) {
                (time.day, time.hour, time.minute) = (time.day + 1, 0, 0)
                continue
            }
            guard let hour = Self.next(hours, from: time.hour, through: 23) else {
                (time.day, time.hour, time.minute) = (time.day + 1, 0, 0)
                continue
            }
            if hour != time.hour {
                (time.hour, time.minute) = (hour, 0)
            }
            guard let minute = Self.next(minutes, from: time.minute, through: 59) else {
                (time.hour, time.minute) = (time.hour + 1, 0)
                if time.hour > 23 {
                    (time.day, time.hour) = (time.day + 1, 0)
                }
                continue
            }
            time.minute = minute
            if let instant = resolve(time, after: after, in: timeZone) {
                return instant
            }
            time.minute += 1
            if time.minute > 59 {
                (time.hour, time.minute) = (time.hour + 1, 0)
                if time.hour > 23 {
                    (time.day, time.hour) = (time.day + 1, 0)
                }
            }
        }
        return nil
    }

    /// The instant at which the matching wall-clock `time` runs, if that is after `after`,
    /// applying the daylight-saving rules described at ``nextRun(after:in:)``.
    private func resolve(_ time: WallTime, after: Double, in timeZone: TimeZone) -> Int? {
        let naive =
            Self.days(fromYear: time.year, month: time.month, day: time.day) * 86_400
            + time.hour * 3_600 + time.minute * 60
        let offsetBefore = Self.offset(at: naive - 86_400, timeZone)
        let offsetAfter = Self.offset(at: naive + 86_400, timeZone)
        var instants: [Int] = []
        for offset in [offsetBefore, Self.offset(at: naive, timeZone), offsetAfter] {
            let instant = naive - offset
            if Self.offset(at: instant, timeZone) == offset, !instants.contains(instant) {
                instants.append(instant)
            }
        }
        instants.sort()

        guard let first = instants.first else {
            // The clocks jumped over this time: run at the first minute after the jump.
            guard offsetAfter > offsetBefore else { return nil }
            var before = naive - offsetAfter  // wall clock still short of `time`
            var jump = naive - offsetBefore  // wall clock already past it
            while jump - before > 1 {
                let middle = before + (jump - before) / 2
                if middle + Self.offset(at: middle, timeZone) > naive {
                    jump = middle
                } else {
                    before = middle
                }
            }
            let second = Self.floorMod(jump + Self.offset(at: jump, timeZone), 60)
            if second != 0 {
                jump += 60 - second
            }
            return Double(jump) > after ? jump : nil
        }
        if runsEveryHour {
            return instants.first { Double($0) > after }
        }
        // A repeated time runs once: at its first occurrence, or not at all if that has passed.
        return Double(first) > after ? first : nil
    }

    /// Whether the day fields match a date, with cron's rule for when both are restricted.
    private func dayMatches(year: Int, month: Int, day: Int) -> Bool {
        let dayOfMonth = days & (1 << day) != 0
        let weekday = Self.floorMod(Self.days(fromYear: year, month: month, day: day) + 4, 7)  // 1970-01-01 was a Thursday
        let dayOfWeek = weekdays & (1 << weekday) != 0
        if dayOfMonthIsStar || dayOfWeekIsStar {
            return dayOfMonth && dayOfWeek
        }
        return dayOfMonth || dayOfWeek
    }

    // MARK: - Text

    /// The normalised five-field expression: shortcuts expanded, names replaced by numbers,
    /// weekday 7 written as 0, and values written as `*`, `*/n`, ranges and lists.
    /// Parsing it gives an equal schedule.
    public var description: String {
        [
            Self.render(minutes, 0...59, star: nil),
            Self.render(hours, 0...23, star: nil),
            Self.render(days, 1...31, star: dayOfMonthIsStar),
            Self.render(months, 1...12, star: nil),
            Self.render(weekdays, 0...6, star: dayOfWeekIsStar),
        ].joined(separator: " ")
    }

    /// A short English description for the user interface, such as "every 15 minutes",
    /// "at 02:00 every day", "at 02:00 on Sunday" or "at 03:30 on day 1 of the month".
    /// Schedules too intricate to put briefly are described by their ``description``.
    public var summary: String {
        let minuteValues = Self.values(minutes, 0...59)
        let hourValues = Self.values(hours, 0...23)
        guard let when = dayPhrase else { return description }

        if runsEveryHour {
            if minuteValues.count == 60 {
                return "every minute" + when.interval
            }
            if let step = Self.step(minuteValues, 0...59), 60 % step == 0 {
                return "every \(step) minutes" + when.interval
            }
            if minuteValues.count == 1 {
                let minute = minuteValues[0]
                return (minute == 0 ? "every hour" : "every hour at minute \(minute)") + when.interval
            }
            return description
        }
        if minuteValues.count == 1, let step = Self.step(hourValues, 0...23), 24 % step == 0 {
            let minute = minuteValues[0]
            return "every \(step) hours" + (minute == 0 ? "" : " at minute \(minute)") + when.interval
        }
        if minuteValues.count * hourValues.count <= 4 {
            let times = hourValues.flatMap { hour in minuteValues.map { Self.twoDigits(hour) + ":" + Self.twoDigits($0) } }
            return "at " + Self.list(times, "and") + when.fixed
        }
        return description
    }

    /// The days a schedule runs on, in words: `fixed` follows a time of day ("at 02:00 every day"),
    /// `interval` follows a repetition ("every 15 minutes"). `nil` when too intricate.
    private var dayPhrase: (fixed: String, interval: String)? {
        let dayValues = Self.values(days, 1...31)
        let weekdayValues = Self.values(weekdays, 0...6)
        let monthValues = Self.values(months, 1...12)
        let everyDayOfMonth = dayValues.count == 31
        let everyWeekday = weekdayValues.count == 7
        let everyMonth = monthValues.count == 12

        let usesDayOfMonth: Bool
        let usesWeekday: Bool
        let either = !dayOfMonthIsStar && !dayOfWeekIsStar
        if either {
            // Either field matching is enough, so a field covering every day makes every day match.
            let everyDay = everyDayOfMonth || everyWeekday
            (usesDayOfMonth, usesWeekday) = (!everyDay, !everyDay)
        } else {
            (usesDayOfMonth, usesWeekday) = (!everyDayOfMonth, !everyWeekday)
        }
        guard !usesDayOfMonth || dayValues.count <= 5, everyMonth || monthValues.count <= 6 else { return nil }

        let monthText = Self.list(monthValues.map { Self.monthNames[$0 - 1] }, "and")
        let dayText =
            dayValues.count == 1
            ? "day \(dayValues[0])"
            : "days " + Self.list(dayValues.map(String.init), "and")
        let weekdayText: String
        switch weekdayValues {
        case [1, 2, 3, 4, 5]: weekdayText = "weekdays"
        case [0, 6]: weekdayText = "weekends"
        default:
            // Monday first, Sunday last: "on Friday, Saturday and Sunday".
            let mondayFirst = weekdayValues.sorted { ($0 + 6) % 7 < ($1 + 6) % 7 }
            weekdayText = Self.list(mondayFirst.map { Self.weekdayNames[$0] }, "and")
        }

        switch (usesDayOfMonth, usesWeekday) {
        case (false, false):
            return everyMonth ? (" every day", "") : (" every day in \(monthText)", " in \(monthText)")
        case (true, false):
            let text = " on \(dayText) of " + (everyMonth ? "the month" : monthText)
            return (text, text)
        case (false, true):
            let text = " on \(weekdayText)" + (everyMonth ? "" : " in \(monthText)")
            return (text, text)
        case (true, true):
            guard either, everyMonth else { return nil }
            let text = " on \(dayText) of the month or on \(weekdayText)"
            return (text, text)
        }
    }

    // MARK: - Parsing

    /// What one field accepts.
    private struct FieldSpec: Sendable {
        let field: ParseError.Field
        /// The numbers accepted (day-of-week accepts 7 for Sunday).
        let bounds: ClosedRange<Int>
        /// Three-letter names for the values from `nameBase` on.
        let names: [String]
        let nameBase: Int
        /// The largest step accepted.
        let maximumStep: Int

        func error(_ reason: String) -> ParseError {
            ParseError(field: field, reason: reason)
        }
    }

    private static let minuteSpec = FieldSpec(field: .minute, bounds: 0...59, names: [], nameBase: 0, maximumStep: 60)
    private static let hourSpec = FieldSpec(field: .hour, bounds: 0...23, names: [], nameBase: 0, maximumStep: 24)
    private static let dayOfMonthSpec = FieldSpec(field: .dayOfMonth, bounds: 1...31, names: [], nameBase: 1, maximumStep: 31)
    private static let monthSpec = FieldSpec(
        field: .month, bounds: 1...12,
        names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
        nameBase: 1, maximumStep: 12
    )
    private static let dayOfWeekSpec = FieldSpec(
        field: .dayOfWeek, bounds: 0...7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
        nameBase: 0, maximumStep: 7
    )

    private static let shortcuts: [String: String] = [
        "@hourly": "0 * * * *",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *",
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
    ]

    /// Parses one field into a bit set, noting whether it is `*` or `*/n`.
    private static func parseField(_ text: Substring, _ spec: FieldSpec) throws(ParseError) -> (bits: UInt64, isStar: Bool) {
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        var bits: UInt64 = 0
        var isStar = false
        for item in items {
            guard !item.isEmpty else { throw spec.error("empty item in the list '\(text)'") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw spec.error("'\(item)' has more than one '/'") }
            let base = parts[0]
            var step = 1
            if parts.count == 2 {
                let stepText = parts[1]
                guard !stepText.isEmpty else { throw spec.error("'\(item)' is missing the step after '/'") }
                guard isDigits(stepText) else { throw spec.error("step '\(stepText)' is not a number") }
                let number = smallNumber(stepText)
                guard number != 0 else { throw spec.error("step 0 is not allowed") }
                guard number <= spec.maximumStep else { throw spec.error("step \(stepText) is out of range 1-\(spec.maximumStep)") }
                step = number
            }
            guard !base.isEmpty else { throw spec.error("'\(item)' is missing a value before '/'") }

            let low: Int
            var high: Int
            if base == "*" {
                guard items.count == 1 else { throw spec.error("'*' cannot be combined with other items in a list") }
                isStar = true
                (low, high) = (spec.bounds.lowerBound, spec.bounds.upperBound)
            } else {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false)
                if ends.contains("*") { throw spec.error("'*' cannot be part of a range ('\(base)')") }
                switch ends.count {
                case 1:
                    low = try value(ends[0], spec).value
                    high = parts.count == 2 ? spec.bounds.upperBound : low
                case 2:
                    guard !ends[0].isEmpty, !ends[1].isEmpty else {
                        throw spec.error("'\(base)' is not a valid range (expected start-end)")
                    }
                    low = try value(ends[0], spec).value
                    let end = try value(ends[1], spec)
                    high = end.value
                    // SUN at the end of a range means day 7, so FRI-SUN works.
                    if spec.field == .dayOfWeek, end.isName, high == 0, low > 0 {
                        high = 7
                    }
                    guard low <= high else {
                        throw spec.error("range \(base) is reversed (the start must not be after the end)")
                    }
                default:
                    throw spec.error("'\(base)' is not a valid range (expected start-end)")
                }
            }
            for value in stride(from: low, through: high, by: step) {
                bits |= 1 << (spec.field == .dayOfWeek && value == 7 ? 0 : value)
            }
        }
        return (bits, isStar)
    }

    /// One number or name of a field.
    private static func value(_ text: Substring, _ spec: FieldSpec) throws(ParseError) -> (value: Int, isName: Bool) {
        if isDigits(text) {
            let number = smallNumber(text)
            if spec.bounds.contains(number) {
                return (number, false)
            }
            throw spec.error("\(text) is out of range \(spec.bounds.lowerBound)-\(spec.bounds.upperBound)")
        }
        if let index = spec.names.firstIndex(of: text.uppercased()) {
            return (index + spec.nameBase, true)
        }
        switch spec.field {
        case .month: throw spec.error("'\(text)' is not a valid month (use 1-12 or JAN-DEC)")
        case .dayOfWeek: throw spec.error("'\(text)' is not a valid weekday (use 0-7 or SUN-SAT)")
        default: throw spec.error("'\(text)' is not a number")
        }
    }

    private static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// The value of a string of ASCII digits, or `Int.max` if it has more than six significant digits.
    private static func smallNumber(_ digits: Substring) -> Int {
        let significant = digits.drop { $0 == "0" }
        guard significant.count <= 6 else { return Int.max }
        return Int(significant) ?? 0
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    // MARK: - Rendering

    /// One field as text: `*`, `*/n`, `a-b/n`, or a list of values and ranges.
    /// `star` is the day fields' `*` flag, which must survive; `nil` for the other fields.
    private static func render(_ bits: UInt64, _ range: ClosedRange<Int>, star: Bool?) -> String {
        let values = values(bits, range)
        if values.count == range.count, star != false {
            return "*"
        }
        if star == true {
            // `*/n` always gives a progression from the field's start.
            return "*/\(values.count > 1 ? values[1] - values[0] : range.count)"
        }
        if values.count >= 3, let step = uniformStep(values), step > 1 {
            if star == nil, values[0] == range.lowerBound, values[values.count - 1] + step > range.upperBound {
                return "*/\(step)"
            }
            return "\(values[0])-\(values[values.count - 1])/\(step)"
        }
        var pieces: [String] = []
        var index = 0
        while index < values.count {
            var end = index
            while end + 1 < values.count, values[end + 1] == values[end] + 1 {
                end += 1
            }
            if end - index >= 2 {
                pieces.append("\(values[index])-\(values[end])")
            } else {
                pieces.append(contentsOf: values[index...end].map(String.init))
            }
            index = end + 1
        }
        return pieces.joined(separator: ",")
    }

    /// The common difference of `values`, if they form an arithmetic progression.
    private static func uniformStep(_ values: [Int]) -> Int? {
        guard values.count >= 2 else { return nil }
        let step = values[1] - values[0]
        for index in 1..<values.count where values[index] - values[index - 1] != step {
            return nil
        }
        return step
    }

    /// The step `n` if `values` are exactly what `*/n` gives over `range`, with n > 1.
    private static func step(_ values: [Int], _ range: ClosedRange<Int>) -> Int? {
        guard values.first == range.lowerBound, let step = uniformStep(values), step > 1,
            values[values.count - 1] + step > range.upperBound
        else { return nil }
        return step
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
    private static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let longestMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// "a", "a and b", "a, b and c".
    private static func list(_ items: [String], _ conjunction: String) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    // MARK: - Calendar arithmetic

    /// The values whose bits are set, in order.
    private static func values(_ bits: UInt64, _ range: ClosedRange<Int>) -> [Int] {
        range.filter { bits & (1 << $0) != 0 }
    }

    /// A bit set holding every value of `range`.
    private static func bits(_ range: ClosedRange<Int>) -> UInt64 {
        range.reduce(0) { $0 | 1 << $1 }
    }

    /// The smallest set bit from `start` through `end`.
    private static func next(_ bits: UInt64, from start: Int, through end: Int) -> Int? {
        guard start <= end else { return nil }
        let rest = bits >> start
        guard rest != 0 else { return nil }
        let value = start + rest.trailingZeroBitCount
        return value <= end ? value : nil
    }

    private static func offset(at instant: Int, _ timeZone: TimeZone) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    private static func daysIn(_ month: Int, of year: Int) -> Int {
        guard month == 2 else { return longestMonth[month - 1] }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return leap ? 29 : 28
    }

    /// Days from 1970-01-01 to a date in the proleptic Gregorian calendar.
    private static func days(fromYear year: Int, month: Int, day: Int) -> Int {
        let year = month <= 2 ? year - 1 : year
        let era = floorDiv(year, 400)
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `dayNumber` days after 1970-01-01 in the proleptic Gregorian calendar (also
    /// for the stores of this package, which write dates as text).
    package static func civil(fromDays dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = dayNumber + 719_468
        let era = floorDiv(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDiv(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    private static func floorMod(_ value: Int, _ divisor: Int) -> Int {
        value - floorDiv(value, divisor) * divisor
    }
}
