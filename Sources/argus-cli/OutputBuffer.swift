//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Buffered writes to a file descriptor: printing a line per host of a 65,000-host scan
/// should cost a few system calls, not 65,000.
final class OutputBuffer {
    private let fileDescriptor: Int32
    private var bytes: [UInt8] = []

    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        bytes.reserveCapacity(1 << 16)
    }

    /// Appends text.
    func write(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Appends raw bytes.
    func write(bytes more: some Sequence<UInt8>) {
        bytes.append(contentsOf: more)
    }

    /// Ends the line; writes out when 64 KiB are pending (only at line ends, so that
    /// ``pad(toColumn:)`` always sees the whole line).
    func newline() {
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= 1 << 16 { flush() }
    }

    /// Appends a number in decimal.
    func write(number: Int) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        var value = number.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
            value /= 10
        } while value > 0
        bytes[start...].reverse()
    }

    /// Appends spaces until the current line is `column` characters long (at least one space).
    func pad(toColumn column: Int) {
        let lineStart = (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        let spaces = max(1, column - (bytes.count - lineStart))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: spaces))
    }

    /// Writes out everything pending. A closed pipe (`| head`) ends the output quietly.
    func flush() {
        var offset = 0
        bytes.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let written = Glibc.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    break
                }
                offset += written
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Writes a line to standard error.
func printStandardError(_ line: String) {
    var bytes = Array(line.utf8)
    bytes.append(UInt8(ascii: "\n"))
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
