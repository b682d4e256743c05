//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Decides which known device a scanned host is: by MAC address when nmap saw one (hosts on the
/// scanner's own segment), by IP address otherwise (routed networks), so a device that changes
/// its IP address stays the same device.
///
/// Each known device is matched at most once per scan.
public struct DeviceMatcher: Sendable {
    private var byMAC: [String: DeviceID] = [:]
    private var byIP: [String: (id: DeviceID, hasMAC: Bool)] = [:]
    private var claimed: Set<DeviceID> = []

    /// Prepares to match hosts against the inventory.
    public init(inventory: [Device]) {
        byMAC.reserveCapacity(inventory.count)
        byIP.reserveCapacity(inventory.count)
        // The most recently seen device wins an address or MAC that several devices had.
        let order = inventory.indices.sorted { (inventory[$0].lastSeen, inventory[$0].id) < (inventory[$1].lastSeen, inventory[$1].id) }
        for index in order {
            let device = inventory[index]
            if let mac = device.mac { byMAC[mac] = device.id }
            byIP[device.ip] = (device.id, device.mac != nil)
        }
    }

    /// Prepares to match hosts against devices known by id, MAC and IP, in order of increasing
    /// recency (a later entry wins an address or MAC that several had).
    public init(entries: [(id: DeviceID, mac: String?, ip: String)]) {
        byMAC.reserveCapacity(entries.count)
        byIP.reserveCapacity(entries.count)
        for entry in entries {
            if let mac = entry.mac { byMAC[mac] = entry.id }
            byIP[entry.ip] = (entry.id, entry.mac != nil)
        }
    }

    /// The known device with this MAC, or else at this IP; `nil` for a new device.
    ///
    /// A host whose MAC is known but new is a new device even at a known IP address, unless the
    /// device at that address never showed a MAC (it was seen across a router before).
    public mutating func match(mac: String?, ip: String) -> DeviceID? {
        var candidate: DeviceID?
        if let mac {
            let normalized = Addresses.normalizedMAC(mac) ?? mac
            candidate = byMAC[normalized]
            if candidate == nil, let atIP = byIP[ip], !atIP.hasMAC { candidate = atIP.id }
        } else {
            candidate = byIP[ip]?.id
        }
        guard let candidate, !claimed.contains(candidate) else { return nil }
        claimed.insert(candidate)
        return candidate
    }
}

extension DeviceUpdate {
    /// What nmap reported of a host, as an update of the device `deviceID` (or a new one).
    ///
    /// Ports in state open or open|filtered are kept: the ones where something may listen.
    /// nmap's closed and filtered ports are negative results, which the inventory does not
    /// need (the original Argus kept only open ports).
    public init(host: HostObservation, deviceID: DeviceID?) {
        let mac = host.mac
        let os = host.os?.bestMatch
        let ports = host.ports.filter { $0.state.state == .open || $0.state.state == .openFiltered }.map(ObservedPort.init)
        let type = DeviceClassifier().classify(
            vendor: mac?.vendor, hostname: host.primaryHostname, osClasses: os?.classes ?? [],
            openPorts: ports.compactMap { $0.state == .open ? $0.number : nil }
        ).type
        self.init(
            deviceID: deviceID, ip: host.primaryAddress ?? "", mac: mac.flatMap { Addresses.normalizedMAC($0.address) },
            hostname: host.primaryHostname, vendor: mac?.vendor, deviceType: type, osName: os?.name, osAccuracy: os?.accuracy, ports: ports)
    }
}
