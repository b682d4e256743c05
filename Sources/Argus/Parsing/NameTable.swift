//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A small map from libxml2's element and attribute name pointers to what they mean.
///
/// libxml2's SAX2 parser interns every element and attribute name in its parser dictionary,
/// which lives as long as the parser and never frees an entry, so one name arrives as one
/// pointer for the whole document and a lookup is a hash of the pointer. A hit is still checked
/// against the name's first two bytes, a cheap guard should a pointer ever be reused. The table
/// holds at most 192 names and starts afresh when full (a document with thousands of unknown
/// names costs only speed).
struct NameTable<Value> {
    private static var capacity: Int { 256 }
    private var keys: [UnsafeRawPointer?] = Array(repeating: nil, count: capacity)
    private var prefixes: [(UInt8, UInt8)] = Array(repeating: (0, 0), count: capacity)
    private var values: [Value?] = Array(repeating: nil, count: capacity)
    private var count = 0

    private static func slot(_ pointer: UnsafeRawPointer) -> Int {
        let bits = UInt(bitPattern: pointer)
        return Int(truncatingIfNeeded: (bits >> 4) ^ (bits >> 12)) & (capacity - 1)
    }

    /// The value stored for this name, if any.
    func value(for name: UnsafePointer<UInt8>) -> Value? {
        let key = UnsafeRawPointer(name)
        var index = Self.slot(key)
        while let stored = keys[index] {
            if stored == key, name[0] == prefixes[index].0, name[0] == 0 || name[1] == prefixes[index].1 {
                return values[index]
            }
            index = (index + 1) & (Self.capacity - 1)
        }
        return nil
    }

    /// Stores a value for this name.
    mutating func insert(_ value: Value, for name: UnsafePointer<UInt8>) {
        if count >= Self.capacity * 3 / 4 { self = NameTable() }
        let key = UnsafeRawPointer(name)
        var index = Self.slot(key)
        while let stored = keys[index], stored != key {
            index = (index + 1) & (Self.capacity - 1)
        }
        if keys[index] == nil { count += 1 }
        keys[index] = key
        prefixes[index] = (name[0], name[0] == 0 ? 0 : name[1])
        values[index] = value
    }
}
