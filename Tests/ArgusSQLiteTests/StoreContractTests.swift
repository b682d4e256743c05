//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import ArgusTesting
import Testing

/// The store contracts of ArgusTesting, each check a test case, run against every store here.
@Suite struct StoreContractTests {
    @Test(arguments: StoreKind.allCases, DeviceStoreContract.checkNames)
    func deviceStore(kind: StoreKind, check: String) async throws {
        try await DeviceStoreContract.run(check, on: kind.make())
    }

    @Test(arguments: StoreKind.allCases, AlertOutboxContract.checkNames)
    func alertOutbox(kind: StoreKind, check: String) async throws {
        try await AlertOutboxContract.run(check, on: kind.make())
    }

    @Test(arguments: StoreKind.allCases, VulnerabilityStoreContract.checkNames)
    func vulnerabilityStore(kind: StoreKind, check: String) async throws {
        try await VulnerabilityStoreContract.run(check, on: kind.make())
    }

    @Test(arguments: StoreKind.allCases, SettingsStoreContract.checkNames)
    func settingsStore(kind: StoreKind, check: String) async throws {
        try await SettingsStoreContract.run(check, on: kind.make())
    }

    @Test(arguments: StoreKind.allCases, AccountStoreContract.checkNames)
    func accountStore(kind: StoreKind, check: String) async throws {
        try await AccountStoreContract.run(check, on: kind.makeAccounts())
    }

    @Test func aCheckThatFailsSaysWhichAndWhere() async throws {
        // A store that forgets settings breaks the settings contract, and the failure says so.
        let failure = await #expect(throws: ContractFailure.self) {
            try await SettingsStoreContract.run("settingsAndSchedules", on: ForgetfulSettings())
        }
        #expect(failure?.check == "settingsAndSchedules")
        #expect(failure?.location.contains("SettingsStoreContract.swift:") == true)
        await #expect(throws: ContractFailure.self) { try await SettingsStoreContract.run("no such check", on: ForgetfulSettings()) }
    }
}

/// A settings store that loses every setting: it must fail the contract.
private actor ForgetfulSettings: SettingsStore {
    func setting(_ key: String) -> String? { nil }
    func setSetting(_ key: String, to value: String?) {}
    func settings() -> [String: String] { [:] }
    func createSchedule(_ schedule: Schedule) -> Schedule { schedule }
    func updateSchedule(_ schedule: Schedule) {}
    func deleteSchedule(_ id: ScheduleID) -> Bool { false }
    func schedules() -> [Schedule] { [] }
}
