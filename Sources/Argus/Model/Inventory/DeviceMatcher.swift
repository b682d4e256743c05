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
    private var byMAC: [String: Device] = [:]
    private var byIP: [String: Device] = [:]
    private var claimed: Set<DeviceID> = []

    /// Prepares to match hosts against the inventory.
    public init(inventory: [Device]) {
        for device in inventory.sorted(by: { ($0.lastSeen, $0.id) < ($1.lastSeen, $1.id) }) {
            if let mac = device.mac { byMAC[mac] = device }
            byIP[device.ip] = device
        }
    }

    /// The known device with this MAC, or else at this IP; `nil` for a new device.
    ///
    /// A host whose MAC is known but new is a new device even at a known IP address, unless the
    /// device at that address never showed a MAC (it was seen across a router before).
    public mutating func match(mac: String?, ip: String) -> DeviceID? {
        let normalized = mac.flatMap(Addresses.normalizedMAC)
        var candidate: Device?
        if let normalized {
            candidate = byMAC[normalized]
            if candidate == nil, let atIP = byIP[ip], atIP.mac == nil { candidate = atIP }
        } else {
            candidate = byIP[ip]
        }
        guard let candidate, !claimed.contains(candidate.id) else { return nil }
        claimed.insert(candidate.id)
        return candidate.id
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
        self.init(deviceID: deviceID, ip: host.primaryAddress ?? "", mac: mac.flatMap { Addresses.normalizedMAC($0.address) }, hostname: host.primaryHostname, vendor: mac?.vendor, osName: os?.name, osAccuracy: os?.accuracy, ports: ports)
    }
}
