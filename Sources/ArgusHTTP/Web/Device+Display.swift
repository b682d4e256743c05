//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus

extension Device {
    /// The name the pages show: the label, else the host name, else the address.
    var displayName: String {
        if let label, !label.isEmpty { return label }
        return hostname ?? ip
    }

    /// Its type's name for people, "Unknown" for a type this version does not know.
    var typeLabel: String { deviceType.label }
}
