//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// What changed: the kinds of change ``ChangeDetector`` reports, as stored in
/// ``ChangeRecord/kind`` (their raw values are the original Argus's `change_type`s).
public enum ChangeKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// A device never seen before.
    case deviceAdded = "device_added"
    /// A known device the scan did not see.
    case deviceRemoved = "device_removed"
    /// A device that was offline is seen again.
    case deviceBackOnline = "device_back_online"
    /// A device moved to another IP address.
    case ipChanged = "ip_changed"
    /// An address answers with another MAC, or a device changed its MAC.
    case macChanged = "mac_changed"
    /// A device has a new name.
    case hostnameChanged = "hostname_changed"
    /// A port is open that was not.
    case portOpened = "port_opened"
    /// A port that was open is not.
    case portClosed = "port_closed"
    /// The service, product or version on an open port changed.
    case serviceChanged = "service_changed"
    /// The operating system guess changed.
    case osChanged = "os_changed"
    /// A CVE applies that did not.
    case newCVE = "new_cve"
    /// The risk level rose or fell.
    case riskChanged = "risk_changed"
}
