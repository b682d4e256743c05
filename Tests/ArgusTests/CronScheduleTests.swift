//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Testing

@Suite struct CronScheduleTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    /// A wall-clock time in `timeZone` (UTC unless given); only for times that exist exactly once.
    static func date(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int = 0, in timeZone: TimeZone = utc) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }

    static func weekday(of date: Date, in timeZone: TimeZone = utc) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.component(.weekday, from: date)  // 1 = Sunday
    }

    /// The next `count` runs after `date`.
    static func runs(_ expression: String, after date: Date, count: Int, in timeZone: TimeZone = utc) throws -> [Date] {
        let schedule = try CronSchedule(expression)
        var runs: [Date] = []
        var last = date
        for _ in 0..<count {
            let next = try #require(schedule.nextRun(after: last, in: timeZone))
            runs.append(next)
            last = next
        }
        return runs
    }

    // MARK: - Parsing

    @Test(arguments: [
        ("*/15 * * * *", "*/15 * * * *"),
        ("0,15,30,45 * * * *", "*/15 * * * *"),
        ("1,2,5 * * * *", "1,2,5 * * * *"),
        ("0 9-17 * * *", "0 9-17 * * *"),
        ("1-30/5 * * * *", "1-26/5 * * * *"),
        ("5/10 * * * *", "5-55/10 * * * *"),
        ("0 */6 * * *", "0 */6 * * *"),
        ("0 0 1,15 * *", "0 0 1,15 * *"),
        ("0 0 */2 * *", "0 0 */2 * *"),
        ("0 0 1-31/2 * *", "0 0 1-31/2 * *"),
        ("0 0 1-31 * *", "0 0 * * *"),
        ("0 0 * 1-12/3 *", "0 0 * */3 *"),
        ("0 0 * * 1-5", "0 0 * * 1-5"),
        ("0 0 * * 0-7", "0 0 * * *"),
        ("0 0 * * 5-7", "0 0 * * 0,5,6"),
        ("0 0 * * */2", "0 0 * * */2"),
        ("1,2,3,10,20,21 * * * *", "1-3,10,20,21 * * * *"),
        ("  5   4 *  * *  ", "5 4 * * *"),
        ("007 * * * *", "7 * * * *"),
    ])
    func parsesAndNormalises(expression: String, normalised: String) throws {
        let schedule = try CronSchedule(expression)
        #expect(schedule.description == normalised)
        // The normalised text means the same schedule.
        #expect(try CronSchedule(normalised) == schedule)
    }

    @Test(arguments: [
        ("0 0 * JAN,jul,Dec *", "0 0 * 1,7,12 *"),
        ("0 0 * feb-APR *", "0 0 * 2-4 *"),
        ("0 9 * * MON-FRI", "0 9 * * 1-5"),
        ("0 9 * * sun,Sat", "0 9 * * 0,6"),
        ("0 9 * * FRI-SUN", "0 9 * * 0,5,6"),
        ("0 0 * JAN-DEC/6 *", "0 0 * 1,7 *"),
    ])
    func acceptsMonthAndWeekdayNames(expression: String, numeric: String) throws {
        #expect(try CronSchedule(expression) == CronSchedule(numeric))
    }

    @Test func zeroAndSevenAreBothSunday() throws {
        let zero = try CronSchedule("0 2 * * 0")
        #expect(try CronSchedule("0 2 * * 7") == zero)
        #expect(try CronSchedule("0 2 * * SUN") == zero)
        #expect(try CronSchedule("0 2 * * 7").description == "0 2 * * 0")

        // 2026-03-04 is a Wednesday; the next Sunday is 2026-03-08, not Monday 2026-03-09.
        let next = try #require(zero.nextRun(after: Self.date(2026, 3, 4, 12, 0), in: Self.utc))
        #expect(next == Self.date(2026, 3, 8, 2, 0))
        #expect(Self.weekday(of: next) == 1)
    }

    @Test(arguments: [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@DAILY", "0 0 * * *"),
    ])
    func expandsShortcuts(shortcut: String, expansion: String) throws {
        let schedule = try CronSchedule(shortcut)
        #expect(schedule == (try CronSchedule(expansion)))
        #expect(schedule.description == expansion)
    }

    // MARK: - Rejections

    @Test(
        arguments: [
            ("* * * *", nil, "expected 5 fields (minute hour day month weekday), got 4"),
            ("0 0 * * * *", nil, "expected 5 fields (minute hour day month weekday), got 6 (a seconds or year field is not supported)"),
            ("", nil, "expression is empty; expected 5 fields (minute hour day month weekday) or a shortcut such as @daily"),
            ("   ", nil, "expression is empty; expected 5 fields (minute hour day month weekday) or a shortcut such as @daily"),
            ("61 * * * *", .minute, "61 is out of range 0-59"),
            ("0 24 * * *", .hour, "24 is out of range 0-23"),
            ("0 0 0 * *", .dayOfMonth, "0 is out of range 1-31"),
            ("0 0 32 * *", .dayOfMonth, "32 is out of range 1-31"),
            ("0 0 * 13 *", .month, "13 is out of range 1-12"),
            ("0 0 * * 8", .dayOfWeek, "8 is out of range 0-7"),
            ("99999999999999999999 * * * *", .minute, "99999999999999999999 is out of range 0-59"),
            ("*/0 * * * *", .minute, "step 0 is not allowed"),
            ("0 0 */0 * *", .dayOfMonth, "step 0 is not allowed"),
            ("*/61 * * * *", .minute, "step 61 is out of range 1-60"),
            ("0 0 * * */8", .dayOfWeek, "step 8 is out of range 1-7"),
            ("*/x * * * *", .minute, "step 'x' is not a number"),
            ("5/ * * * *", .minute, "'5/' is missing the step after '/'"),
            ("/5 * * * *", .minute, "'/5' is missing a value before '/'"),
            ("1/2/3 * * * *", .minute, "'1/2/3' has more than one '/'"),
            ("5-1 * * * *", .minute, "range 5-1 is reversed (the start must not be after the end)"),
            ("0 0 * * 5-0", .dayOfWeek, "range 5-0 is reversed (the start must not be after the end)"),
            ("-5 * * * *", .minute, "'-5' is not a valid range (expected start-end)"),
            ("1-2-3 * * * *", .minute, "'1-2-3' is not a valid range (expected start-end)"),
            ("*-5 * * * *", .minute, "'*' cannot be part of a range ('*-5')"),
            ("*,5 * * * *", .minute, "'*' cannot be combined with other items in a list"),
            ("1,,2 * * * *", .minute, "empty item in the list '1,,2'"),
            ("1, * * * *", .minute, "empty item in the list '1,'"),
            ("abc * * * *", .minute, "'abc' is not a number"),
            ("0 0 L * *", .dayOfMonth, "'L' is not a number"),
            ("0 0 * FOO *", .month, "'FOO' is not a valid month (use 1-12 or JAN-DEC)"),
            ("0 0 * * MONDAY", .dayOfWeek, "'MONDAY' is not a valid weekday (use 0-7 or SUN-SAT)"),
            ("0 0 * MON *", .month, "'MON' is not a valid month (use 1-12 or JAN-DEC)"),
            ("@reboot", nil, "unknown shortcut '@reboot' (expected @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually)"),
            ("@daily 5", nil, "shortcut @daily cannot be followed by other fields"),
            ("0 0\t* * *", nil, "expression contains a control character (U+0009); separate fields with spaces"),
            ("0 0 * * *\n", nil, "expression contains a control character (U+000A); separate fields with spaces"),
            ("0 0 * * *\u{7F}", nil, "expression contains a control character (U+007F); separate fields with spaces"),
        ] as [(String, CronSchedule.ParseError.Field?, String)])
    func rejectsWithAClearMessage(expression: String, field: CronSchedule.ParseError.Field?, reason: String) throws {
        let error = try #require(#expect(throws: CronSchedule.ParseError.self) { try CronSchedule(expression) })
        #expect(error == CronSchedule.ParseError(field: field, reason: reason))
        #expect(error.description == (field.map { "\($0.rawValue): " } ?? "") + reason)
    }

    @Test func errorDescriptionNamesTheField() throws {
        let error = try #require(#expect(throws: CronSchedule.ParseError.self) { try CronSchedule("61 * * * *") })
        #expect(error.description == "minute: 61 is out of range 0-59")
        let step = try #require(#expect(throws: CronSchedule.ParseError.self) { try CronSchedule("0 0 */0 * *") })
        #expect(step.description == "day-of-month: step 0 is not allowed")
    }

    @Test func rejectsOverlongExpressions() throws {
        let longest = "0 0 * * *" + String(repeating: " ", count: CronSchedule.maximumLength - 9)
        #expect(throws: Never.self) { try CronSchedule(longest) }
        let error = try #require(#expect(throws: CronSchedule.ParseError.self) { try CronSchedule(longest + " ") })
        #expect(error.description == "expression is too long (201 characters, the limit is 200)")
        #expect(error.field == nil)
    }

    @Test(arguments: [
        ("0 0 30 2 *", "day-of-month: day 30 never occurs in February, so the schedule never runs"),
        ("0 0 31 2 *", "day-of-month: day 31 never occurs in February, so the schedule never runs"),
        ("0 0 30,31 FEB *", "day-of-month: days 30 and 31 never occur in February, so the schedule never runs"),
        ("0 0 31 4,6,9,11 *", "day-of-month: day 31 never occurs in April, June, September or November, so the schedule never runs"),
        // `*/2` starts with `*`, so both day fields must match: still impossible.
        ("0 0 31 4 */2", "day-of-month: day 31 never occurs in April, so the schedule never runs"),
    ])
    func rejectsSchedulesThatNeverRun(expression: String, message: String) throws {
        let error = try #require(#expect(throws: CronSchedule.ParseError.self) { try CronSchedule(expression) })
        #expect(error.description == message)
    }

    @Test(arguments: ["0 0 29 2 *", "0 0 31 1-4 *", "0 0 30 2 MON", "0 0 31 4 1-5"])
    func acceptsSchedulesThatCanRun(expression: String) {
        // 29 February exists in leap years; with both day fields restricted, the weekday alone can match.
        #expect(throws: Never.self) { try CronSchedule(expression) }
    }

    @Test func leapDayRunsInTheNextLeapYear() throws {
        let runs = try Self.runs("0 0 29 2 *", after: Self.date(2026, 3, 7, 10, 7), count: 3)
        #expect(runs == [Self.date(2028, 2, 29, 0, 0), Self.date(2032, 2, 29, 0, 0), Self.date(2036, 2, 29, 0, 0)])
        // 2100 is not a leap year: after 2096 comes 2104, eight years on.
        let century = try #require(try CronSchedule("0 0 29 2 *").nextRun(after: Self.date(2096, 3, 1, 0, 0), in: Self.utc))
        #expect(century == Self.date(2104, 2, 29, 0, 0))
    }

    // MARK: - Next run

    @Test(arguments: [
        ("*/15 * * * *", CronScheduleTests.date(2026, 3, 7, 10, 7), CronScheduleTests.date(2026, 3, 7, 10, 15)),
        ("*/15 * * * *", CronScheduleTests.date(2026, 3, 7, 10, 15), CronScheduleTests.date(2026, 3, 7, 10, 30)),  // strictly after
        ("*/15 * * * *", CronScheduleTests.date(2026, 3, 7, 23, 50), CronScheduleTests.date(2026, 3, 8, 0, 0)),
        ("* * * * *", CronScheduleTests.date(2026, 3, 7, 10, 7, 42), CronScheduleTests.date(2026, 3, 7, 10, 8)),  // seconds dropped
        ("5/10 * * * *", CronScheduleTests.date(2026, 3, 7, 10, 56), CronScheduleTests.date(2026, 3, 7, 11, 5)),
        ("1-30/5 * * * *", CronScheduleTests.date(2026, 3, 7, 10, 27), CronScheduleTests.date(2026, 3, 7, 11, 1)),
        ("0 2 * * 0", CronScheduleTests.date(2026, 3, 7, 12, 0), CronScheduleTests.date(2026, 3, 8, 2, 0)),  // Saturday → Sunday
        ("0 2 * * 0", CronScheduleTests.date(2026, 3, 8, 2, 0), CronScheduleTests.date(2026, 3, 15, 2, 0)),
        ("0 9 * * MON-FRI", CronScheduleTests.date(2026, 3, 6, 9, 0), CronScheduleTests.date(2026, 3, 9, 9, 0)),  // Friday → Monday
        ("30 3 1 * *", CronScheduleTests.date(2026, 1, 31, 12, 0), CronScheduleTests.date(2026, 2, 1, 3, 30)),
        ("0 0 31 * *", CronScheduleTests.date(2026, 1, 31, 1, 0), CronScheduleTests.date(2026, 3, 31, 0, 0)),  // skips February
        ("0 12 * JUL *", CronScheduleTests.date(2026, 7, 31, 12, 0), CronScheduleTests.date(2027, 7, 1, 12, 0)),
        ("@yearly", CronScheduleTests.date(2026, 12, 31, 23, 59, 59), CronScheduleTests.date(2027, 1, 1, 0, 0)),
        ("59 23 31 12 *", CronScheduleTests.date(2026, 1, 1, 0, 0), CronScheduleTests.date(2026, 12, 31, 23, 59)),
        ("0 */6 * * *", CronScheduleTests.date(2026, 3, 7, 18, 0), CronScheduleTests.date(2026, 3, 8, 0, 0)),
        ("0 0 * * */2", CronScheduleTests.date(2026, 3, 7, 12, 0), CronScheduleTests.date(2026, 3, 8, 0, 0)),  // Sun, Tue, Thu, Sat
    ])
    func nextRunInUTC(expression: String, after: Date, expected: Date) throws {
        let schedule = try CronSchedule(expression)
        #expect(schedule.nextRun(after: after, in: Self.utc) == expected)
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        // Day 13 or any Friday. From Sunday 2026-03-01: 6, 13 (a Friday too), 20, 27 March, 3 and 10 April.
        let runs = try Self.runs("0 0 13 * FRI", after: Self.date(2026, 3, 1, 0, 0), count: 6)
        #expect(
            runs == [
                Self.date(2026, 3, 6, 0, 0), Self.date(2026, 3, 13, 0, 0), Self.date(2026, 3, 20, 0, 0),
                Self.date(2026, 3, 27, 0, 0), Self.date(2026, 4, 3, 0, 0), Self.date(2026, 4, 10, 0, 0),
            ])
        // Day 13 or any Monday: Wednesday 2026-05-13 counts although it is not a Monday.
        let withMonday = try Self.runs("0 0 13 * 1", after: Self.date(2026, 5, 1, 0, 0), count: 4)
        #expect(
            withMonday == [Self.date(2026, 5, 4, 0, 0), Self.date(2026, 5, 11, 0, 0), Self.date(2026, 5, 13, 0, 0), Self.date(2026, 5, 18, 0, 0)])
    }

    @Test func bothDayFieldsMustMatchWhenOneIsStar() throws {
        // Only the weekday is restricted: every Friday, not every day.
        let fridays = try Self.runs("0 0 * * 5", after: Self.date(2026, 3, 1, 0, 0), count: 2)
        #expect(fridays == [Self.date(2026, 3, 6, 0, 0), Self.date(2026, 3, 13, 0, 0)])
        // `*/2` starts with `*` (Vixie cron): odd days that are Mondays. 2026-03-09 is the first.
        let oddMondays = try Self.runs("0 0 */2 * MON", after: Self.date(2026, 3, 1, 0, 0), count: 2)
        #expect(oddMondays == [Self.date(2026, 3, 9, 0, 0), Self.date(2026, 3, 23, 0, 0)])
        // `1-31` does not start with `*`, so "any day or Friday" applies: every day.
        #expect(try CronSchedule("0 0 1-31 * 5").nextRun(after: Self.date(2026, 3, 1, 0, 0), in: Self.utc) == Self.date(2026, 3, 2, 0, 0))
    }

    @Test func usesTheGivenTimeZone() throws {
        let schedule = try CronSchedule("0 2 * * *")
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let after = Self.date(2026, 1, 10, 12, 0)
        #expect(schedule.nextRun(after: after, in: Self.utc) == Self.date(2026, 1, 11, 2, 0))
        #expect(schedule.nextRun(after: after, in: newYork) == Self.date(2026, 1, 11, 7, 0))  // 02:00 EST
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        #expect(schedule.nextRun(after: after, in: kolkata) == Self.date(2026, 1, 10, 20, 30))  // 02:00 IST on the 11th
    }

    @Test func rareSchedulesAreFound() throws {
        // A hundred New Year's Eve runs in a row: one per year, found without minute-by-minute search.
        let runs = try Self.runs("59 23 31 12 *", after: Self.date(2026, 1, 1, 0, 0), count: 100)
        #expect(runs.first == Self.date(2026, 12, 31, 23, 59))
        #expect(runs.last == Self.date(2125, 12, 31, 23, 59))
    }

    @Test(arguments: ["*/7 9-17 * * 1-5", "0,30 */4 1-10 * *", "15 10 13 * 5", "* 0 1 * *"])
    func matchesAMinuteByMinuteSearch(expression: String) throws {
        // An independent, slow check: step through a fortnight minute by minute in UTC.
        let schedule = try CronSchedule(expression)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.utc
        let fields = expression.split(separator: " ").map(String.init)
        func matches(_ field: String, _ value: Int, _ range: ClosedRange<Int>) -> Bool {
            field.split(separator: ",").contains { item in
                let parts = item.split(separator: "/")
                let step = parts.count == 2 ? Int(parts[1])! : 1
                var bounds = range
                if parts[0] != "*" {
                    let ends = parts[0].split(separator: "-").map { Int($0)! }
                    bounds = ends[0]...(ends.count == 2 ? ends[1] : ends[0])
                }
                return bounds.contains(value) && (value - bounds.lowerBound) % step == 0
            }
        }
        var expected: [Date] = []
        var minute = Self.date(2026, 3, 1, 0, 0)
        while minute < Self.date(2026, 3, 15, 0, 0) {
            let parts = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: minute)
            let dayOfMonth = matches(fields[2], parts.day!, 1...31)
            let dayOfWeek = matches(fields[4], parts.weekday! - 1, 0...6)
            let day = fields[2] != "*" && fields[4] != "*" ? dayOfMonth || dayOfWeek : dayOfMonth && dayOfWeek
            if day, matches(fields[0], parts.minute!, 0...59), matches(fields[1], parts.hour!, 0...23), matches(fields[3], parts.month!, 1...12) {
                expected.append(minute)
            }
            minute += 60
        }
        var computed: [Date] = []
        var last = Self.date(2026, 2, 28, 23, 59, 30)
        while let next = schedule.nextRun(after: last, in: Self.utc), next < Self.date(2026, 3, 15, 0, 0) {
            computed.append(next)
            last = next
        }
        #expect(!expected.isEmpty)
        #expect(computed == expected)
    }

    // MARK: - Daylight saving time

    /// Berlin springs forward on 2026-03-29 at 02:00 CET (01:00 UTC) to 03:00 CEST: 02:30 does not
    /// exist that day. The run moves to the first minute after the jump, 03:00 CEST, and the
    /// following day runs at 02:30 as usual.
    @Test func skippedTimeRunsRightAfterTheSpringForward() throws {
        let runs = try Self.runs("30 2 * * *", after: Self.date(2026, 3, 28, 3, 0, in: Self.berlin), count: 3, in: Self.berlin)
        #expect(
            runs == [
                Self.date(2026, 3, 29, 1, 0),  // 03:00 CEST on the 29th
                Self.date(2026, 3, 30, 0, 30),  // 02:30 CEST
                Self.date(2026, 3, 31, 0, 30),
            ])
    }

    @Test func severalSkippedTimesRunOnce() throws {
        // 02:00, 02:15, 02:30 and 02:45 are all skipped: one run at 03:00 CEST, then the next day.
        let runs = try Self.runs("*/15 2 * * *", after: Self.date(2026, 3, 29, 0, 50), count: 2, in: Self.berlin)
        #expect(runs == [Self.date(2026, 3, 29, 1, 0), Self.date(2026, 3, 30, 0, 0)])
    }

    @Test func intervalsContinueAcrossTheSpringForward() throws {
        // 01:30 CET, then 03:00 CEST (real time: 30 minutes later), 03:30 CEST.
        let runs = try Self.runs("*/30 * * * *", after: Self.date(2026, 3, 29, 0, 20), count: 3, in: Self.berlin)
        #expect(runs == [Self.date(2026, 3, 29, 0, 30), Self.date(2026, 3, 29, 1, 0), Self.date(2026, 3, 29, 1, 30)])
    }

    /// Berlin falls back on 2026-10-25 at 03:00 CEST (01:00 UTC) to 02:00 CET: 02:30 happens twice.
    /// A schedule for 02:30 runs once, at the first occurrence (02:30 CEST, 00:30 UTC).
    @Test func repeatedTimeRunsOnceInTheAutumn() throws {
        let runs = try Self.runs("30 2 * * *", after: Self.date(2026, 10, 24, 22, 0), count: 2, in: Self.berlin)
        #expect(runs == [Self.date(2026, 10, 25, 0, 30), Self.date(2026, 10, 26, 1, 30)])
        // Even asked from inside the repeated hour, after the first 02:30, it waits for the next day.
        let fromSecondPass = try CronSchedule("30 2 * * *").nextRun(after: Self.date(2026, 10, 25, 1, 10), in: Self.berlin)
        #expect(fromSecondPass == Self.date(2026, 10, 26, 1, 30))
    }

    @Test func hourlySchedulesKeepRealTimeInTheRepeatedHour() throws {
        // Every hour in real time: 02:00 CEST, 02:00 CET, 03:00 CET — no gap, no double run.
        let hourly = try Self.runs("0 * * * *", after: Self.date(2026, 10, 24, 23, 30), count: 3, in: Self.berlin)
        #expect(hourly == [Self.date(2026, 10, 25, 0, 0), Self.date(2026, 10, 25, 1, 0), Self.date(2026, 10, 25, 2, 0)])
        // From 02:45 CEST the next quarter hour is 02:00 CET, fifteen real minutes later.
        let quarter = try CronSchedule("*/15 * * * *").nextRun(after: Self.date(2026, 10, 25, 0, 45), in: Self.berlin)
        #expect(quarter == Self.date(2026, 10, 25, 1, 0))
    }

    // MARK: - Summary

    @Test(arguments: [
        ("* * * * *", "every minute"),
        ("*/15 * * * *", "every 15 minutes"),
        ("*/15 * * * 1-5", "every 15 minutes on weekdays"),
        ("@hourly", "every hour"),
        ("5 * * * *", "every hour at minute 5"),
        ("0 */6 * * *", "every 6 hours"),
        ("30 */6 * * *", "every 6 hours at minute 30"),
        ("0 2 * * *", "at 02:00 every day"),
        ("0 2,14 * * *", "at 02:00 and 14:00 every day"),
        ("0 2 * * 0", "at 02:00 on Sunday"),
        ("0 2 * * 7", "at 02:00 on Sunday"),
        ("0 9 * * MON-FRI", "at 09:00 on weekdays"),
        ("15 10 * * 6,0", "at 10:15 on weekends"),
        ("0 0 * * FRI-SUN", "at 00:00 on Friday, Saturday and Sunday"),
        ("30 3 1 * *", "at 03:30 on day 1 of the month"),
        ("0 0 1,15 * *", "at 00:00 on days 1 and 15 of the month"),
        ("@yearly", "at 00:00 on day 1 of January"),
        ("0 12 * JAN,JUL *", "at 12:00 every day in January and July"),
        ("0 0 13 * 5", "at 00:00 on day 13 of the month or on Friday"),
        ("0 0 1-31 * 5", "at 00:00 every day"),
        ("*/7 * * * *", "*/7 * * * *"),
        ("0 0 */2 * MON", "0 0 */2 * 1"),
        ("1-26/5 8-18 * * *", "1-26/5 8-18 * * *"),
    ])
    func summarises(expression: String, summary: String) throws {
        #expect(try CronSchedule(expression).summary == summary)
    }

    @Test func equalSchedulesHashAlike() throws {
        // All every day at midnight: `0-7/1` and `1-31` cover every day, so they count as `*`.
        let daily: Set<CronSchedule> = [
            try CronSchedule("@daily"), try CronSchedule("0 0 * * *"), try CronSchedule("00 00 * * 0-7/1"),
            try CronSchedule("0 0 1-31 * *"), try CronSchedule("0 0 1 * 0-6"),
        ]
        #expect(daily.count == 1)
        #expect(daily.contains(try CronSchedule("@midnight")))
        #expect(!daily.contains(try CronSchedule("0 0 1 * *")))
        #expect(try CronSchedule("0 0 1 * 0-6").description == "0 0 * * *")
    }
}

@Suite struct ScanCadenceTests {
    @Test func intervalsAndCron() throws {
        #expect(try ScanCadence("@every 6h") == .interval(seconds: 21_600))
        #expect(try ScanCadence("@every 90m").description == "@every 90m")
        #expect(try ScanCadence("@every 1d").summary == "every 1 day")
        #expect(try ScanCadence(" 0 2 * * 7 ").description == "0 2 * * 0")
        #expect(throws: ScanCadence.ParseError.self) { try ScanCadence("@every 4m") }
        #expect(throws: ScanCadence.ParseError.self) { try ScanCadence("@every h") }
        #expect(throws: ScanCadence.ParseError.self) { try ScanCadence("0 25 * * *") }
    }

    @Test func aMissedRunIsCaughtUpOnce() throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let cadence = try ScanCadence("@every 1h")
        let late = cadence.plan(dueAt: start, now: start.addingTimeInterval(5 * 3_600 + 60))
        #expect(late.runNow)
        #expect(late.next == start.addingTimeInterval(6 * 3_600 + 60), "counted from now, not from the missed times")
        let early = cadence.plan(dueAt: start, now: start.addingTimeInterval(-60))
        #expect(!early.runNow && early.next == start)
        let fresh = cadence.plan(dueAt: nil, now: start)
        #expect(!fresh.runNow && fresh.next == start.addingTimeInterval(3_600))
    }
}
