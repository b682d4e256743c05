//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ArgusHTTP

/// Sign-in throttling: growing delays per client address and user name, a ceiling per name
/// that never locks the owner out of a new address.
@Suite struct LoginThrottleTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func delaysGrowPerClientAndName() async {
        let throttle = LoginThrottle(limit: 3, window: 900)
        var now = Self.start
        for _ in 0..<2 {
            await throttle.recordFailure(client: "203.0.113.5", username: "admin", at: now)
            #expect(await throttle.retryAfter(client: "203.0.113.5", username: "admin", at: now) == nil)
        }
        await throttle.recordFailure(client: "203.0.113.5", username: "admin", at: now)
        #expect(await throttle.retryAfter(client: "203.0.113.5", username: "admin", at: now) == 5)
        // Another address, or another name from the same address, is not slowed.
        #expect(await throttle.retryAfter(client: "198.51.100.9", username: "admin", at: now) == nil)
        #expect(await throttle.retryAfter(client: "203.0.113.5", username: "alice", at: now) == nil)
        var waits: [Int] = []
        for _ in 0..<10 {
            now = now.addingTimeInterval(TimeInterval(await throttle.retryAfter(client: "203.0.113.5", username: "admin", at: now) ?? 0))
            #expect(await throttle.retryAfter(client: "203.0.113.5", username: "admin", at: now) == nil)
            await throttle.recordFailure(client: "203.0.113.5", username: "admin", at: now)
            waits.append(await throttle.retryAfter(client: "203.0.113.5", username: "admin", at: now) ?? 0)
        }
        #expect(waits == [10, 20, 40, 80, 160, 320, 640, 900, 900, 900], "doubling, up to the window")
        // A quiet window after it may try again, the pair starts again.
        now = now.addingTimeInterval(1_800)
        #expect(await throttle.retryAfter(client: "203.0.113.5", username: "admin", at: now) == nil)
        await throttle.recordFailure(client: "203.0.113.5", username: "admin", at: now)
        #expect(await throttle.retryAfter(client: "203.0.113.5", username: "admin", at: now) == nil)
    }

    @Test func aSuccessStartsThePairAgain() async {
        let throttle = LoginThrottle(limit: 2, window: 900)
        for _ in 0..<2 { await throttle.recordFailure(client: "203.0.113.5", username: "admin", at: Self.start) }
        #expect(await throttle.retryAfter(client: "203.0.113.5", username: "admin", at: Self.start) != nil)
        await throttle.recordSuccess(client: "203.0.113.5", username: "admin")
        #expect(await throttle.retryAfter(client: "203.0.113.5", username: "admin", at: Self.start) == nil)
    }

    /// A stranger guessing from many addresses, far past the ceiling, never stops the owner's
    /// first attempt from an address of their own, new or known; new addresses get one free
    /// attempt only while the name is under attack.
    @Test func aStrangerCannotLockTheOwnerOut() async {
        let throttle = LoginThrottle(limit: 5, window: 900, ceiling: 100)
        await throttle.recordSuccess(client: "192.0.2.10", username: "admin")
        var now = Self.start
        for attacker in 0..<300 {
            for _ in 0..<5 {
                await throttle.recordFailure(client: "10.9.\(attacker / 250).\(attacker % 250)", username: "admin", at: now)
            }
            now = now.addingTimeInterval(1)
        }
        // 1500 failures for admin in five minutes: a new address may still try at once.
        #expect(await throttle.retryAfter(client: "198.51.100.77", username: "ADMIN", at: now) == nil)
        #expect(await throttle.retryAfter(client: "192.0.2.10", username: "admin", at: now) == nil)
        // While the name is under attack a new address's first failure already costs a delay...
        await throttle.recordFailure(client: "198.51.100.77", username: "admin", at: now)
        #expect(await throttle.retryAfter(client: "198.51.100.77", username: "admin", at: now) == 5)
        // ...but an address the owner signed in from keeps the normal budget.
        for _ in 0..<4 { await throttle.recordFailure(client: "192.0.2.10", username: "admin", at: now) }
        #expect(await throttle.retryAfter(client: "192.0.2.10", username: "admin", at: now) == nil)
        // Another name is not affected.
        await throttle.recordFailure(client: "198.51.100.77", username: "alice", at: now)
        #expect(await throttle.retryAfter(client: "198.51.100.77", username: "alice", at: now) == nil)
    }

    /// Spraying many names from one address: past the ceiling, each name gets one attempt.
    @Test func sprayingNamesFromOneAddressIsSlowed() async {
        let throttle = LoginThrottle(limit: 5, window: 900, ceiling: 50)
        for name in 0..<60 { await throttle.recordFailure(client: "203.0.113.5", username: "user\(name)", at: Self.start) }
        await throttle.recordFailure(client: "203.0.113.5", username: "admin", at: Self.start)
        #expect(await throttle.retryAfter(client: "203.0.113.5", username: "admin", at: Self.start) == 5)
    }
}

/// The same through the server: a stranger's wrong passwords for `admin` from other addresses
/// (a trusted proxy gives the client address) never stop the admin signing in from theirs.
@Suite struct LoginLockoutTests {
    @Test func aStrangerCannotLockTheAdminOutOverHTTP() async throws {
        let server = try await TestServer {
            $0.trustedProxies = ["127.0.0.1"]
            $0.maxLoginFailures = 3
            // Long enough that a loaded machine cannot let the pause pass between two requests.
            $0.firstLoginDelaySeconds = 300
        }
        try await server.application.test(.live) { client in
            _ = try await client.setUp(server)
            func login(from address: String, password: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/login", method: .post, headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: address],
                    body: json(["username": "admin", "password": password]))
            }
            for attacker in 0..<4 {
                for _ in 0..<3 { #expect(try await login(from: "203.0.113.\(attacker)", password: "wrong password!").status == .unauthorized) }
                let slowed = try await login(from: "203.0.113.\(attacker)", password: "wrong password!")
                #expect(slowed.status == .tooManyRequests && slowed.headers[.retryAfter] != nil)
            }
            // The admin, from an address of their own, is not locked out.
            #expect(try await login(from: "198.51.100.20", password: TestServer.password).status == .ok)
        }
    }
}
