//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation

/// Slows password guessing: after `limit` failed sign-ins from one client address, or for one
/// user name, within the lockout window, further attempts are refused (HTTP 429) until the
/// window has passed. A success clears the client's and the user's count.
actor LoginThrottle {
    private let limit: Int
    private let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until an attempt from this client for this user may be made, or `nil` if now.
    func retryAfter(client: String, username: String, at date: Date = Date()) -> Int? {
        let waits = [Self.clientKey(client), Self.userKey(username)].compactMap { key -> TimeInterval? in
            let recent = (failures[key] ?? []).filter { date.timeIntervalSince($0) < window }
            failures[key] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return window - date.timeIntervalSince(oldest)
        }
        return waits.max().map { max(1, Int($0.rounded(.up))) }
    }

    /// Records a failed attempt. Old entries are dropped when many names pile up, so spraying
    /// user names cannot grow memory without bound.
    func recordFailure(client: String, username: String, at date: Date = Date()) {
        if failures.count > 10_000 {
            failures = failures.compactMapValues { times in
                let recent = times.filter { date.timeIntervalSince($0) < window }
                return recent.isEmpty ? nil : recent
            }
        }
        failures[Self.clientKey(client), default: []].append(date)
        failures[Self.userKey(username), default: []].append(date)
    }

    /// Records a success: the counts start again.
    func recordSuccess(client: String, username: String) {
        failures[Self.clientKey(client)] = nil
        failures[Self.userKey(username)] = nil
    }

    private static func clientKey(_ client: String) -> String { "client:" + client }
    private static func userKey(_ username: String) -> String { "user:" + username.lowercased() }
}
