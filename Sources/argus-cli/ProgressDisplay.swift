//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Shows a scan's progress on standard error: on a terminal, one bar redrawn in place with the
/// hosts found printed above it; otherwise (a log, a pipe) plain lines, one per step.
final class ProgressDisplay: Sendable {
    private let isTerminal: Bool
    private let state = Mutex(State())

    private struct State {
        var phase = "Starting nmap"
        var percent = 0.0
        var remaining: Int?
        var hostsUp = 0
        var barShown = false
    }

    init(isTerminal: Bool = isatty(2) == 1) {
        self.isTerminal = isTerminal
    }

    /// Shows one scan event.
    func show(_ event: ScanEvent) {
        state.withLock { state in
            switch event {
            case .notice(let notice), .degraded(let notice):
                line("argus-cli: note: \(notice)", &state)
            case .progress(let progress):
                state.phase = progress.task
                state.percent = min(100, max(0, progress.percent))
                state.remaining = progress.remaining
                if !isTerminal {
                    let eta = progress.remaining.map { ", about \(Self.duration($0)) left" } ?? ""
                    printStandardError("  \(progress.task): \(Int(progress.percent))%\(eta)")
                }
            case .host(let host) where host.isUp:
                state.hostsUp += 1
                line(
                    "  up: \(host.primaryAddress ?? "?")\(host.primaryHostname.map { " (\($0))" } ?? "")\(host.mac.map { "  \($0.address)\($0.vendor.map { " \($0)" } ?? "")" } ?? "")",
                    &state)
            case .started, .host, .finished:
                break
            }
            if isTerminal { drawBar(&state) }
        }
    }

    /// Clears the bar before the summary is printed.
    func finish() {
        guard isTerminal else { return }
        state.withLock { state in
            if state.barShown { Self.write("\r\u{1B}[2K") }
            state.barShown = false
        }
    }

    private func line(_ text: String, _ state: inout State) {
        if isTerminal, state.barShown { Self.write("\r\u{1B}[2K") }
        printStandardError(text)
    }

    private func drawBar(_ state: inout State) {
        let width = 24
        let filled = Int(state.percent / 100 * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let eta = state.remaining.map { ", ~\(Self.duration($0)) left" } ?? ""
        let percent = String(Int(state.percent))
        Self.write(
            "\r\u{1B}[2K\(bar) \(String(repeating: " ", count: max(0, 3 - percent.count)))\(percent)%  \(state.phase)\(eta) · \(state.hostsUp) up")
        state.barShown = true
    }

    static func duration(_ seconds: Int) -> String {
        seconds >= 120 ? "\(seconds / 60) min" : "\(seconds) s"
    }

    private static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in _ = Glibc.write(2, buffer.baseAddress, buffer.count) }
    }
}
