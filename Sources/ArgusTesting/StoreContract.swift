//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A store role's contract as named checks, which any implementation runs from its own tests,
/// whatever their framework: ``DeviceStoreContract``, ``AlertOutboxContract``,
/// ``VulnerabilityStoreContract``, ``SettingsStoreContract`` and ``AccountStoreContract``.
///
/// Each check takes a new, empty store and throws a ``ContractFailure`` that names the check, the
/// line and what was expected at the first expectation it misses.
///
/// ```swift
/// // Swift Testing: one test case per check.
/// @Test(arguments: DeviceStoreContract.checkNames)
/// func contract(check: String) async throws {
///     try await DeviceStoreContract.run(check, on: MyStore())
/// }
/// // Or every check at once (XCTest, a script):
/// try await DeviceStoreContract.runAll { MyStore() }
/// ```
public protocol StoreContract {
    /// The role the contract checks, such as `any DeviceStore`.
    associatedtype Store
    /// The checks, by name.
    static var checks: [String: @Sendable (Store) async throws -> Void] { get }
}

extension StoreContract {
    /// Every check's name, sorted.
    public static var checkNames: [String] { checks.keys.sorted() }

    /// Runs one check on a store that is new and empty.
    /// - Throws: ``ContractFailure`` when the store breaks the contract; the store's own errors.
    public static func run(_ check: String, on store: Store) async throws {
        guard let body = checks[check] else { throw ContractFailure(check: check, location: "", message: "there is no check named \(check)") }
        do {
            try await body(store)
        } catch var failure as ContractFailure {
            failure.check = check
            throw failure
        }
    }

    /// Runs every check, each on a new store from `makeStore`.
    public static func runAll(_ makeStore: () async throws -> Store) async throws {
        for check in checkNames { try await run(check, on: try await makeStore()) }
    }
}
