//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// What kind of device something is, for people and icons.
public enum DeviceType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Routes between networks.
    case router
    /// Switches a wired network.
    case `switch`
    /// A wireless access point.
    case accessPoint = "access_point"
    /// A phone or tablet.
    case phone
    /// A laptop.
    case laptop
    /// A desktop computer.
    case desktop
    /// A server.
    case server
    /// A printer.
    case printer
    /// Network storage.
    case nas
    /// A camera or doorbell.
    case camera
    /// A TV or streaming stick.
    case tv
    /// A game console.
    case gameConsole = "game_console"
    /// A speaker, light, thermostat or other smart-home device.
    case smartHome = "smart_home"
    /// Another connected device (sensors, plugs, microcontrollers).
    case iot
    /// Not known.
    case unknown

    /// A name for people.
    public var label: String {
        switch self {
        case .router: "Router"
        case .switch: "Switch"
        case .accessPoint: "Access point"
        case .phone: "Phone"
        case .laptop: "Laptop"
        case .desktop: "Desktop"
        case .server: "Server"
        case .printer: "Printer"
        case .nas: "NAS"
        case .camera: "Camera"
        case .tv: "TV"
        case .gameConsole: "Game console"
        case .smartHome: "Smart home"
        case .iot: "IoT device"
        case .unknown: "Unknown"
        }
    }

    /// The name of the icon the web UI shows.
    public var icon: String {
        switch self {
        case .router: "router"
        case .switch: "switch"
        case .accessPoint: "wifi"
        case .phone: "phone"
        case .laptop: "laptop"
        case .desktop: "desktop"
        case .server: "server"
        case .printer: "printer"
        case .nas: "hard-drive"
        case .camera: "camera"
        case .tv: "tv"
        case .gameConsole: "gamepad"
        case .smartHome: "home"
        case .iot: "cpu"
        case .unknown: "question"
        }
    }
}
