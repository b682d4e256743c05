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

/// The raw values of a string enum as bytes, so that attribute values can be matched without
/// first being made into Strings (the reader matches millions of them on a large scan).
struct Keywords<Value: CaseIterable & RawRepresentable & Sendable>: Sendable where Value.RawValue == String {
    private let entries: [(bytes: [UInt8], value: Value)]

    init() {
        entries = Value.allCases.map { (Array($0.rawValue.utf8), $0) }
    }

    /// The case whose raw value is exactly these bytes.
    func match(_ bytes: UnsafeBufferPointer<UInt8>) -> Value? {
        guard let base = bytes.baseAddress else { return nil }
        for entry in entries where entry.bytes.count == bytes.count {
            if entry.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, base, bytes.count) == 0 }) {
                return entry.value
            }
        }
        return nil
    }
}

extension HostStatus.State {
    static let keywords = Keywords<Self>()
}

extension HostAddress.AddressType {
    static let keywords = Keywords<Self>()
}

extension TransportProtocol {
    static let keywords = Keywords<Self>()
}

extension PortState.State {
    static let keywords = Keywords<Self>()
}
