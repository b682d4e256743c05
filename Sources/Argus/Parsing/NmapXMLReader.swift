//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

internal import CLibXML2

/// A streaming reader of nmap's XML output (`-oX`), on libxml2's SAX2 push parser.
///
/// Feed it bytes as they arrive — a file read in chunks, or nmap's standard output while
/// nmap runs — and it hands on each host as soon as its `</host>` is read, so memory stays
/// flat however large the scan. ``finish()`` returns the run's description.
///
/// ```swift
/// let reader = NmapXMLReader { event in
///     if case .host(let host) = event { print(host.primaryAddress ?? "?") }
/// }
/// try reader.feed(chunk)          // as often as bytes arrive
/// let run = try reader.finish()   // run.isComplete tells whether nmap finished
/// ```
///
/// The input is treated as hostile: nothing is fetched from the network, no DTD is loaded,
/// documents that declare entities (external-entity and entity-expansion attacks) are
/// refused, and attribute values, texts and nesting depth are bounded by ``Limits``.
/// Output cut short (nmap killed, a partial file) is not an error: every complete host is
/// handed on and ``ScanRun/truncation`` says where the input ended.
///
/// A reader is not thread-safe: one task owns it. Events are delivered synchronously from
/// within ``feed(_:)-([UInt8])`` and ``finish()``.
public final class NmapXMLReader {
    /// Bounds that keep a hostile document from exhausting memory.
    public struct Limits: Sendable, Hashable {
        /// The longest attribute value accepted, in bytes (service fingerprints and script
        /// output are the longest nmap writes; a few KiB in practice).
        public var maxAttributeLength: Int
        /// The longest text accepted in one element (`<elem>`, `<cpe>`, `<output>`), in bytes.
        public var maxTextLength: Int
        /// The deepest element nesting accepted (nmap's deepest is a script table a few levels down).
        public var maxDepth: Int
        /// The most run-level records kept (skipped targets, messages, pre- and post-scripts).
        public var maxRunItems: Int

        /// Creates limits; the defaults suit every real nmap output.
        public init(maxAttributeLength: Int = 1 << 20, maxTextLength: Int = 4 << 20, maxDepth: Int = 64, maxRunItems: Int = 10_000) {
            self.maxAttributeLength = maxAttributeLength
            self.maxTextLength = maxTextLength
            self.maxDepth = maxDepth
            self.maxRunItems = maxRunItems
        }
    }

    private let state: UnsafeMutablePointer<NmapXMLBuilder>
    private var builder: NmapXMLBuilder {
        _read { yield state.pointee }
    }
    private var context: xmlParserCtxtPtr?
    private var failure: NmapXMLError?
    private var result: ScanRun?
    private var sawContent = false

    private static let libraryInitialized: Bool = {
        xmlInitParser()
        return true
    }()

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - limits: Bounds on attribute, text and nesting sizes.
    ///   - onEvent: Called for each ``NmapXMLEvent``, in document order, from within
    ///     ``feed(_:)-([UInt8])`` and ``finish()``.
    public init(limits: Limits = Limits(), onEvent: @escaping (NmapXMLEvent) -> Void) {
        _ = Self.libraryInitialized
        state = .allocate(capacity: 1)
        state.initialize(to: NmapXMLBuilder(limits: limits, onEvent: onEvent))
        var handler = xmlSAXHandler()
        handler.initialized = XML_SAX2_MAGIC
        handler.startElementNs = { ctx, localname, _, _, _, _, count, _, attributes in
            guard let ctx, let localname else { return }
            NmapXMLBuilder.at(ctx).pointee.startElement(localname, attributeCount: Int(count), attributes: attributes)
        }
        handler.endElementNs = { ctx, _, _, _ in
            guard let ctx else { return }
            NmapXMLBuilder.at(ctx).pointee.endElement()
        }
        handler.characters = { ctx, text, length in
            guard let ctx, let text else { return }
            NmapXMLBuilder.at(ctx).pointee.characters(text, count: Int(length))
        }
        handler.cdataBlock = handler.characters
        // Declarations are refused: nmap never writes them, and they are what XXE and
        // entity-expansion ("billion laughs") attacks are made of.
        handler.entityDecl = { ctx, name, _, _, _, _ in
            guard let ctx else { return }
            NmapXMLBuilder.at(ctx).pointee.refuseDeclaration("an entity", name)
        }
        handler.elementDecl = { ctx, name, _, _ in
            guard let ctx else { return }
            NmapXMLBuilder.at(ctx).pointee.refuseDeclaration("an element", name)
        }
        handler.attributeDecl = { ctx, element, _, _, _, _, tree in
            if let tree { xmlFreeEnumeration(tree) }
            guard let ctx else { return }
            NmapXMLBuilder.at(ctx).pointee.refuseDeclaration("an attribute of", element)
        }
        handler.notationDecl = { ctx, name, _, _ in
            guard let ctx else { return }
            NmapXMLBuilder.at(ctx).pointee.refuseDeclaration("a notation", name)
        }
        handler.unparsedEntityDecl = { ctx, name, _, _, _ in
            guard let ctx else { return }
            NmapXMLBuilder.at(ctx).pointee.refuseDeclaration("an unparsed entity", name)
        }
        handler.serror = { ctx, error in
            guard let ctx, let error else { return }
            NmapXMLBuilder.at(ctx).pointee.libraryError(error.pointee)
        }
        context = xmlCreatePushParserCtxt(&handler, UnsafeMutableRawPointer(state), nil, 0, nil)
        if let context {
            // No network, no DTD loading, no entity substitution (XML_PARSE_NOENT is never set),
            // libxml2's own diagnostics go to `serror` only.
            let options = XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            xmlCtxtUseOptions(context, Int32(options))
            state.pointee.context = context
        } else {
            failure = NmapXMLError(.unreadable, line: 0, column: 0, message: "libxml2 could not create a parser (out of memory)")
        }
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Reads more bytes of the document.
    ///
    /// Events for everything complete in these bytes are delivered before this returns.
    /// - Throws: ``NmapXMLError`` when the bytes are not nmap XML; events delivered before the
    ///   error stand, and every later call throws the same error.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws {
        if let failure { throw failure }
        guard result == nil else {
            throw NmapXMLError(.malformed, line: 0, column: 0, message: "bytes were fed after finish()")
        }
        guard let context, let base = bytes.baseAddress, bytes.count > 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let size = min(bytes.count - offset, 1 << 30)
            let status = (base + offset).withMemoryRebound(to: CChar.self, capacity: size) {
                xmlParseChunk(context, $0, Int32(size), 0)
            }
            if !sawContent {
                sawContent = UnsafeRawBufferPointer(start: base + offset, count: size).contains { !Self.isBlank($0) }
            }
            offset += size
            if status != 0 || builder.failure != nil || builder.libraryFailure != nil {
                let error =
                    builder.failure ?? builder.libraryFailure.map { builder.malformed($0) }
                    ?? NmapXMLError(.malformed, line: builder.line, column: builder.column, message: "libxml2 stopped with error \(status)")
                failure = error
                throw error
            }
        }
    }

    /// Reads more bytes of the document.
    /// - Throws: ``NmapXMLError``, as ``feed(_:)-(UnsafeRawBufferPointer)``.
    public func feed(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try feed($0) }
    }

    /// Ends the document and returns the run's description.
    ///
    /// Input that stops early — nmap killed, a file cut short — is not an error once the
    /// `<nmaprun>` root was read: ``ScanRun/truncation`` then says where it ended, and
    /// ``ScanRun/isComplete`` is false.
    /// - Throws: ``NmapXMLError`` when there was no input, it was not nmap XML, or an earlier
    ///   ``feed(_:)-(UnsafeRawBufferPointer)`` failed.
    public func finish() throws -> ScanRun {
        if let failure { throw failure }
        if let result { return result }
        guard let context else { throw NmapXMLError(.unreadable, line: 0, column: 0, message: "no parser") }
        let status = xmlParseChunk(context, nil, 0, 1)
        do {
            let run = try state.pointee.conclude(finishFailure: builder.failure, terminateFailed: status != 0, sawContent: sawContent)
            result = run
            return run
        } catch let error as NmapXMLError {
            failure = error
            throw error
        }
    }
}

// MARK: - Convenience

extension NmapXMLReader {
    /// A whole document read at once: the run and every host.
    public struct Document: Sendable, Hashable {
        /// The run's description.
        public var run: ScanRun
        /// Every complete host, in document order.
        public var hosts: [HostObservation]
    }

    /// Reads a whole document held in memory.
    ///
    /// Keeps every host in memory; for large files use ``read(fileDescriptor:limits:onEvent:)``.
    /// - Throws: ``NmapXMLError``.
    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws -> Document {
        var hosts: [HostObservation] = []
        let reader = NmapXMLReader(limits: limits) { event in
            if case .host(let host) = event { hosts.append(host) }
        }
        try reader.feed(bytes)
        let run = try reader.finish()
        return Document(run: run, hosts: hosts)
    }

    /// Reads a document from an open file descriptor (a file, a pipe, standard input) in
    /// chunks, handing on events as they are read.
    ///
    /// - Parameters:
    ///   - fileDescriptor: Read until end of file; not closed.
    ///   - limits: Bounds on attribute, text and nesting sizes.
    ///   - onEvent: Called for each event.
    /// - Returns: The run's description.
    /// - Throws: ``NmapXMLError``; `.unreadable` when reading fails.
    public static func read(fileDescriptor: Int32, limits: Limits = Limits(), onEvent: @escaping (NmapXMLEvent) -> Void) throws -> ScanRun {
        let reader = NmapXMLReader(limits: limits, onEvent: onEvent)
        let chunkSize = 256 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = readChunk(fileDescriptor, buffer)
            if count == 0 { break }
            if count < 0 {
                throw NmapXMLError(.unreadable, line: 0, column: 0, message: "reading failed: \(systemErrorMessage())")
            }
            try reader.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return try reader.finish()
    }

    /// Reads the nmap XML file at a path; see ``read(fileDescriptor:limits:onEvent:)``.
    /// - Throws: ``NmapXMLError``; `.unreadable` when the file cannot be opened or read.
    public static func read(path: String, limits: Limits = Limits(), onEvent: @escaping (NmapXMLEvent) -> Void) throws -> ScanRun {
        let descriptor = openForReading(path)
        guard descriptor >= 0 else {
            throw NmapXMLError(.unreadable, line: 0, column: 0, message: "cannot open \(path): \(systemErrorMessage())")
        }
        defer { closeDescriptor(descriptor) }
        return try read(fileDescriptor: descriptor, limits: limits, onEvent: onEvent)
    }

    /// The version of the libxml2 library in use, e.g. `20914`.
    public static var libraryVersion: String {
        String(cString: argus_xmlParserVersion())
    }
}
