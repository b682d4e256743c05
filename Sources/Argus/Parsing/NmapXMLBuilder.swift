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
/// Owned by one ``NmapXMLReader``; reached from the C callbacks through the parser's user
/// data pointer.
final class NmapXMLBuilder {
    /// libxml2's first error, copied out of its struct.
    struct LibraryError {
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
    private var host: HostObservation?
    private var port: PortObservation?
    private var portHasState = false
    private var service: Service?
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
    private let attributeValues: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>?>
    private var touchedAttributes: [Int] = []
    // libxml2 interns names in its dictionary, so a name's pointer identifies it; each hit is
    // still checked with strcmp, so a reused pointer can never be misread.
    private var elementCache: [UnsafeRawPointer: (element: Element, name: [CChar])] = [:]
    private var attributeCache: [UnsafeRawPointer: (attribute: Attribute?, name: [CChar])] = [:]

    init(limits: NmapXMLReader.Limits, onEvent: @escaping (NmapXMLEvent) -> Void) {
        self.limits = limits
        self.onEvent = onEvent
        attributeValues = .allocate(capacity: Attribute.allCases.count)
        attributeValues.initialize(repeating: nil)
        text.reserveCapacity(4096)
    }

    deinit {
        attributeValues.deallocate()
    }

    static func from(_ pointer: UnsafeMutableRawPointer) -> NmapXMLBuilder {
        Unmanaged<NmapXMLBuilder>.fromOpaque(pointer).takeUnretainedValue()
    }

    // MARK: - Position and failure

    var line: Int {
        guard let context else { return 0 }
        return Int(xmlSAX2GetLineNumber(UnsafeMutableRawPointer(context)))
    }

    var column: Int {
        guard let context else { return 0 }
        return Int(xmlSAX2GetColumnNumber(UnsafeMutableRawPointer(context)))
    }

    private func fail(_ code: NmapXMLError.Code, _ message: String) {
        guard failure == nil else { return }
        failure = NmapXMLError(code, line: line, column: column, message: message)
        if let context { xmlStopParser(context) }
    }

    func refuseDeclaration(_ what: String, _ name: UnsafePointer<xmlChar>?) {
        let named = name.map { String(cString: $0) } ?? "?"
        fail(.declarationsRefused, "the document declares \(what) '\(named)' in a DTD; nmap never writes declarations, so the file is refused (external entities and entity expansion are never processed)")
    }

    func libraryError(_ error: xmlError) {
        guard libraryFailure == nil, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        var message = error.message.map { String(cString: $0) } ?? "error \(error.code)"
        message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        while message.hasSuffix(" ") { message.removeLast() }
        libraryFailure = LibraryError(code: error.code, message: message, line: Int(error.line), column: Int(error.int2))
    }

    func malformed(_ error: LibraryError) -> NmapXMLError {
        NmapXMLError(.malformed, line: error.line, column: error.column, message: "not well-formed XML: \(error.message)")
    }

    func markTruncated() {
        markTruncated(detail: libraryFailure?.message ?? "the document ends early", line: libraryFailure?.line ?? line, column: libraryFailure?.column ?? column)
    }

    func markTruncated(detail: String, line: Int, column: Int) {
        let partial = (host != nil && stack.contains(.host)) ? (host?.primaryAddress ?? "(address not yet read)") : nil
        run.truncation = Truncation(line: line, column: column, partialHost: partial, detail: detail)
    }

    func finishRun() -> ScanRun {
        sendStartedIfNeeded()
        if let finished { run.runStats = RunStats(finished: finished, hosts: hostCounts) }
        return run
    }

    private func sendStartedIfNeeded() {
        guard !startedSent, sawRoot else { return }
        startedSent = true
        onEvent(.started(run))
    }

    // MARK: - Names

    private func resolveElement(_ name: UnsafePointer<xmlChar>) -> Element {
        let key = UnsafeRawPointer(name)
        if let cached = elementCache[key], strcmp(key.assumingMemoryBound(to: CChar.self), cached.name) == 0 {
            return cached.element
        }
        let string = String(cString: name)
        let element = Element.byName[string] ?? .unknown
        elementCache[key] = (element, Array(string.utf8CString))
        return element
    }

    private func resolveAttribute(_ name: UnsafePointer<xmlChar>) -> Attribute? {
        let key = UnsafeRawPointer(name)
        if let cached = attributeCache[key], strcmp(key.assumingMemoryBound(to: CChar.self), cached.name) == 0 {
            return cached.attribute
        }
        let string = String(cString: name)
        let attribute = Attribute.byName[string]
        attributeCache[key] = (attribute, Array(string.utf8CString))
        return attribute
    }

    // MARK: - Attribute values

    private func raw(_ attribute: Attribute) -> UnsafeBufferPointer<UInt8>? {
        attributeValues[attribute.rawValue]
    }

    private func string(_ attribute: Attribute) -> String? {
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

    private func int(_ attribute: Attribute) -> Int? {
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

    private func double(_ attribute: Attribute) -> Double? {
        string(attribute).flatMap { Double($0) }
    }

    private func date(_ attribute: Attribute) -> Date? {
        int(attribute).map { Date(timeIntervalSince1970: Double($0)) }
    }

    private func required(_ attribute: Attribute, of element: Element) -> String? {
        if let value = string(attribute) { return value }
        fail(.invalidValue, "<\(element)> has no \(attribute.xmlName) attribute")
        return nil
    }

    private func requiredEnum<T: RawRepresentable>(_ attribute: Attribute, of element: Element, as _: T.Type) -> T? where T.RawValue == String {
        guard let value = required(attribute, of: element) else { return nil }
        guard let parsed = T(rawValue: value) else {
            fail(.invalidValue, "<\(element) \(attribute.xmlName)=\"\(value.prefix(40))\"> is not a value nmap writes")
            return nil
        }
        return parsed
    }

    // MARK: - SAX events

    func startElement(_ name: UnsafePointer<xmlChar>, attributeCount: Int, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard failure == nil else { return }
        let element = resolveElement(name)
        for index in touchedAttributes { attributeValues[index] = nil }
        touchedAttributes.removeAll(keepingCapacity: true)
        if attributeCount > 0, let attributes {
            for index in 0..<attributeCount {
                let entry = attributes + index * 5
                guard let localname = entry[0], let start = entry[3], let end = entry[4] else { continue }
                let length = end - start
                guard length <= limits.maxAttributeLength else {
                    fail(.tooLong, "attribute \(String(cString: localname)) of <\(String(cString: name))> is \(length) bytes long; the limit is \(limits.maxAttributeLength)")
                    return
                }
                if let attribute = resolveAttribute(localname) {
                    attributeValues[attribute.rawValue] = UnsafeBufferPointer(start: start, count: length)
                    touchedAttributes.append(attribute.rawValue)
                }
            }
        }
        guard stack.count < limits.maxDepth else {
            fail(.tooDeep, "elements are nested more than \(limits.maxDepth) deep")
            return
        }
        let parent = stack.last
        if parent == nil {
            guard element == .nmaprun else {
                fail(.notNmapOutput, "the root element is <\(String(cString: name).prefix(40))>, not <nmaprun>: this is not nmap XML output")
                return
            }
            sawRoot = true
        } else if parent == .nmaprun, !startedSent, element != .scaninfo, element != .verbose, element != .debugging {
            sendStartedIfNeeded()
        }
        stack.append(element)
        open(element, parent: parent, name: name)
    }

    private func open(_ element: Element, parent: Element?, name: UnsafePointer<xmlChar>) {
        switch element {
        case .nmaprun:
            run.scanner = string(.scanner) ?? "nmap"
            run.arguments = string(.args)
            run.startTime = date(.start)
            run.startTimeText = string(.startstr)
            run.version = string(.version)
            run.xmlOutputVersion = string(.xmloutputversion)
            run.profileName = string(.profileName)
        case .scaninfo:
            run.scanInfo.append(ScanInfo(type: string(.type) ?? "", scanFlags: string(.scanflags), protocol: string(.protocol) ?? "", numberOfServices: int(.numservices), services: string(.services)))
        case .verbose:
            run.verbosity = int(.level)
        case .debugging:
            run.debugging = int(.level)
        case .target:
            guard checkRunItems(run.skippedTargets.count, "<target>") else { return }
            run.skippedTargets.append(SkippedTarget(specification: string(.specification) ?? "", status: string(.status), reason: string(.reason)))
        case .taskbegin, .taskend:
            let event = TaskEvent(task: string(.task) ?? "", time: date(.time), extraInfo: string(.extrainfo))
            onEvent(element == .taskbegin ? .taskBegan(event) : .taskEnded(event))
        case .taskprogress:
            onEvent(.progress(TaskProgress(task: string(.task) ?? "", time: date(.time), percent: double(.percent) ?? 0, remaining: int(.remaining), estimatedCompletion: date(.etc))))
        case .host, .hosthint:
            var observation = HostObservation()
            observation.startTime = date(.starttime)
            observation.endTime = date(.endtime)
            observation.timedOut = string(.timedout) == "true"
            observation.comment = string(.comment)
            host = observation
        case .status:
            guard let state = requiredEnum(.state, of: .status, as: HostStatus.State.self) else { return }
            host?.status = HostStatus(state: state, reason: string(.reason), reasonTTL: int(.reasonTTL))
        case .address:
            guard let address = required(.addr, of: .address) else { return }
            var type = HostAddress.AddressType.ipv4
            if raw(.addrtype) != nil {
                guard let parsed = requiredEnum(.addrtype, of: .address, as: HostAddress.AddressType.self) else { return }
                type = parsed
            }
            host?.addresses.append(HostAddress(address: address, type: type, vendor: string(.vendor)))
        case .hostname:
            guard let hostname = string(.name) else { return }
            host?.hostnames.append(Hostname(name: hostname, type: string(.type).flatMap(Hostname.NameType.init(rawValue:))))
        case .smurf:
            if let responses = int(.responses) { host?.smurfResponses.append(responses) }
        case .extraports:
            extraPorts = ExtraPorts(state: string(.state) ?? "", count: int(.count) ?? 0)
        case .extrareasons:
            extraPorts?.reasons.append(ExtraPorts.ExtraReasons(reason: string(.reason) ?? "", count: int(.count) ?? 0, protocol: string(.proto), ports: string(.ports)))
        case .port:
            guard let proto = requiredEnum(.protocol, of: .port, as: TransportProtocol.self) else { return }
            guard let number = int(.portid), (0...65535).contains(number) else {
                fail(.invalidValue, "<port portid=\"\(string(.portid)?.prefix(20) ?? "")\"> is not a port number (0–65535)")
                return
            }
            port = PortObservation(protocol: proto, number: number, state: PortState(state: .closed))
            portHasState = false
        case .state:
            guard parent == .port, let state = requiredEnum(.state, of: .state, as: PortState.State.self) else { return }
            port?.state = PortState(state: state, reason: string(.reason), reasonTTL: int(.reasonTTL), reasonIP: string(.reasonIP))
            portHasState = true
        case .owner:
            port?.owner = string(.name)
        case .service:
            var value = Service(name: string(.name) ?? "unknown")
            value.product = string(.product)
            value.version = string(.version)
            value.extraInfo = string(.extrainfo)
            value.hostname = string(.hostname)
            value.osType = string(.ostype)
            value.deviceType = string(.devicetype)
            value.tunnel = string(.tunnel)
            value.method = string(.method).flatMap(Service.Method.init(rawValue:))
            value.confidence = int(.conf)
            value.rpcProtocol = string(.proto)
            value.rpcNumber = int(.rpcnum)
            value.rpcLowVersion = int(.lowver)
            value.rpcHighVersion = int(.highver)
            value.fingerprint = string(.servicefp)
            service = value
        case .cpe, .elem, .output:
            if element == .elem { elemKey = string(.key) }
            text.removeAll(keepingCapacity: true)
            capturingText = true
        case .script:
            script = ScriptResult(id: string(.id) ?? "", output: string(.output) ?? "")
            scriptLevels = [(nil, [])]
        case .table:
            if script != nil { scriptLevels.append((string(.key), [])) }
        case .os:
            host?.os = OSDetection()
        case .portused:
            host?.os?.portsUsed.append(OSDetection.PortUsed(state: string(.state) ?? "", protocol: string(.proto) ?? "", port: int(.portid) ?? 0))
        case .osmatch:
            osMatch = OSMatch(name: string(.name) ?? "", accuracy: int(.accuracy) ?? 0, line: int(.line))
        case .osclass:
            osClass = OSClass(type: string(.type), vendor: string(.vendor) ?? "", family: string(.osfamily) ?? "", generation: string(.osgen), accuracy: int(.accuracy) ?? 0)
        case .osfingerprint:
            if let fingerprint = string(.fingerprint) { host?.os?.fingerprints.append(fingerprint) }
        case .distance:
            host?.distance = int(.value)
        case .uptime:
            host?.uptime = Uptime(seconds: int(.seconds) ?? 0, lastBoot: string(.lastboot))
        case .tcpsequence:
            host?.tcpSequence = TCPSequence(index: int(.index) ?? 0, difficulty: string(.difficulty) ?? "", values: string(.values) ?? "")
        case .ipidsequence:
            host?.ipIDSequence = SequenceClass(class: string(.class) ?? "", values: string(.values))
        case .tcptssequence:
            host?.tcpTimestampSequence = SequenceClass(class: string(.class) ?? "", values: string(.values))
        case .trace:
            trace = Trace(protocol: string(.proto), port: int(.port))
        case .hop:
            trace?.hops.append(Trace.Hop(ttl: int(.ttl) ?? 0, address: string(.ipaddr), rtt: double(.rtt), host: string(.host)))
        case .times:
            host?.times = Times(smoothedRTT: int(.srtt), rttVariance: int(.rttvar), timeout: int(.to))
        case .finished:
            finished = RunStats.Finished(time: date(.time), timeText: string(.timestr), summary: string(.summary), elapsed: double(.elapsed), exit: string(.exit).flatMap(RunStats.ExitStatus.init(rawValue:)), errorMessage: string(.errormsg))
        case .hosts:
            if parent == .runstats {
                hostCounts = RunStats.HostCounts(up: int(.up) ?? 0, down: int(.down) ?? 0, total: int(.total) ?? 0)
            }
        case .hostnames, .ports, .hostscript, .prescript, .postscript, .runstats:
            break
        case .unknown:
            let key = String(cString: name)
            if run.unrecognizedElements[key] != nil || run.unrecognizedElements.count < 100 {
                run.unrecognizedElements[key, default: 0] += 1
            }
        }
    }

    private func checkRunItems(_ count: Int, _ what: String) -> Bool {
        guard count < limits.maxRunItems else {
            fail(.tooLong, "more than \(limits.maxRunItems) \(what) elements")
            return false
        }
        return true
    }

    func characters(_ bytes: UnsafePointer<xmlChar>, count: Int) {
        guard capturingText, failure == nil else { return }
        guard text.count + count <= limits.maxTextLength else {
            fail(.tooLong, "a text is longer than \(limits.maxTextLength) bytes")
            return
        }
        text.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
    }

    private func takeText() -> String {
        capturingText = false
        return String(decoding: text, as: UTF8.self)
    }

    func endElement(_ name: UnsafePointer<xmlChar>) {
        guard failure == nil, let element = stack.popLast() else { return }
        let parent = stack.last
        switch element {
        case .host:
            if let finishedHost = host {
                run.hostsRead += 1
                host = nil
                onEvent(.host(finishedHost))
            }
        case .hosthint:
            if let hint = host {
                host = nil
                onEvent(.hostHint(hint))
            }
        case .port:
            guard let finishedPort = port else { return }
            guard portHasState else {
                fail(.invalidValue, "<port portid=\"\(finishedPort.number)\"> has no <state>")
                return
            }
            host?.ports.append(finishedPort)
            port = nil
        case .service:
            port?.service = service
            service = nil
        case .cpe:
            let cpe = takeText()
            if parent == .service {
                service?.cpes.append(cpe)
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
            case .port: port?.scripts.append(result)
            case .hostscript: host?.hostScripts.append(result)
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
            if let finishedClass = osClass { osMatch?.classes.append(finishedClass) }
            osClass = nil
        case .osmatch:
            if let finishedMatch = osMatch { host?.os?.matches.append(finishedMatch) }
            osMatch = nil
        case .extraports:
            if let summary = extraPorts { host?.extraPorts.append(summary) }
            extraPorts = nil
        case .trace:
            host?.trace = trace
            trace = nil
        case .nmaprun:
            sendStartedIfNeeded()
        default:
            break
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
