//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Every role of a store that Argus's runtime uses: the inventory (``DeviceStore``), the alert
/// outbox (``AlertOutbox``), imported vulnerabilities (``VulnerabilityStore``), and settings with
/// schedules (``SettingsStore``). ``InMemoryDeviceStore`` and `SQLiteDeviceStore` play them all.
public typealias ArgusStore = DeviceStore & AlertOutbox & VulnerabilityStore & SettingsStore
