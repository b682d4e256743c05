//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// What a device looked like at one moment: the part of it that change detection compares.
public struct DeviceSnapshot: Sendable, Hashable {
    /// The device, when it is known (`nil` for a device this scan saw first).
    public var deviceID: DeviceID?
    /// Its IP address.
    public var ip: String
    /// Its MAC address, upper-case with colons.
    public var mac: String?
    /// Its host name.
    public var hostname: String?
    /// Its best OS match.
    public var osName: String?
    /// Its ports (only open ones are compared).
    public var ports: [ObservedPort]
    /// Its risk level.
    public var riskLevel: RiskLevel
    /// CVE ids found for it.
    public var cves: Set<String>
    /// Whether it was online (for the previous state).
    public var isOnline: Bool

    /// Creates a snapshot.
    public init(
        deviceID: DeviceID? = nil, ip: String, mac: String? = nil, hostname: String? = nil, osName: String? = nil, ports: [ObservedPort] = [],
        riskLevel: RiskLevel = .none, cves: Set<String> = [], isOnline: Bool = true
    ) {
        self.deviceID = deviceID
        self.ip = ip
        self.mac = mac
        self.hostname = hostname
        self.osName = osName
        self.ports = ports
        self.riskLevel = riskLevel
        self.cves = cves
        self.isOnline = isOnline
    }

    /// The snapshot of a known device, with the ports of its latest observation.
    public init(device: Device, ports: [ObservedPort], cves: Set<String> = []) {
        self.init(
            deviceID: device.id, ip: device.ip, mac: device.mac, hostname: device.hostname, osName: device.osName, ports: ports,
            riskLevel: device.riskLevel, cves: cves, isOnline: device.isOnline)
    }

    /// What a recorded scan saw of a device.
    public init(observation: DeviceObservation) {
        self.init(
            deviceID: observation.deviceID, ip: observation.ip, mac: observation.mac, hostname: observation.hostname, osName: observation.osName,
            ports: observation.ports, riskLevel: observation.riskLevel)
    }

    /// The snapshot of what a scan saw (`update.deviceID` is the matched device, if any).
    public init(update: DeviceUpdate, cves: Set<String> = []) {
        self.init(
            deviceID: update.deviceID, ip: update.ip, mac: update.mac, hostname: update.hostname, osName: update.osName, ports: update.ports,
            riskLevel: update.riskLevel, cves: cves)
    }
}

/// Says precisely what changed between the last known state of the devices and what a scan saw.
///
/// Pure: no store, no clock. Devices are paired by identity (``DeviceSnapshot/deviceID``, set by
/// ``DeviceMatcher``), so a device that moved to a new address is one IP change, not a removal
/// and an addition.
public struct ChangeDetector: Sendable {
    /// Creates a detector.
    public init() {}

    /// The changes, in a stable order: for each device of `current` in turn, then the devices
    /// gone from `previous`.
    ///
    /// - Parameters:
    ///   - previous: The known devices before the scan (the inventory the scan covered).
    ///   - current: What the scan saw, in the order of the scan result's devices, so that a new
    ///     device is referred to by its index (``DeviceReference/update(_:)``).
    ///   - coversAllPrevious: True when the scan covered every device of `previous` (a network
    ///     scan): only then are devices it did not see reported removed.
    public func changes(from previous: [DeviceSnapshot], to current: [DeviceSnapshot], coversAllPrevious: Bool = true) -> [NewChange] {
        var known: [DeviceID: Int] = [:]
        known.reserveCapacity(previous.count)
        for (index, device) in previous.enumerated() { if let id = device.deviceID { known[id] = index } }
        // Built on first need: which known device had an address.
        var byIP: [String: Int]?
        var seen: Set<DeviceID> = []
        var changes: [NewChange] = []
        for (index, now) in current.enumerated() {
            let reference = now.deviceID.map(DeviceReference.known) ?? .update(index)
            if let id = now.deviceID, let knownIndex = known[id] {
                seen.insert(id)
                changes += self.changes(from: previous[knownIndex], to: now, as: reference)
                continue
            }
            if byIP == nil {
                byIP = Dictionary(previous.enumerated().map { ($0.element.ip, $0.offset) }) { _, last in last }
            }
            changes += self.changes(from: nil, to: now, as: reference, previousOccupant: byIP?[now.ip].map { previous[$0] })
        }
        if coversAllPrevious {
            for before in previous where before.isOnline {
                guard let id = before.deviceID, !seen.contains(id) else { continue }
                changes.append(removal(of: before))
            }
        }
        return changes
    }

    /// The changes of one device: what a scan saw of it (`now`) against its last known state
    /// (`before`, `nil` for a device never seen).
    ///
    /// - Parameters:
    ///   - before: The device's last known state, or `nil` when it is new.
    ///   - now: What the scan saw.
    ///   - reference: The device the changes are about.
    ///   - previousOccupant: For a new device, the known device that last had its address (its
    ///     MAC differing is a `mac_changed`).
    public func changes(from before: DeviceSnapshot?, to now: DeviceSnapshot, as reference: DeviceReference, previousOccupant: DeviceSnapshot? = nil)
        -> [NewChange]
    {
        var changes: [NewChange] = []
        func change(
            _ kind: ChangeKind, _ severity: Severity, port: ObservedPort? = nil, old: String? = nil, new: String? = nil, _ description: String
        ) {
            changes.append(
                NewChange(
                    device: reference, kind: kind, severity: severity, ip: now.ip, mac: now.mac, port: port?.number, protocol: port?.protocol,
                    oldValue: old, newValue: new, description: description))
        }
        guard let before else {
            change(
                .deviceAdded, .warning, new: now.ip,
                "A new device appeared at \(now.ip)\(now.mac.map { " (\($0)\(Addresses.isLocallyAdministered(mac: $0) ? ", a randomised MAC" : ""))" } ?? "")."
            )
            // Another device had this address: the address now answers with another MAC.
            if let mac = now.mac, let oldMAC = previousOccupant?.mac, oldMAC != mac {
                change(
                    .macChanged, .warning, old: oldMAC, new: mac,
                    "\(now.ip) now answers with MAC \(mac) instead of \(oldMAC): another device took the address.")
            }
            for port in now.ports where port.state == .open {
                change(
                    .portOpened, .info, port: port, new: Self.describe(port),
                    "Port \(port.number)/\(port.protocol.rawValue) is open on the new device at \(now.ip)\(Self.serviceText(port)).")
            }
            return changes
        }
        if !before.isOnline {
            change(.deviceBackOnline, .info, "\(now.ip) is back online.")
        }
        if before.ip != now.ip {
            change(.ipChanged, .info, old: before.ip, new: now.ip, "\(now.mac ?? before.ip) moved from \(before.ip) to \(now.ip).")
        }
        if let old = before.mac, let new = now.mac, old != new {
            change(.macChanged, .warning, old: old, new: new, "\(now.ip) changed its MAC address from \(old) to \(new).")
        }
        if let new = now.hostname, before.hostname != new {
            change(
                .hostnameChanged, .info, old: before.hostname, new: new,
                "\(now.ip) is now called \(new)\(before.hostname.map { " (was \($0))" } ?? "").")
        }
        if let new = now.osName, let old = before.osName, old != new {
            change(.osChanged, .info, old: old, new: new, "The operating system of \(now.ip) now looks like \(new) (was \(old)).")
        }
        // Hosts have a handful of open ports: a linear search beats building tables.
        for port in now.ports where port.state == .open {
            guard let old = before.ports.first(where: { $0.state == .open && $0.number == port.number && $0.protocol == port.protocol }) else {
                change(
                    .portOpened, .warning, port: port, new: Self.describe(port),
                    "Port \(port.number)/\(port.protocol.rawValue) opened on \(now.ip)\(Self.serviceText(port)).")
                continue
            }
            let oldText = Self.describe(old)
            let newText = Self.describe(port)
            if oldText != newText && !(port.serviceName == nil && port.product == nil && port.version == nil) {
                change(
                    .serviceChanged, .info, port: port, old: oldText, new: newText,
                    "The service on \(now.ip) port \(port.number)/\(port.protocol.rawValue) changed from \(oldText) to \(newText).")
            }
        }
        for port in before.ports
        where port.state == .open && !now.ports.contains(where: { $0.state == .open && $0.number == port.number && $0.protocol == port.protocol }) {
            change(
                .portClosed, .info, port: port, old: Self.describe(port),
                "Port \(port.number)/\(port.protocol.rawValue) closed on \(now.ip)\(Self.serviceText(port)).")
        }
        for cve in now.cves.isEmpty ? [] : now.cves.subtracting(before.cves).sorted() {
            change(.newCVE, .warning, new: cve, "\(cve) applies to a service on \(now.ip).")
        }
        if now.riskLevel != before.riskLevel {
            let rising = now.riskLevel > before.riskLevel
            change(
                .riskChanged, rising ? (now.riskLevel >= .high ? .critical : .warning) : .info, old: before.riskLevel.rawValue,
                new: now.riskLevel.rawValue,
                "The risk of \(now.ip) \(rising ? "rose" : "fell") from \(before.riskLevel.rawValue) to \(now.riskLevel.rawValue).")
        }
        return changes
    }

    /// The change of a known device that a scan covered and did not see.
    public func removal(of before: DeviceSnapshot) -> NewChange {
        NewChange(
            device: before.deviceID.map(DeviceReference.known), kind: .deviceRemoved, severity: .info, ip: before.ip, mac: before.mac,
            oldValue: before.ip, description: "\(before.ip)\(before.hostname.map { " (\($0))" } ?? "") is no longer seen.")
    }

    /// "ssh OpenSSH 8.9p1", or the port's service name, or "unknown".
    static func describe(_ port: ObservedPort) -> String {
        let parts = [port.serviceName, port.product, port.version].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? "unknown" : parts.joined(separator: " ")
    }

    private static func serviceText(_ port: ObservedPort) -> String {
        let text = describe(port)
        return text == "unknown" ? "" : " (\(text))"
    }
}
