//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads up to `buffer.count` bytes, retrying on EINTR; 0 at end of file, -1 on error.
func readChunk(_ descriptor: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    while true {
        let count = read(descriptor, buffer.baseAddress, buffer.count)
        if count < 0 && errno == EINTR { continue }
        return count
    }
}

/// Opens a file read-only; -1 on error (see ``systemErrorMessage()``).
func openForReading(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_CLOEXEC)
}

/// Closes a descriptor.
func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// The C library's message for the current `errno`.
func systemErrorMessage() -> String {
    String(cString: strerror(errno))
}

/// An environment variable's value, when set and not empty.
func getenvString(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    let text = String(cString: value)
    return text.isEmpty ? nil : text
}

/// A whole (small) file as text, or `nil` when it cannot be read.
func readWholeFile(_ path: String) -> String? {
    let descriptor = openForReading(path)
    guard descriptor >= 0 else { return nil }
    defer { closeDescriptor(descriptor) }
    var bytes: [UInt8] = []
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let count = readChunk(descriptor, buffer)
        if count < 0 { return nil }
        if count == 0 { break }
        bytes += UnsafeRawBufferPointer(rebasing: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}
