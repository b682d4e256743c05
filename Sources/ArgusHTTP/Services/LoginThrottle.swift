//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation

/// Slows password guessing without handing anyone a way to lock the owner out.
///
/// - **Per client address and user name.** The first `limit` failures of a pair within the
///   window cost nothing; each further one makes the pair wait twice as long as the one before
///   (5 s, 10 s, 20 s, … by default, up to the window), and an attempt while it waits is refused (429,
///   `Retry-After`) without being tried. The pair's count is forgotten after a window without
///   failures once it may try again, and at its first success.
/// - **A ceiling per user name**, across every address: after `ceiling` failures in an hour the
///   name is "under attack". A pair from an address the name never signed in from then gets a
///   single free attempt before its delays start; addresses it signed in from keep the normal
///   budget. So guesses from many addresses stay slow, and a stranger's failures elsewhere
///   never stop the owner's first attempt from a new address.
/// - **A ceiling per client address**, across names: a client with `ceiling` failures in an hour
///   gets the same single attempt per name, which slows spraying one password over many names.
///
/// Memory is bounded: old entries are dropped when many pile up.
actor LoginThrottle {
    private let limit: Int
    private let window: TimeInterval
    private let ceiling: Int
    /// The first delay after the free attempts.
    private let firstDelay: TimeInterval

    /// A pair's failures and when it may try again.
    private struct Pair {
        var failures = 0
        var lastFailure = Date.distantPast
        var allowedAt = Date.distantPast

        /// Forgotten a window after it may try again (or after its last failure, if later).
        func isForgotten(at date: Date, window: TimeInterval) -> Bool {
            date.timeIntervalSince(max(lastFailure, allowedAt)) >= window
        }
    }

    private var pairs: [String: Pair] = [:]
    private var nameFailures: [String: [Date]] = [:]
    private var clientFailures: [String: [Date]] = [:]
    /// The addresses each name signed in from (most recent last, a few per name).
    private var knownClients: [String: [String]] = [:]

    /// - Parameters:
    ///   - limit: Free failures per client and user name.
    ///   - window: The longest wait, and how long a pair's failures are remembered.
    ///   - firstDelay: The first wait after the free failures, in seconds; each further failure doubles it.
    ///   - ceiling: Failures per hour for one name, or from one client, before the strict mode.
    init(limit: Int, window: TimeInterval, firstDelay: TimeInterval = 5, ceiling: Int = 100) {
        self.limit = max(1, limit)
        self.window = window
        self.firstDelay = max(1, firstDelay)
        self.ceiling = max(1, ceiling)
    }

    /// Seconds until an attempt from this client for this user may be made, or `nil` if now.
    func retryAfter(client: String, username: String, at date: Date = Date()) -> Int? {
        let key = Self.pairKey(client, username)
        guard var pair = pairs[key] else { return nil }
        if pair.isForgotten(at: date, window: window) {
            pair = Pair()
            pairs[key] = nil
        }
        guard pair.allowedAt > date else { return nil }
        return max(1, Int(pair.allowedAt.timeIntervalSince(date).rounded(.up)))
    }

    /// Records a failed attempt.
    func recordFailure(client: String, username: String, at date: Date = Date()) {
        if pairs.count > 10_000 || nameFailures.count > 10_000 || clientFailures.count > 10_000 { prune(at: date) }
        let name = username.lowercased()
        let key = Self.pairKey(client, username)
        var pair = pairs[key] ?? Pair()
        if pair.isForgotten(at: date, window: window) { pair = Pair() }
        pair.failures += 1
        pair.lastFailure = date
        let names = recent(nameFailures[name, default: []] + [date], at: date)
        let clients = recent(clientFailures[client, default: []] + [date], at: date)
        nameFailures[name] = names
        clientFailures[client] = clients
        let known = knownClients[name]?.contains(client) ?? false
        let strict = !known && (names.count > ceiling || clients.count > ceiling)
        let free = strict ? 1 : limit
        if pair.failures >= free {
            let doublings = Double(min(pair.failures - free, 20))
            pair.allowedAt = date.addingTimeInterval(min(window, firstDelay * pow(2, doublings)))
        }
        pairs[key] = pair
    }

    /// Records a success: the pair starts again, and the address is one the name signs in from.
    func recordSuccess(client: String, username: String) {
        pairs[Self.pairKey(client, username)] = nil
        let name = username.lowercased()
        var known = knownClients[name, default: []].filter { $0 != client }
        known.append(client)
        knownClients[name] = Array(known.suffix(20))
    }

    private func prune(at date: Date) {
        pairs = pairs.filter { !$0.value.isForgotten(at: date, window: window) }
        nameFailures = nameFailures.compactMapValues { times in
            let recent = recent(times, at: date)
            return recent.isEmpty ? nil : recent
        }
        clientFailures = clientFailures.compactMapValues { times in
            let recent = recent(times, at: date)
            return recent.isEmpty ? nil : recent
        }
        if knownClients.count > 10_000 { knownClients = [:] }
    }

    /// The times within the last hour (no more than the ceiling needs).
    private func recent(_ times: [Date], at date: Date) -> [Date] {
        Array(times.filter { date.timeIntervalSince($0) < 3_600 }.suffix(ceiling + 1))
    }

    private static func pairKey(_ client: String, _ username: String) -> String { client + "\u{0}" + username.lowercased() }
}
