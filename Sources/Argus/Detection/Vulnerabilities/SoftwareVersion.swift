//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A software version as nmap reports it, normalised so versions compare the way releases do.
///
/// nmap's version strings carry a distribution's build after the upstream version:
/// `8.9p1 Ubuntu 3ubuntu0.6`, `9.2p1 Debian 2+deb12u3`, `2.4.41 ((Ubuntu))`. The upstream part
/// (`8.9p1`) is what vulnerability ranges speak of; the rest is kept in ``distribution``, because
/// a distribution may have backported a fix without changing the upstream number.
///
/// Comparison is by parts: numbers numerically (`1.10` > `1.9`), a missing number is 0
/// (`9.8` == `9.8.0`), pre-release words sort before the release (`3.0.25rc3` < `3.0.25`), and
/// other letters after it (`1.0.1f` > `1.0.1`, `9.8p1` > `9.8`).
public struct SoftwareVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The upstream version, e.g. `8.9p1`.
    public let upstream: String
    /// A distribution's build or marker that followed it, e.g. `Ubuntu 3ubuntu0.6`; `nil` when
    /// the version was bare.
    public let distribution: String?
    private let parts: [Part]

    private enum Part: Hashable {
        /// A number.
        case number(Int)
        /// A word that marks a release before the numbered one: `rc`, `beta`, `a` in `2.0a1`.
        case preRelease(String)
        /// Any other word: a patch level or letter after the release, `p1`, `f` in `1.0.1f`.
        case postRelease(String)
    }

    /// Parses a version as nmap or NVD write it. Returns `nil` for text that names no single
    /// version: empty, wildcards (`4.X`), ranges (`3.X - 4.X`) or no leading digit.
    public init?(_ text: String) {
        var rest = Substring(text).drop(while: \.isWhitespace)
        if let first = rest.first, first == "v" || first == "V", rest.dropFirst().first?.isASCIIDigit == true { rest = rest.dropFirst() }
        let upstream = rest.prefix { !$0.isWhitespace }
        let remainder = rest.dropFirst(upstream.count).drop(while: \.isWhitespace)
        guard let lead = upstream.first, lead.isASCIIDigit, !remainder.hasPrefix("-") else { return nil }
        var raw: [(text: String, isNumber: Bool)] = []
        var current = ""
        var isNumber = true
        func flush() {
            guard !current.isEmpty else { return }
            raw.append((current, isNumber))
            current = ""
        }
        for character in upstream {
            if character.isASCIIDigit {
                if !isNumber { flush() }
                isNumber = true
                current.append(character)
            } else if character.isASCIILetter {
                if isNumber { flush() }
                isNumber = false
                current.append(character)
            } else if ".-_+~:".contains(character) {
                flush()
            } else {
                return nil
            }
        }
        flush()
        var parts: [Part] = []
        for (index, part) in raw.enumerated() {
            if part.isNumber {
                parts.append(.number(Int(part.text.prefix(18)) ?? Int.max))
                continue
            }
            let word = part.text.lowercased()
            // "4.X" is a wildcard, not a version.
            if word == "x" { return nil }
            let followedByNumber = index + 1 < raw.count && raw[index + 1].isNumber
            let isPreRelease = Self.preReleaseWords.contains(word) || (Self.preReleaseLetters.contains(word) && followedByNumber)
            parts.append(isPreRelease ? .preRelease(word) : .postRelease(word))
        }
        while case .number(0)? = parts.last { parts.removeLast() }
        self.upstream = String(upstream)
        let distribution = String(remainder.reversed().drop(while: \.isWhitespace).reversed())
        self.distribution = distribution.isEmpty ? nil : distribution
        self.parts = parts
    }

    /// The version as given: upstream, then the distribution's part.
    public var description: String { distribution.map { "\(upstream) \($0)" } ?? upstream }

    /// Words that always mark a release before the numbered one.
    private static let preReleaseWords: Set<String> = ["alpha", "beta", "pre", "rc", "dev", "preview", "snapshot"]
    /// Letters that do when a number follows (`2.0a1`, `9.0.0.M1`); alone they are patch letters
    /// (`1.0.1a`, `1.3.5b`).
    private static let preReleaseLetters: Set<String> = ["a", "b", "m"]

    /// Equal when the upstream parts are equal; the distribution's part does not count.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.parts == rhs.parts }

    /// Hashes the upstream parts, as equality compares them.
    public func hash(into hasher: inout Hasher) { hasher.combine(parts) }

    /// Orders by upstream parts.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        for index in 0..<max(lhs.parts.count, rhs.parts.count) {
            var left = index < lhs.parts.count ? lhs.parts[index] : nil
            var right = index < rhs.parts.count ? rhs.parts[index] : nil
            // A missing number is 0: "2.0" against "2.0a1" compares 0 with 0, then the "a".
            if left == nil, case .number? = right { left = .number(0) }
            if right == nil, case .number? = left { right = .number(0) }
            if left == right { continue }
            return rank(left) < rank(right) || (rank(left) == rank(right) && isLess(left, right))
        }
        return false
    }

    /// Pre-release words < nothing (the release itself) < other words < numbers.
    private static func rank(_ part: Part?) -> Int {
        switch part {
        case .preRelease?: 0
        case nil: 1
        case .postRelease?: 2
        case .number?: 3
        }
    }

    private static func isLess(_ left: Part?, _ right: Part?) -> Bool {
        switch (left, right) {
        case (.number(let a)?, .number(let b)?): a < b
        case (.preRelease(let a)?, .preRelease(let b)?): a < b
        case (.postRelease(let a)?, .postRelease(let b)?): a < b
        default: false
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
