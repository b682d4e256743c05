//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Decides a device's type from what nmap learnt of it.
///
/// The evidence is weighed in a fixed order, the first that decides wins:
/// 1. nmap's OS classification type (from the TCP/IP fingerprint: `WAP`, `printer`, `webcam`…);
/// 2. distinctive open ports (9100 or 631 printing, 554 RTSP cameras, 62078 iPhones,
///    8008/8009 Google Cast, 5000+5001 Synology, 1883 MQTT, 3389 Windows desktops, 53 routers);
/// 3. words of the host name (`gateway`, `iphone`, `macbook`, `printer`, `chromecast`…);
/// 4. words of the MAC vendor (`Synology`, `Hikvision`, `Brother`, `Espressif`, `Nintendo`…).
///
/// Words are matched whole, never inside other words ("ring" does not match "Engineering").
public struct DeviceClassifier: Sendable {
    /// Creates a classifier.
    public init() {}

    /// The type, and the evidence that decided it.
    public func classify(vendor: String?, hostname: String?, osClasses: [OSClass] = [], openPorts: [Int] = []) -> (type: DeviceType, reason: String) {
        if !osClasses.isEmpty {
            for osClass in osClasses.sorted(by: { $0.accuracy > $1.accuracy }) {
                if let type = Self.osTypes[(osClass.type ?? "").lowercased()] {
                    return (type, "nmap's OS detection: \(osClass.type ?? "")")
                }
            }
        }
        if !openPorts.isEmpty {
            signatures: for index in Self.portSignatures.indices {
                for port in Self.portSignatures[index].ports where !openPorts.contains(port) { continue signatures }
                let (ports, type) = Self.portSignatures[index]
                return (type, "open ports \(ports.map(String.init).joined(separator: ", "))")
            }
        }
        if let hostname, let (type, word) = Self.match(words(of: hostname), in: Self.hostnameWords) {
            return (type, "host name contains \"\(word)\"")
        }
        if let vendor, let (type, word) = Self.match(words(of: vendor), in: Self.vendorWords) {
            return (type, "vendor \(vendor) (\(word))")
        }
        return (.unknown, "no decisive evidence")
    }

    private func words(of text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// The first keyword (one or more words) found as whole consecutive words.
    private static func match(_ words: [String], in table: [(String, DeviceType)]) -> (DeviceType, String)? {
        for (keyword, type) in table {
            let parts = keyword.split(separator: " ").map(String.init)
            guard parts.count <= words.count else { continue }
            for start in 0...(words.count - parts.count) where Array(words[start..<(start + parts.count)]) == parts {
                return (type, keyword)
            }
        }
        return nil
    }

    static let osTypes: [String: DeviceType] = [
        "router": .router, "broadband router": .router, "firewall": .router, "load balancer": .router,
        "switch": .switch, "wap": .accessPoint, "bridge": .accessPoint,
        "printer": .printer, "print server": .printer, "webcam": .camera, "security-misc": .camera,
        "media device": .tv, "game console": .gameConsole, "phone": .phone, "pda": .phone,
        "storage-misc": .nas, "power-device": .iot, "specialized": .iot,
    ]

    static let portSignatures: [(ports: [Int], type: DeviceType)] = [
        ([9100], .printer), ([631, 515], .printer), ([62078], .phone), ([8008, 8009], .tv),
        ([5000, 5001], .nas), ([554], .camera), ([1883], .iot), ([8883], .iot), ([3389], .desktop),
        ([53, 80], .router), ([53, 443], .router),
    ]

    static let hostnameWords: [(String, DeviceType)] = [
        ("router", .router), ("gateway", .router), ("gw", .router), ("fritz box", .router), ("fritzbox", .router), ("openwrt", .router),
        ("edgerouter", .router),
        ("switch", .switch), ("unifi", .accessPoint), ("ap", .accessPoint), ("wap", .accessPoint), ("eero", .accessPoint),
        ("iphone", .phone), ("android", .phone), ("pixel", .phone), ("galaxy", .phone), ("phone", .phone),
        ("macbook", .laptop), ("laptop", .laptop), ("thinkpad", .laptop), ("notebook", .laptop),
        ("desktop", .desktop), ("imac", .desktop), ("workstation", .desktop), ("pc", .desktop),
        ("nas", .nas), ("diskstation", .nas), ("synology", .nas), ("server", .server), ("srv", .server), ("proxmox", .server),
        ("printer", .printer), ("laserjet", .printer), ("officejet", .printer), ("deskjet", .printer),
        ("camera", .camera), ("cam", .camera), ("ipcam", .camera), ("doorbell", .camera),
        ("tv", .tv), ("roku", .tv), ("chromecast", .tv), ("appletv", .tv), ("firetv", .tv), ("bravia", .tv),
        ("xbox", .gameConsole), ("playstation", .gameConsole), ("ps4", .gameConsole), ("ps5", .gameConsole), ("nintendo", .gameConsole),
        ("echo", .smartHome), ("alexa", .smartHome), ("hue", .smartHome), ("nest", .smartHome), ("sonos", .smartHome), ("homepod", .smartHome),
        ("esp", .iot), ("tasmota", .iot), ("shelly", .iot), ("esphome", .iot),
    ]

    static let vendorWords: [(String, DeviceType)] = [
        ("synology", .nas), ("qnap", .nas), ("western digital", .nas), ("buffalo", .nas),
        ("hikvision", .camera), ("axis", .camera), ("dahua", .camera), ("reolink", .camera), ("ring", .camera),
        ("brother", .printer), ("canon", .printer), ("epson", .printer), ("lexmark", .printer), ("xerox", .printer), ("kyocera", .printer),
        ("ubiquiti", .accessPoint), ("ruckus", .accessPoint), ("aruba", .accessPoint),
        ("avm", .router), ("tp link", .router), ("netgear", .router), ("mikrotik", .router), ("routerboard", .router), ("zyxel", .router),
        ("cisco", .switch), ("juniper", .switch),
        ("nintendo", .gameConsole), ("sony interactive", .gameConsole),
        ("roku", .tv), ("vizio", .tv), ("tcl", .tv),
        ("sonos", .smartHome), ("philips lighting", .smartHome), ("signify", .smartHome), ("nest", .smartHome), ("ecobee", .smartHome),
        ("espressif", .iot), ("tuya", .iot), ("shelly", .iot), ("raspberry pi", .iot),
    ]
}
