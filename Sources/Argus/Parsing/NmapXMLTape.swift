//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

internal import CLibXML2

#if canImport(Glibc)
    import Glibc
#endif

/// The records of a tape: libxml2's element events, written compactly by one thread and
/// replayed into an ``NmapXMLBuilder`` by another, so that XML parsing and model building run
/// on two cores.
///
/// ```
/// start:     1, element, line (u32), column (u32), attribute count (u8),
///            [name length (u16), name — unknown elements only],
///            attribute count × (attribute, length (u32), bytes)
/// end:       2
/// text:      3, length (u32), bytes            (inside <elem>, <cpe> and <output> only)
/// finishing: 4                                  (libxml2 is reading the end of input)
/// ```
enum TapeRecord: UInt8 {
    case start = 1
    case end = 2
    case text = 3
    case finishing = 4
}

/// Growable bytes written with plain stores and copies (Swift array appends cost more than
/// libxml2's own work on this path).
struct TapeBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    func deallocate() { base.deallocate() }

    private mutating func reserve(_ more: Int) {
        guard count + more > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + more { newCapacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        grown.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        reserve(MemoryLayout<T>.size)
        base.storeBytes(of: value.littleEndian, toByteOffset: count, as: T.self)
        count += MemoryLayout<T>.size
    }

    mutating func append(_ bytes: UnsafePointer<UInt8>, count length: Int) {
        reserve(length)
        (base + count).copyMemory(from: bytes, byteCount: length)
        count += length
    }

    mutating func set(_ byte: UInt8, at offset: Int) {
        base.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
    }

    mutating func truncate(to length: Int) { count = min(count, length) }

    /// The bytes written, as an array; the buffer is emptied.
    mutating func take() -> [UInt8] {
        defer { count = 0 }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    var isEmpty: Bool { count == 0 }
}

/// The SAX side of a tape: resolves names, applies the checks that must stop libxml2 at once
/// (declarations, the root element, attribute length), and writes records.
struct NmapXMLTapeWriter {
    typealias Element = NmapXMLBuilder.Element
    typealias Attribute = NmapXMLBuilder.Attribute

    let limits: NmapXMLReader.Limits
    var context: xmlParserCtxtPtr?
    var tape = TapeBuffer(capacity: 1 << 18)
    private(set) var failure: NmapXMLError?
    private(set) var libraryFailure: NmapXMLBuilder.LibraryError?
    private var depth = 0
    private var textDepth = 0
    private var elementNames = NameTable<Element>()
    private var attributeNames = NameTable<Attribute?>()

    init(limits: NmapXMLReader.Limits) {
        self.limits = limits
    }

    static func at(_ pointer: UnsafeMutableRawPointer) -> UnsafeMutablePointer<NmapXMLTapeWriter> {
        pointer.assumingMemoryBound(to: NmapXMLTapeWriter.self)
    }

    private var position: (line: Int, column: Int) {
        guard let context else { return (0, 0) }
        let raw = UnsafeMutableRawPointer(context)
        return (Int(xmlSAX2GetLineNumber(raw)), Int(xmlSAX2GetColumnNumber(raw)))
    }

    private mutating func fail(_ code: NmapXMLError.Code, _ message: String) {
        guard failure == nil else { return }
        let (line, column) = position
        failure = NmapXMLError(code, line: line, column: column, message: message)
        if let context { xmlStopParser(context) }
    }

    mutating func refuseDeclaration(_ what: String, _ name: UnsafePointer<xmlChar>?) {
        fail(.declarationsRefused, NmapXMLBuilder.declarationRefused(what, name))
    }

    mutating func libraryError(_ error: xmlError) {
        guard libraryFailure == nil, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        var message = error.message.map { String(cString: $0) } ?? "error \(error.code)"
        message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        while message.hasSuffix(" ") { message.removeLast() }
        libraryFailure = NmapXMLBuilder.LibraryError(code: error.code, message: message, line: Int(error.line), column: Int(error.int2))
    }

    private static func capturesText(_ element: Element) -> Bool {
        element == .elem || element == .cpe || element == .output
    }

    mutating func startElement(_ name: UnsafePointer<xmlChar>, attributeCount: Int, attributes list: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard failure == nil else { return }
        let element: Element
        if let known = elementNames.value(for: name) {
            element = known
        } else {
            element = Element.byName[String(cString: name)] ?? .unknown
            elementNames.insert(element, for: name)
        }
        if depth == 0 && element != .nmaprun {
            fail(.notNmapOutput, NmapXMLBuilder.wrongRoot(String(cString: name)))
            return
        }
        let (line, column) = position
        let recordStart = tape.count
        tape.append(TapeRecord.start.rawValue)
        tape.append(UInt8(element.rawValue))
        tape.append(UInt32(truncatingIfNeeded: line))
        tape.append(UInt32(truncatingIfNeeded: column))
        let countIndex = tape.count
        tape.append(UInt8(0))
        if element == .unknown {
            let length = min(strlen(name), 1_000)
            tape.append(UInt16(length))
            tape.append(name, count: length)
        }
        var count: UInt8 = 0
        if attributeCount > 0, let list {
            for index in 0..<attributeCount {
                let entry = list + index * 5
                guard let localname = entry[0], let start = entry[3], let end = entry[4] else { continue }
                let length = end - start
                guard length <= limits.maxAttributeLength else {
                    tape.truncate(to: recordStart)
                    fail(.tooLong, NmapXMLBuilder.attributeTooLong(localname, of: name, length: length, limit: limits.maxAttributeLength))
                    return
                }
                let attribute: Attribute?
                if let known = attributeNames.value(for: localname) {
                    attribute = known
                } else {
                    attribute = Attribute.byName[String(cString: localname)]
                    attributeNames.insert(attribute, for: localname)
                }
                guard let attribute else { continue }
                tape.append(UInt8(attribute.rawValue))
                tape.append(UInt32(length))
                tape.append(start, count: length)
                count += 1
            }
        }
        tape.set(count, at: countIndex)
        depth += 1
        if Self.capturesText(element) { textDepth += 1 }
    }

    mutating func endElement(_ name: UnsafePointer<xmlChar>) {
        guard failure == nil else { return }
        depth -= 1
        if let element = elementNames.value(for: name), Self.capturesText(element) { textDepth -= 1 }
        tape.append(TapeRecord.end.rawValue)
    }

    mutating func characters(_ bytes: UnsafePointer<xmlChar>, count: Int) {
        guard failure == nil, textDepth > 0 else { return }
        tape.append(TapeRecord.text.rawValue)
        tape.append(UInt32(count))
        tape.append(bytes, count: count)
    }

    mutating func markFinishing() {
        tape.append(TapeRecord.finishing.rawValue)
    }
}

/// A libxml2 push parser whose SAX events go to a tape.
final class NmapXMLTapeParser {
    let state: UnsafeMutablePointer<NmapXMLTapeWriter>
    private var context: xmlParserCtxtPtr?

    init(limits: NmapXMLReader.Limits) {
        state = .allocate(capacity: 1)
        state.initialize(to: NmapXMLTapeWriter(limits: limits))
        var handler = xmlSAXHandler()
        handler.initialized = XML_SAX2_MAGIC
        handler.startElementNs = { ctx, localname, _, _, _, _, count, _, attributes in
            guard let ctx, let localname else { return }
            NmapXMLTapeWriter.at(ctx).pointee.startElement(localname, attributeCount: Int(count), attributes: attributes)
        }
        handler.endElementNs = { ctx, localname, _, _ in
            guard let ctx, let localname else { return }
            NmapXMLTapeWriter.at(ctx).pointee.endElement(localname)
        }
        handler.characters = { ctx, text, length in
            guard let ctx, let text else { return }
            NmapXMLTapeWriter.at(ctx).pointee.characters(text, count: Int(length))
        }
        handler.cdataBlock = handler.characters
        handler.entityDecl = { ctx, name, _, _, _, _ in
            guard let ctx else { return }
            NmapXMLTapeWriter.at(ctx).pointee.refuseDeclaration("an entity", name)
        }
        handler.elementDecl = { ctx, name, _, _ in
            guard let ctx else { return }
            NmapXMLTapeWriter.at(ctx).pointee.refuseDeclaration("an element", name)
        }
        handler.attributeDecl = { ctx, element, _, _, _, _, tree in
            if let tree { xmlFreeEnumeration(tree) }
            guard let ctx else { return }
            NmapXMLTapeWriter.at(ctx).pointee.refuseDeclaration("an attribute of", element)
        }
        handler.notationDecl = { ctx, name, _, _ in
            guard let ctx else { return }
            NmapXMLTapeWriter.at(ctx).pointee.refuseDeclaration("a notation", name)
        }
        handler.unparsedEntityDecl = { ctx, name, _, _, _ in
            guard let ctx else { return }
            NmapXMLTapeWriter.at(ctx).pointee.refuseDeclaration("an unparsed entity", name)
        }
        handler.serror = { ctx, error in
            guard let ctx, let error else { return }
            NmapXMLTapeWriter.at(ctx).pointee.libraryError(error.pointee)
        }
        context = xmlCreatePushParserCtxt(&handler, UnsafeMutableRawPointer(state), nil, 0, nil)
        if let context {
            let options = XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            xmlCtxtUseOptions(context, Int32(options))
            state.pointee.context = context
        }
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
        state.pointee.tape.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Feeds bytes; false once libxml2 or the writer refused the input.
    func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let context, let base = bytes.baseAddress, !bytes.isEmpty else { return context != nil }
        let status = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            xmlParseChunk(context, $0, Int32(bytes.count), 0)
        }
        return status == 0 && state.pointee.failure == nil && state.pointee.libraryFailure == nil
    }

    /// Reads the end of input; true when libxml2 reported an error for it.
    func finish() -> Bool {
        state.pointee.markFinishing()
        guard let context else { return true }
        return xmlParseChunk(context, nil, 0, 1) != 0
    }

    /// Takes the records written so far.
    func takeTape() -> [UInt8] {
        state.pointee.tape.take()
    }
}

extension NmapXMLBuilder {
    /// Replays tape records; stops at the first refusal (``failure``). Sets `finishing` when the
    /// records of libxml2's end of input begin.
    mutating func replay(_ tape: UnsafeRawBufferPointer, finishing: inout Bool) {
        var offset = 0
        func read<T: FixedWidthInteger>(_: T.Type) -> T {
            defer { offset += MemoryLayout<T>.size }
            return T(littleEndian: tape.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        while offset < tape.count, failure == nil {
            guard let record = TapeRecord(rawValue: read(UInt8.self)) else { return }
            switch record {
            case .start:
                let element = Element(rawValue: Int(read(UInt8.self))) ?? .unknown
                let line = Int(read(UInt32.self))
                let column = Int(read(UInt32.self))
                replayPosition = (line, column)
                let count = Int(read(UInt8.self))
                var name = ""
                if element == .unknown {
                    let length = Int(read(UInt16.self))
                    name = String(decoding: UnsafeRawBufferPointer(rebasing: tape[offset..<(offset + length)]), as: UTF8.self)
                    offset += length
                }
                clearAttributes()
                for _ in 0..<count {
                    let attribute = Attribute(rawValue: Int(read(UInt8.self)))
                    let length = Int(read(UInt32.self))
                    let bytes = UnsafeRawBufferPointer(rebasing: tape[offset..<(offset + length)]).bindMemory(to: UInt8.self)
                    offset += length
                    if let attribute { setAttribute(attribute, bytes) }
                }
                replayBegin(element, name: name)
            case .end:
                endElement()
            case .text:
                let length = Int(read(UInt32.self))
                if let base = tape.baseAddress {
                    characters((base + offset).assumingMemoryBound(to: UInt8.self), count: length)
                }
                offset += length
            case .finishing:
                finishing = true
            }
        }
    }
}
