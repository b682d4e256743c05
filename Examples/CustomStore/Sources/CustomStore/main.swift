//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusTesting
import Foundation

// Every check of the DeviceStore contract, each on a new store of our own. A store that breaks
// the contract fails here with the check's name, line and what it expected.
var passed = 0
for check in DeviceStoreContract.checkNames {
    do {
        try await DeviceStoreContract.run(check, on: AuditedStore(wrapping: InMemoryDeviceStore()))
        passed += 1
    } catch {
        print("FAILED \(check): \(error)")
        exit(1)
    }
}
print("AuditedStore keeps the DeviceStore contract: \(passed) of \(DeviceStoreContract.checkNames.count) checks passed.")

// And it journals what it stores.
let store = AuditedStore(wrapping: InMemoryDeviceStore())
let scan = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: ["192.0.2.0/24"], status: .running))
_ = try await store.record(ScanResult(scanID: scan.id, devices: [DeviceUpdate(ip: "192.0.2.7")]))
for line in await store.journal { print(line) }
