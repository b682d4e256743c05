//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus

/// A change as the change tables show it.
struct ChangeRow: Sendable {
    /// Its id, for acknowledging; none for a change only computed (comparing scans).
    var id: Int64?
    /// When it was seen, or empty.
    var when: String
    /// Its severity's name.
    var severity: String
    /// What changed.
    var description: String
    /// The device it is about, to link to.
    var deviceID: Int64?
    /// Whether it is acknowledged.
    var acknowledged: Bool

    /// A stored change.
    init(_ change: ChangeRecord) {
        id = change.id.rawValue
        when = WebDate.text(change.detectedAt)
        severity = change.severity.rawValue
        description = change.description
        deviceID = change.deviceID?.rawValue
        acknowledged = change.acknowledged
    }

    /// A change between two scans, not stored.
    init(severity: String, description: String, deviceID: Int64?) {
        self.when = ""
        self.severity = severity
        self.description = description
        self.deviceID = deviceID
        self.acknowledged = false
    }
}
