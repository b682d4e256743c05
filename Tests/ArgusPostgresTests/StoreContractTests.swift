//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import ArgusPostgres
import ArgusTesting
import Testing

/// The store contracts of ArgusTesting, each check a test case on a new, empty database.
@Suite(TestDatabase.available) struct StoreContractTests {
    @Test(
        .disabled("AlertOutboxContract's checks record scans: they need the DeviceStore role, which PostgresStore does not implement yet"),
        arguments: AlertOutboxContract.checkNames)
    func alertOutbox(check: String) async throws {
        // AlertOutboxContract.Store is `any DeviceStore & AlertOutbox`; PostgresOutboxTests
        // covers the outbox on its own meanwhile.
    }

    @Test(arguments: VulnerabilityStoreContract.checkNames)
    func vulnerabilityStore(check: String) async throws {
        try await TestDatabase.withStore { try await VulnerabilityStoreContract.run(check, on: $0) }
    }

    @Test(arguments: SettingsStoreContract.checkNames)
    func settingsStore(check: String) async throws {
        try await TestDatabase.withStore { try await SettingsStoreContract.run(check, on: $0) }
    }

    @Test(arguments: AccountStoreContract.checkNames)
    func accountStore(check: String) async throws {
        try await TestDatabase.withStore { try await AccountStoreContract.run(check, on: $0) }
    }
}
