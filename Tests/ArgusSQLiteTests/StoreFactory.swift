//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import ArgusSQLite
import Foundation
import Testing

/// Every DeviceStore implementation the contract suite runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inMemory
    case sqlite

    var testDescription: String { rawValue }

    func make() throws -> any ArgusStore {
        switch self {
        case .inMemory: InMemoryDeviceStore()
        case .sqlite: try SQLiteDeviceStore(path: TemporaryFolder.make().appendingPathComponent("argus.db").path)
        }
    }

    func makeAccounts() throws -> any AccountStore {
        switch self {
        case .inMemory: InMemoryAccountStore()
        case .sqlite: try SQLiteDeviceStore(path: TemporaryFolder.make().appendingPathComponent("argus.db").path)
        }
    }
}

/// A fresh folder under the system's temporary folder.
enum TemporaryFolder {
    static func make() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("argus-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A fixed clock for tests: whole seconds, so every store keeps them exactly.
func day(_ n: Int, hour: Int = 0) -> Date {
    Date(timeIntervalSince1970: 1_700_000_000 + Double(n * 86_400 + hour * 3_600))
}

func port(
    _ number: Int, _ state: PortState.State = .open, service: String? = nil, product: String? = nil, version: String? = nil, cpes: [String] = []
) -> ObservedPort {
    ObservedPort(protocol: .tcp, number: number, state: state, serviceName: service, product: product, version: version, cpes: cpes)
}
