//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

internal import CLibXML2

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The SAX2 callbacks' state: turns libxml2's element events into the Argus model.
///
/// Owned by one ``NmapXMLReader``, which keeps it in memory of its own and passes a pointer
/// to it as libxml2's user data. Being a struct reached through that pointer (not a class),
/// its fields are mutated without Swift's run-time exclusivity checks, which would otherwise
/// cost more than the parsing itself on large scans.
struct NmapXMLBuilder {
    /// libxml2's first error, copied out of its struct.
    struct LibraryError: Sendable {
        var code: Int32
        var message: String
        var line: Int
        var column: Int
    }

    let limits: NmapXMLReader.Limits
    let onEvent: (NmapXMLEvent) -> Void
    var context: xmlParserCtxtPtr?
    /// Our own refusal (limits, declarations, wrong root, bad values).
    private(set) var failure: NmapXMLError?
    /// libxml2's first error (not well-formed, truncated input).
    private(set) var libraryFailure: LibraryError?
    /// True once `<nmaprun>` was opened.
    private(set) var sawRoot = false

    private var run = ScanRun()
    private var startedSent = false
    private var stack: [Element] = []
    // The host, port and service being read. They are plain values with a flag, not optionals:
    // mutating a field through an optional of a large struct costs a copy of the whole struct.
    private var host = HostObservation()
    private var inHost = false
    // A port is built in place as the last element of `host.ports` (copying ports and services
    // around costs more than reading them).
    private var inPort = false
    private var portHasState = false
    private var inService = false
    private var osMatch: OSMatch?
    private var osClass: OSClass?
    private var extraPorts: ExtraPorts?
    private var trace: Trace?
    private var script: ScriptResult?
    private var scriptLevels: [(key: String?, elements: [ScriptElement])] = []
    private var elemKey: String?
    private var finished: RunStats.Finished?
    private var hostCounts: RunStats.HostCounts?
    private var text: [UInt8] = []
    private var capturingText = false

    // Attribute values of the element being opened, indexed by `Attribute.rawValue`.
    private var attributes = AttributeValues()
    private var elementNames = NameTable<Element>()
    private var attributeNames = NameTable<Attribute?>()

    init(limits: NmapXMLReader.Limits, onEvent: @escaping (NmapXMLEvent) -> Void) {
        self.limits = limits
        self.onEvent = onEvent
        text.reserveCapacity(4096)
    }

    /// The builder behind libxml2's user-data pointer.
    static func at(_ pointer: UnsafeMutableRawPointer) -> UnsafeMutablePointer<NmapXMLBuilder> {
        pointer.assumingMemoryBound(to: NmapXMLBuilder.self)
    }

    // MARK: - Position and failure

    /// Where the element being replayed from a tape began (no parser context then).
    var replayPosition = (line: 0, column: 0)

    var line: Int {
        guard let context else { return replayPosition.line }
        return Int(xmlSAX2GetLineNumber(UnsafeMutableRawPointer(context)))
    }

    var column: Int {
        guard let context else { return replayPosition.column }
        return Int(xmlSAX2GetColumnNumber(UnsafeMutableRawPointer(context)))
    }

    private mutating func fail(_ code: NmapXMLError.Code, _ message: String) {
        guard failure == nil else { return }
        failure = NmapXMLError(code, line: line, column: column, message: message)
        if let context { xmlStopParser(context) }
    }

    mutating func refuseDeclaration(_ what: String, _ name: UnsafePointer<xmlChar>?) {
        fail(.declarationsRefused, Self.declarationRefused(what, name))
    }

    mutating func libraryError(_ error: xmlError) {
        guard libraryFailure == nil, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        var message = error.message.map { String(cString: $0) } ?? "error \(error.code)"
        message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        while message.hasSuffix(" ") { message.removeLast() }
        libraryFailure = LibraryError(code: error.code, message: message, line: Int(error.line), column: Int(error.int2))
    }

    func malformed(_ error: LibraryError) -> NmapXMLError {
        if error.code == Int32(XML_ERR_DOCUMENT_EMPTY.rawValue) {
            return NmapXMLError(.malformed, line: error.line, column: error.column, message: "not XML: the input does not start with an element")
        }
        return NmapXMLError(.malformed, line: error.line, column: error.column, message: "not well-formed XML: \(error.message)")
    }

    mutating func markTruncated() {
        markTruncated(
            detail: libraryFailure?.message ?? "the document ends early", line: libraryFailure?.line ?? line, column: libraryFailure?.column ?? column
        )
    }

    mutating func markTruncated(detail: String, line: Int, column: Int) {
        let partial = (inHost && stack.contains(.host)) ? (host.primaryAddress ?? "(address not yet read)") : nil
        run.truncation = Truncation(line: line, column: column, partialHost: partial, detail: detail)
    }

    /// Takes libxml2's first error as seen by another parser (the tape writer's).
    mutating func adopt(libraryFailure: LibraryError?) {
        if self.libraryFailure == nil { self.libraryFailure = libraryFailure }
    }

    /// Ends the document once libxml2 has seen the end of input.
    ///
    /// - Parameters:
    ///   - finishFailure: A refusal raised while libxml2 read the end of input; libxml2 then
    ///     still reports the start tag it was reading, with attributes cut short, so such a
    ///     refusal is part of the cut.
    ///   - terminateFailed: libxml2 reported an error for the end of input.
    ///   - sawContent: Anything but white space was read.
    /// - Throws: ``NmapXMLError`` when the input was empty or not nmap XML at all.
    mutating func conclude(finishFailure: NmapXMLError?, terminateFailed: Bool, sawContent: Bool) throws -> ScanRun {
        if let error = finishFailure {
            guard sawRoot else { throw error }
            markTruncated(detail: error.message, line: error.line, column: error.column)
            return finishRun()
        }
        if terminateFailed || libraryFailure != nil {
            guard sawRoot else {
                if !sawContent {
                    throw NmapXMLError(.empty, line: 0, column: 0, message: "the input is empty: no nmap XML to read")
                }
                if let libraryFailure { throw malformed(libraryFailure) }
                throw NmapXMLError(.malformed, line: line, column: column, message: "not XML")
            }
            markTruncated()
        }
        return finishRun()
    }

    mutating func finishRun() -> ScanRun {
        sendStartedIfNeeded()
        if let finished { run.runStats = RunStats(finished: finished, hosts: hostCounts) }
        return run
    }

    private mutating func sendStartedIfNeeded() {
        guard !startedSent, sawRoot else { return }
        startedSent = true
        onEvent(.started(run))
    }

    // MARK: - Names

    private mutating func resolveElement(_ name: UnsafePointer<xmlChar>) -> Element {
        if let element = elementNames.value(for: name) { return element }
        let element = Element.byName[String(cString: name)] ?? .unknown
        elementNames.insert(element, for: name)
        return element
    }

    private mutating func resolveAttribute(_ name: UnsafePointer<xmlChar>) -> Attribute? {
        if let attribute = attributeNames.value(for: name) { return attribute }
        let attribute = Attribute.byName[String(cString: name)]
        attributeNames.insert(attribute, for: name)
        return attribute
    }

    private mutating func required(_ attribute: Attribute, of element: Element) -> String? {
        if let value = attributes.string(attribute) { return value }
        fail(.invalidValue, "<\(element)> has no \(attribute.xmlName) attribute")
        return nil
    }

    private mutating func requiredEnum<T>(_ attribute: Attribute, of element: Element, in keywords: Keywords<T>) -> T? {
        guard let bytes = attributes.raw(attribute) else {
            fail(.invalidValue, "<\(element)> has no \(attribute.xmlName) attribute")
            return nil
        }
        guard let parsed = keywords.match(bytes) else {
            let value = attributes.string(attribute) ?? ""
            fail(.invalidValue, "<\(element) \(attribute.xmlName)=\"\(value.prefix(40))\"> is not a value nmap writes")
            return nil
        }
        return parsed
    }

    // MARK: - SAX events

    mutating func startElement(
        _ name: UnsafePointer<xmlChar>, attributeCount: Int, attributes attributeList: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        guard failure == nil else { return }
        let element = resolveElement(name)
        attributes.removeAll()
        if attributeCount > 0, let attributeList {
            for index in 0..<attributeCount {
                let entry = attributeList + index * 5
                guard let localname = entry[0], let start = entry[3], let end = entry[4] else { continue }
                let length = end - start
                guard length <= limits.maxAttributeLength else {
                    fail(.tooLong, Self.attributeTooLong(localname, of: name, length: length, limit: limits.maxAttributeLength))
                    return
                }
                if let attribute = resolveAttribute(localname) {
                    attributes.set(attribute, UnsafeBufferPointer(start: start, count: length))
                }
            }
        }
        begin(element) { String(cString: name) }
    }

    mutating func clearAttributes() { attributes.removeAll() }

    mutating func setAttribute(_ attribute: Attribute, _ value: UnsafeBufferPointer<UInt8>) {
        attributes.set(attribute, value)
    }

    /// Opens an element replayed from a tape, its attributes set with ``setAttribute(_:_:)``.
    mutating func replayBegin(_ element: Element, name: String) {
        begin(element) { name }
    }

    /// Opens an element whose attributes are in ``attributes``.
    private mutating func begin(_ element: Element, name: () -> String) {
        guard stack.count < limits.maxDepth else {
            fail(.tooDeep, "elements are nested more than \(limits.maxDepth) deep")
            return
        }
        let parent = stack.last
        if parent == nil {
            guard element == .nmaprun else {
                fail(.notNmapOutput, Self.wrongRoot(name()))
                return
            }
            sawRoot = true
        } else if parent == .nmaprun, !startedSent, element != .scaninfo, element != .verbose, element != .debugging {
            sendStartedIfNeeded()
        }
        stack.append(element)
        open(element, parent: parent, name: name)
    }

    // MARK: - Messages shared with the tape writer

    static func attributeTooLong(_ attribute: UnsafePointer<xmlChar>, of element: UnsafePointer<xmlChar>, length: Int, limit: Int) -> String {
        "attribute \(String(cString: attribute)) of <\(String(cString: element))> is \(length) bytes long; the limit is \(limit)"
    }

    static func wrongRoot(_ name: String) -> String {
        "the root element is <\(name.prefix(40))>, not <nmaprun>: this is not nmap XML output"
    }

    static func declarationRefused(_ what: String, _ name: UnsafePointer<xmlChar>?) -> String {
        let named = name.map { String(cString: $0) } ?? "?"
        return
            "the document declares \(what) '\(named)' in a DTD; nmap never writes declarations, so the file is refused (external entities and entity expansion are never processed)"
    }

    private mutating func open(_ element: Element, parent: Element?, name: () -> String) {
        switch element {
        case .nmaprun:
            run.scanner = attributes.string(.scanner) ?? "nmap"
            run.arguments = attributes.string(.args)
            run.startTime = attributes.date(.start)
            run.startTimeText = attributes.string(.startstr)
            run.version = attributes.string(.version)
            run.xmlOutputVersion = attributes.string(.xmloutputversion)
            run.profileName = attributes.string(.profileName)
        case .scaninfo:
            run.scanInfo.append(
                ScanInfo(
                    type: attributes.string(.type) ?? "", scanFlags: attributes.string(.scanflags), protocol: attributes.string(.protocol) ?? "",
                    numberOfServices: attributes.int(.numservices), services: attributes.string(.services)))
        case .verbose:
            run.verbosity = attributes.int(.level)
        case .debugging:
            run.debugging = attributes.int(.level)
        case .target:
            guard checkRunItems(run.skippedTargets.count, "<target>") else { return }
            run.skippedTargets.append(
                SkippedTarget(
                    specification: attributes.string(.specification) ?? "", status: attributes.string(.status), reason: attributes.string(.reason)))
        case .taskbegin, .taskend:
            let event = TaskEvent(task: attributes.string(.task) ?? "", time: attributes.date(.time), extraInfo: attributes.string(.extrainfo))
            onEvent(element == .taskbegin ? .taskBegan(event) : .taskEnded(event))
        case .taskprogress:
            onEvent(
                .progress(
                    TaskProgress(
                        task: attributes.string(.task) ?? "", time: attributes.date(.time), percent: attributes.double(.percent) ?? 0,
                        remaining: attributes.int(.remaining), estimatedCompletion: attributes.date(.etc))))
        case .host, .hosthint:
            var observation = HostObservation()
            observation.startTime = attributes.date(.starttime)
            observation.endTime = attributes.date(.endtime)
            observation.timedOut = attributes.string(.timedout) == "true"
            observation.comment = attributes.string(.comment)
            host = observation
            inHost = true
        case .status:
            guard let state = requiredEnum(.state, of: .status, in: HostStatus.State.keywords) else { return }
            let value = HostStatus(state: state, reason: attributes.string(.reason), reasonTTL: attributes.int(.reasonTTL))
            host.status = value
        case .address:
            guard let address = required(.addr, of: .address) else { return }
            var type = HostAddress.AddressType.ipv4
            if attributes.raw(.addrtype) != nil {
                guard let parsed = requiredEnum(.addrtype, of: .address, in: HostAddress.AddressType.keywords) else { return }
                type = parsed
            }
            let value = HostAddress(address: address, type: type, vendor: attributes.string(.vendor))
            host.addresses.append(value)
        case .hostname:
            guard let hostname = attributes.string(.name) else { return }
            let value = Hostname(name: hostname, type: attributes.string(.type).flatMap(Hostname.NameType.init(rawValue:)))
            host.hostnames.append(value)
        case .smurf:
            if let responses = attributes.int(.responses) { host.smurfResponses.append(responses) }
        case .extraports:
            extraPorts = ExtraPorts(state: attributes.string(.state) ?? "", count: attributes.int(.count) ?? 0)
        case .extrareasons:
            let value = ExtraPorts.ExtraReasons(
                reason: attributes.string(.reason) ?? "", count: attributes.int(.count) ?? 0, protocol: attributes.string(.proto),
                ports: attributes.string(.ports))
            extraPorts?.reasons.append(value)
        case .port:
            guard let proto = requiredEnum(.protocol, of: .port, in: TransportProtocol.keywords) else { return }
            guard let number = attributes.int(.portid), (0...65535).contains(number) else {
                fail(.invalidValue, "<port portid=\"\(attributes.string(.portid)?.prefix(20) ?? "")\"> is not a port number (0–65535)")
                return
            }
            host.ports.append(PortObservation(protocol: proto, number: number, state: PortState(state: .closed)))
            inPort = true
            portHasState = false
        case .state:
            guard parent == .port, let state = requiredEnum(.state, of: .state, in: PortState.State.keywords) else { return }
            let value = PortState(
                state: state, reason: attributes.string(.reason), reasonTTL: attributes.int(.reasonTTL), reasonIP: attributes.string(.reasonIP))
            if inPort { host.ports[host.ports.count - 1].state = value }
            portHasState = true
        case .owner:
            let value = attributes.string(.name)
            if inPort { host.ports[host.ports.count - 1].owner = value }
        case .service:
            var value = Service(name: attributes.string(.name) ?? "unknown")
            value.product = attributes.string(.product)
            value.version = attributes.string(.version)
            value.extraInfo = attributes.string(.extrainfo)
            value.hostname = attributes.string(.hostname)
            value.osType = attributes.string(.ostype)
            value.deviceType = attributes.string(.devicetype)
            value.tunnel = attributes.string(.tunnel)
            value.method = attributes.string(.method).flatMap(Service.Method.init(rawValue:))
            value.confidence = attributes.int(.conf)
            value.rpcProtocol = attributes.string(.proto)
            value.rpcNumber = attributes.int(.rpcnum)
            value.rpcLowVersion = attributes.int(.lowver)
            value.rpcHighVersion = attributes.int(.highver)
            value.fingerprint = attributes.string(.servicefp)
            if inPort {
                host.ports[host.ports.count - 1].service = value
                inService = true
            }
        case .cpe, .elem, .output:
            if element == .elem { elemKey = attributes.string(.key) }
            text.removeAll(keepingCapacity: true)
            capturingText = true
        case .script:
            script = ScriptResult(id: attributes.string(.id) ?? "", output: attributes.string(.output) ?? "")
            scriptLevels = [(nil, [])]
        case .table:
            if script != nil { scriptLevels.append((attributes.string(.key), [])) }
        case .os:
            host.os = OSDetection()
        case .portused:
            let value = OSDetection.PortUsed(
                state: attributes.string(.state) ?? "", protocol: attributes.string(.proto) ?? "", port: attributes.int(.portid) ?? 0)
            host.os?.portsUsed.append(value)
        case .osmatch:
            osMatch = OSMatch(name: attributes.string(.name) ?? "", accuracy: attributes.int(.accuracy) ?? 0, line: attributes.int(.line))
        case .osclass:
            osClass = OSClass(
                type: attributes.string(.type), vendor: attributes.string(.vendor) ?? "", family: attributes.string(.osfamily) ?? "",
                generation: attributes.string(.osgen), accuracy: attributes.int(.accuracy) ?? 0)
        case .osfingerprint:
            if let fingerprint = attributes.string(.fingerprint) { host.os?.fingerprints.append(fingerprint) }
        case .distance:
            let value = attributes.int(.value)
            host.distance = value
        case .uptime:
            let value = Uptime(seconds: attributes.int(.seconds) ?? 0, lastBoot: attributes.string(.lastboot))
            host.uptime = value
        case .tcpsequence:
            let value = TCPSequence(
                index: attributes.int(.index) ?? 0, difficulty: attributes.string(.difficulty) ?? "", values: attributes.string(.values) ?? "")
            host.tcpSequence = value
        case .ipidsequence:
            let value = SequenceClass(class: attributes.string(.class) ?? "", values: attributes.string(.values))
            host.ipIDSequence = value
        case .tcptssequence:
            let value = SequenceClass(class: attributes.string(.class) ?? "", values: attributes.string(.values))
            host.tcpTimestampSequence = value
        case .trace:
            trace = Trace(protocol: attributes.string(.proto), port: attributes.int(.port))
        case .hop:
            let value = Trace.Hop(
                ttl: attributes.int(.ttl) ?? 0, address: attributes.string(.ipaddr), rtt: attributes.double(.rtt), host: attributes.string(.host))
            trace?.hops.append(value)
        case .times:
            let value = Times(smoothedRTT: attributes.int(.srtt), rttVariance: attributes.int(.rttvar), timeout: attributes.int(.to))
            host.times = value
        case .finished:
            finished = RunStats.Finished(
                time: attributes.date(.time), timeText: attributes.string(.timestr), summary: attributes.string(.summary),
                elapsed: attributes.double(.elapsed), exit: attributes.string(.exit).flatMap(RunStats.ExitStatus.init(rawValue:)),
                errorMessage: attributes.string(.errormsg))
        case .hosts:
            if parent == .runstats {
                hostCounts = RunStats.HostCounts(up: attributes.int(.up) ?? 0, down: attributes.int(.down) ?? 0, total: attributes.int(.total) ?? 0)
            }
        case .hostnames, .ports, .hostscript, .prescript, .postscript, .runstats:
            break
        case .unknown:
            let key = name()
            if run.unrecognizedElements[key] != nil || run.unrecognizedElements.count < 100 {
                run.unrecognizedElements[key, default: 0] += 1
            }
        }
    }

    private mutating func checkRunItems(_ count: Int, _ what: String) -> Bool {
        guard count < limits.maxRunItems else {
            fail(.tooLong, "more than \(limits.maxRunItems) \(what) elements")
            return false
        }
        return true
    }

    mutating func characters(_ bytes: UnsafePointer<xmlChar>, count: Int) {
        guard capturingText, failure == nil else { return }
        guard text.count + count <= limits.maxTextLength else {
            fail(.tooLong, "a text is longer than \(limits.maxTextLength) bytes")
            return
        }
        text.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
    }

    private mutating func takeText() -> String {
        capturingText = false
        return String(decoding: text, as: UTF8.self)
    }

    mutating func endElement() {
        guard failure == nil, let element = stack.popLast() else { return }
        let parent = stack.last
        switch element {
        case .host:
            if inHost {
                inHost = false
                run.hostsRead += 1
                onEvent(.host(host))
            }
        case .hosthint:
            if inHost {
                inHost = false
                onEvent(.hostHint(host))
            }
        case .port:
            guard inPort else { return }
            inPort = false
            guard portHasState else {
                fail(.invalidValue, "<port portid=\"\(host.ports.last?.number ?? 0)\"> has no <state>")
                return
            }
        case .service:
            inService = false
        case .cpe:
            let cpe = takeText()
            if parent == .service {
                if inService { host.ports[host.ports.count - 1].service?.cpes.append(cpe) }
            } else if parent == .osclass {
                osClass?.cpes.append(cpe)
            }
        case .elem:
            let value = takeText()
            if !scriptLevels.isEmpty {
                scriptLevels[scriptLevels.count - 1].elements.append(.value(key: elemKey, value))
            }
            elemKey = nil
        case .table:
            if scriptLevels.count > 1, let level = scriptLevels.popLast() {
                scriptLevels[scriptLevels.count - 1].elements.append(.table(key: level.key, level.elements))
            }
        case .script:
            guard var result = script else { return }
            result.elements = scriptLevels.first?.elements ?? []
            script = nil
            scriptLevels.removeAll(keepingCapacity: true)
            switch parent {
            case .port: if inPort { host.ports[host.ports.count - 1].scripts.append(result) }
            case .hostscript: host.hostScripts.append(result)
            case .prescript:
                guard checkRunItems(run.preScripts.count, "pre-scan <script>") else { return }
                run.preScripts.append(result)
            case .postscript:
                guard checkRunItems(run.postScripts.count, "post-scan <script>") else { return }
                run.postScripts.append(result)
            default: break
            }
        case .output:
            let message = takeText()
            guard checkRunItems(run.messages.count, "<output>") else { return }
            run.messages.append(message)
        case .osclass:
            if let finishedClass = osClass.take() { osMatch?.classes.append(finishedClass) }
        case .osmatch:
            if let finishedMatch = osMatch.take() { host.os?.matches.append(finishedMatch) }
        case .extraports:
            if let summary = extraPorts.take() { host.extraPorts.append(summary) }
        case .trace:
            host.trace = trace.take()
        case .nmaprun:
            sendStartedIfNeeded()
        default:
            break
        }
    }
}

// MARK: - Attribute values

extension NmapXMLBuilder {
    /// The attribute values of the element being opened, as pointers into libxml2's buffer
    /// (valid only during the callback), indexed by attribute.
    ///
    /// Kept apart from the builder so that reading a value never copies the builder itself.
    struct AttributeValues {
        private var values: [UnsafeBufferPointer<UInt8>?] = Array(repeating: nil, count: Attribute.allCases.count)
        private var touched: [Int] = []

        mutating func removeAll() {
            for index in touched { values[index] = nil }
            touched.removeAll(keepingCapacity: true)
        }

        mutating func set(_ attribute: Attribute, _ value: UnsafeBufferPointer<UInt8>) {
            values[attribute.rawValue] = value
            touched.append(attribute.rawValue)
        }

        func raw(_ attribute: Attribute) -> UnsafeBufferPointer<UInt8>? {
            values[attribute.rawValue]
        }

        func string(_ attribute: Attribute) -> String? {
            guard let bytes = raw(attribute) else { return nil }
            guard let base = bytes.baseAddress, memchr(base, Int32(UInt8(ascii: "&")), bytes.count) != nil else {
                return String(decoding: bytes, as: UTF8.self)
            }
            return Self.decodeAmpersands(bytes)
        }

        /// Without entity substitution, libxml2 hands on every `&` of an attribute value (from
        /// `&amp;` or `&#38;`) as the text `&#38;`, and decodes every other reference itself; since
        /// declared entities are refused, this is the only escape left to undo.
        static func decodeAmpersands(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
            let escape: [UInt8] = Array("#38;".utf8)
            var decoded: [UInt8] = []
            decoded.reserveCapacity(bytes.count)
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                decoded.append(byte)
                index += 1
                if byte == UInt8(ascii: "&"), index + escape.count <= bytes.count,
                    bytes[index..<(index + escape.count)].elementsEqual(escape)
                {
                    index += escape.count
                }
            }
            return String(decoding: decoded, as: UTF8.self)
        }

        func int(_ attribute: Attribute) -> Int? {
            guard let bytes = raw(attribute), !bytes.isEmpty, bytes.count <= 18 else { return nil }
            var index = 0
            var negative = false
            if bytes[0] == UInt8(ascii: "-") {
                negative = true
                index = 1
                guard bytes.count > 1 else { return nil }
            }
            var value = 0
            while index < bytes.count {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
                index += 1
            }
            return negative ? -value : value
        }

        func double(_ attribute: Attribute) -> Double? {
            string(attribute).flatMap { Double($0) }
        }

        func date(_ attribute: Attribute) -> Date? {
            int(attribute).map { Date(timeIntervalSince1970: Double($0)) }
        }
    }
}

// MARK: - Names nmap writes

extension NmapXMLBuilder {
    /// Every element of nmap's DTD (nmap 7.9x), plus `unknown`.
    enum Element: Int, CaseIterable {
        case nmaprun, scaninfo, verbose, debugging, target, taskbegin, taskprogress, taskend
        case hosthint, prescript, postscript, host, output, runstats, finished, hosts
        case status, address, hostnames, hostname, smurf, ports, extraports, extrareasons
        case port, state, owner, service, cpe, script, table, elem
        case os, portused, osmatch, osclass, osfingerprint, distance, uptime
        case tcpsequence, ipidsequence, tcptssequence, hostscript, trace, hop, times
        case unknown

        static let byName: [String: Element] = Dictionary(
            uniqueKeysWithValues: allCases.filter { $0 != .unknown }.map { (String(describing: $0), $0) })
    }

    /// Every attribute Argus reads; the XML name is the case name unless listed in `xmlName`.
    enum Attribute: Int, CaseIterable {
        case addr, addrtype, vendor, name, type, state, reason, reasonTTL, reasonIP
        case `protocol`, portid, product, version, extrainfo, ostype, devicetype, tunnel, method, conf
        case proto, rpcnum, lowver, highver, hostname, servicefp, id, output, key
        case scanner, args, start, startstr, xmloutputversion, profileName, scanflags, numservices, services
        case level, specification, status, task, time, percent, remaining, etc
        case starttime, endtime, timedout, comment, responses, count, ports
        case accuracy, line, osfamily, osgen, fingerprint, value, seconds, lastboot
        case index, difficulty, values, `class`, port, ttl, rtt, ipaddr, host
        case srtt, rttvar, to, timestr, summary, elapsed, exit, errormsg, up, down, total

        var xmlName: String {
            switch self {
            case .reasonTTL: "reason_ttl"
            case .reasonIP: "reason_ip"
            case .profileName: "profile_name"
            default: String(describing: self)
            }
        }

        static let byName: [String: Attribute] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.xmlName, $0) })
    }
}
