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
    @Test(arguments: DeviceStoreContract.checkNames)
    func deviceStore(check: String) async throws {
        try await TestDatabase.withStore { try await DeviceStoreContract.run(check, on: $0) }
    }

    @Test(arguments: AlertOutboxContract.checkNames)
    func alertOutbox(check: String) async throws {
        try await TestDatabase.withStore { try await AlertOutboxContract.run(check, on: $0) }
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
