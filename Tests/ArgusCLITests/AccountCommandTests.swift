//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import ArgusSQLite
import Foundation
import Testing

@Suite struct AccountCommandTests {
    @Test func usersAndKeysFromTheCommandLine() async throws {
        let db = temporaryFolder().appendingPathComponent("argus.db").path
        let noUser = try CLI.run(["apikey", "create", "ci", "--db", db])
        #expect(noUser.status == 1 && noUser.standardError.contains("there is no user yet"))
        let short = try CLI.run(["user", "add", "admin", "--password-stdin", "--db", db], input: Data("short\n".utf8))
        #expect(short.status == 1 && short.standardError.contains("at least 10 characters"))
        let noTTY = try CLI.run(["user", "add", "admin", "--db", db])
        #expect(noTTY.status == 1 && noTTY.standardError.contains("use --password-stdin"))
        let added = try CLI.run(["user", "add", "admin", "--password-stdin", "--db", db], input: Data("a long enough password\n".utf8))
        #expect(added.status == 0, "\(added.standardError)")
        #expect(
            try CLI.run(["user", "add", "admin", "--password-stdin", "--db", db], input: Data("a long enough password\n".utf8)).standardError
                .contains("already exists"))

        let created = try CLI.run(["apikey", "create", "Home Assistant", "--expires-days", "30", "--db", db])
        #expect(created.status == 0, "\(created.standardError)")
        let key = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("argus_") && key.count >= 49)
        #expect(created.standardError.contains("shown once"))
        let list = try CLI.run(["apikey", "list", "--db", db])
        #expect(list.standardOutput.contains("Home Assistant") && list.standardOutput.contains("active") && !list.standardOutput.contains(key))
        let store = try SQLiteDeviceStore(path: db)
        let stored = try #require(try await store.apiKeys(of: nil).first)
        #expect(stored.keyHash != key && stored.keyHash.count == 64 && stored.prefix == String(key.prefix(12)))
        #expect(try CLI.run(["apikey", "create", "x", "--expires-days", "0", "--db", db]).status == 1)

        #expect(try CLI.run(["apikey", "revoke", "\(stored.id)", "--db", db]).status == 0)
        #expect(try CLI.run(["apikey", "list", "--db", db]).standardOutput.contains("revoked"))
        #expect(try CLI.run(["apikey", "revoke", "\(stored.id)", "--db", db]).status == 1)

        let changed = try CLI.run(["user", "passwd", "admin", "--password-stdin", "--db", db], input: Data("another long password\n".utf8))
        #expect(changed.status == 0, "\(changed.standardError)")
        #expect(
            try CLI.run(["user", "passwd", "nobody", "--password-stdin", "--db", db], input: Data("another long password\n".utf8)).standardError
                .contains("no user is named nobody"))
        let actions = try await store.auditEntries(action: nil, limit: 10, offset: 0).items.map(\.action)
        #expect(Set(actions) == ["user_create", "api_key_create", "api_key_revoke", "password_change"])
    }
}
