//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Testing

/// The reader on output written by real nmap runs (see `Scripts/make-fixtures.sh`).
@Suite struct NmapXMLReaderFixtureTests {
    @Test func servicesScanKeepsEveryServiceField() throws {
        let document = try Fixture.document("services")
        #expect(document.run.isComplete)
        #expect(document.run.version == "7.93")
        #expect(document.run.scanInfo.first?.protocol == "tcp")
        #expect(document.run.scanInfo.first?.numberOfServices == 4)
        #expect(document.run.arguments?.contains("-sV") == true)
        #expect(document.hosts.count == 1)
        let host = try #require(document.hosts.first)
        #expect(host.ipv4 == "127.0.0.1")
        #expect(host.status == HostStatus(state: .up, reason: "localhost-response", reasonTTL: 0))
        #expect(host.startTime != nil && host.endTime != nil)

        let ftp = try #require(host.ports.first { $0.number == 22021 })
        #expect(ftp.state.state == .open)
        #expect(ftp.state.reason == "syn-ack")
        #expect(ftp.service?.name == "ftp")
        #expect(ftp.service?.product == "vsftpd")
        #expect(ftp.service?.version == "2.3.4")
        #expect(ftp.service?.method == .probed)
        #expect(ftp.service?.confidence == 10)
        #expect(ftp.service?.cpes == ["cpe:/a:vsftpd:vsftpd:2.3.4"])

        let ssh = try #require(host.ports.first { $0.number == 22022 })
        #expect(ssh.service?.version == "7.4p1 Debian 10+deb9u7")
        #expect(ssh.service?.extraInfo == "protocol 2.0")
        #expect(ssh.service?.osType == "Linux")
        #expect(ssh.service?.cpes == ["cpe:/a:openbsd:openssh:7.4p1", "cpe:/o:linux:linux_kernel"])

        let http = try #require(host.ports.first { $0.number == 28080 })
        #expect(http.service?.product == "Apache httpd")
        let title = try #require(http.scripts.first { $0.id == "http-title" })
        // nmap reports the title as the page wrote it, HTML entity included.
        #expect(title["title"] == "Argus test &amp; lab")
        #expect(title.output.contains("Argus test &amp; lab"))
        #expect(http.service?.fingerprint == nil)
        #expect(http.scripts.contains { $0.id == "http-server-header" })

        let closed = try #require(host.ports.first { $0.number == 1 })
        #expect(closed.state.state == .closed)
        #expect(closed.state.reason == "reset")
        #expect(host.openPorts.count == 3)
    }

    @Test func servicesScanKeepsOSDetection() throws {
        let host = try #require(try Fixture.document("services").hosts.first)
        guard let os = host.os else {
            // The fixture is made without -O when its script does not run as root.
            return
        }
        #expect(!os.matches.isEmpty)
        let best = try #require(os.bestMatch)
        #expect(best.accuracy > 50)
        #expect(best.classes.first?.cpes.first?.hasPrefix("cpe:/o:linux") == true)
        #expect(!os.portsUsed.isEmpty)
        #expect(os.fingerprints.first?.hasPrefix("OS:SCAN") == true)
        #expect(host.tcpSequence?.difficulty.isEmpty == false)
        #expect(host.ipIDSequence != nil)
        #expect(host.uptime != nil)
        #expect(host.distance == 0)
        #expect(host.times?.timeout == 100_000)
    }

    @Test func rangeScanHasEveryHostAndItsClosedPortSummary() throws {
        let document = try Fixture.document("range")
        #expect(document.hosts.map(\.ipv4) == (1...6).map { "127.0.0.\($0)" })
        #expect(document.run.runStats?.hosts == RunStats.HostCounts(up: 6, down: 0, total: 6))
        let first = try #require(document.hosts.first)
        #expect(first.openPorts.map(\.number) == [22021, 22022, 22445, 28080])
        #expect(first.ports.count == 24)
        #expect(document.hosts[1].ports.allSatisfy { $0.state.state == .closed && $0.state.reason == "conn-refused" })
    }

    @Test func closedPortsAreSummarised() throws {
        let host = try #require(try Fixture.document("progress").hosts.first)
        let summary = try #require(host.extraPorts.first)
        #expect(summary.state == "closed")
        #expect(summary.count + host.ports.count == 65_535)
        #expect(summary.reasons.first?.reason == "conn-refused")
        #expect(summary.reasons.first?.protocol == "tcp")
        #expect(summary.reasons.first?.ports?.hasPrefix("1-") == true)
    }

    @Test func listScanHostsAreNotProbed() throws {
        let document = try Fixture.document("list")
        #expect(document.hosts.count == 8)
        #expect(document.hosts.allSatisfy { $0.status.state == .unknown })
        #expect(document.hosts.last?.ipv4 == "127.0.0.7")
    }

    @Test func ipv6AddressesAreTyped() throws {
        let host = try #require(try Fixture.document("ipv6").hosts.first)
        #expect(host.addresses == [HostAddress(address: "::1", type: .ipv6)])
        #expect(host.ipv6 == "::1")
        #expect(host.primaryAddress == "::1")
        #expect(host.ports.first { $0.number == 28080 }?.state.state == .open)
        #expect(host.ports.first { $0.number == 28081 }?.state.state == .closed)
    }

    @Test func aTargetGivenByNameKeepsTheName() throws {
        let host = try #require(try Fixture.document("named").hosts.first)
        #expect(host.hostnames == [Hostname(name: "localhost", type: .user)])
        #expect(host.primaryHostname == "localhost")
    }

    @Test func macAddressesCarryNmapsVendor() throws {
        var events: [NmapXMLEvent] = []
        let run = try NmapXMLReader.read(path: Fixture.url("mac").path) { events.append($0) }
        #expect(run.isComplete)
        #expect(run.verbosity == 1)
        let all = hosts(in: events)
        #expect(all.count == 2)
        let down = try #require(all.first)
        #expect(down.status.state == .down)
        #expect(down.ipv4 == "10.213.0.3")
        let up = try #require(all.last)
        #expect(up.mac == HostAddress(address: "00:1B:21:3A:4B:5C", type: .mac, vendor: "Intel Corporate"))
        #expect(up.status.reason == "arp-response")
        // Discovery announces the host before its port scan.
        let hint = events.compactMap { if case .hostHint(let host) = $0 { host } else { nil } }
        #expect(hint.first?.mac?.address == "00:1B:21:3A:4B:5C")
        #expect(events.contains(.taskBegan(TaskEvent(task: "ARP Ping Scan", time: Date(timeIntervalSince1970: 1_795_943_947)))))
        #expect(events.contains { if case .taskEnded(let task) = $0 { task.extraInfo == "2 services on 1 host" } else { false } })
    }

    @Test func progressElementsBecomeProgressEvents() throws {
        var events: [NmapXMLEvent] = []
        _ = try NmapXMLReader.read(path: Fixture.url("progress").path) { events.append($0) }
        let progress = events.compactMap { if case .progress(let value) = $0 { value } else { nil } }
        #expect(progress.count >= 3)
        #expect(progress.allSatisfy { $0.task == "Connect Scan" && $0.percent > 0 && $0.percent <= 100 })
        #expect(progress.map(\.percent) == progress.map(\.percent).sorted())
        // The header comes first, then progress, then the host.
        guard case .started(let run) = events.first else {
            Issue.record("the first event is not .started")
            return
        }
        #expect(run.scanInfo.first?.type == "connect")
        #expect(run.runStats == nil)
        #expect(
            events.lastIndex { if case .progress = $0 { true } else { false } }! < events.firstIndex { if case .host = $0 { true } else { false } }!)
    }

    @Test func handWrittenDTDCoverage() throws {
        let document = try Fixture.document("dtd-coverage")
        let run = document.run
        #expect(run.profileName == "Intense scan")
        #expect(run.scanInfo.count == 2)
        #expect(run.scanInfo[1] == ScanInfo(type: "udp", scanFlags: "PSH", protocol: "udp", numberOfServices: 2, services: "53,161"))
        #expect(run.debugging == 1)
        #expect(run.skippedTargets == [SkippedTarget(specification: "bad..name", status: "skipped", reason: "invalid")])
        #expect(run.messages.first?.hasPrefix("Warning: 192.0.2.3 giving up") == true)
        let dhcp = try #require(run.preScripts.first)
        #expect(dhcp.id == "broadcast-dhcp-discover")
        #expect(
            dhcp.elements == [
                .table(
                    key: "Response 1 of 1",
                    [
                        .value(key: "IP Offered", "192.0.2.50"),
                        .table(key: "Domain Name Server", [.value(key: nil, "192.0.2.1"), .value(key: nil, "192.0.2.2")]),
                    ])
            ])
        #expect(run.postScripts.first?.elements == [.table(key: "Key 1", [.value(key: nil, "192.0.2.1")])])
        #expect(run.runStats?.finished.elapsed == 900)
        #expect(run.runStats?.finished.exit == .success)
        #expect(run.isComplete)

        #expect(document.hosts.count == 3)
        let router = document.hosts[0]
        #expect(router.comment == "lab router")
        #expect(router.addresses.map(\.type) == [.ipv4, .ipv6, .mac])
        #expect(router.mac?.vendor == "Apple")
        #expect(router.hostnames == [Hostname(name: "router.lab.example", type: .ptr), Hostname(name: "gw", type: .user)])
        #expect(router.primaryHostname == "gw")
        #expect(router.smurfResponses == [2])
        #expect(router.extraPorts.first?.reasons.count == 2)
        #expect(router.ports.count == 5)
        let ssh = router.ports[0]
        #expect(ssh.owner == "root")
        #expect(
            ssh.scripts.first?.elements == [
                .table(key: nil, [.value(key: "type", "ecdsa-sha2-nistp256"), .value(key: "bits", "256"), .value(key: "fingerprint", "aabb")])
            ])
        let rpc = try #require(router.ports[1].service)
        #expect(rpc.rpcProtocol == "rpc" && rpc.rpcNumber == 100_000 && rpc.rpcLowVersion == 2 && rpc.rpcHighVersion == 4)
        let https = try #require(router.ports[2].service)
        #expect(https.tunnel == "ssl" && https.hostname == "router.lab.example" && https.deviceType == "router")
        #expect(router.ports[3].protocol == .udp)
        #expect(router.ports[3].state == PortState(state: .openFiltered, reason: "no-response", reasonTTL: 0, reasonIP: "192.0.2.254"))
        #expect(router.ports[4].protocol == .sctp && router.ports[4].state.state == .filtered && router.ports[4].service == nil)
        #expect(router.os?.bestMatch?.name == "OpenWrt 21.02")
        #expect(router.os?.matches[1].classes[1] == OSClass(type: "router", vendor: "OpenWrt", family: "embedded", accuracy: 90))
        #expect(router.uptime == Uptime(seconds: 86_400, lastBoot: "Mon Nov 13 22:13:20 2023"))
        #expect(router.distance == 2)
        #expect(router.tcpSequence == TCPSequence(index: 260, difficulty: "Good luck!", values: "1,2,3"))
        #expect(router.tcpTimestampSequence == SequenceClass(class: "1000HZ", values: "A,B,C"))
        #expect(router.hostScripts.first?["lanmanager"] == "Samba 4.15")
        #expect(
            router.trace
                == Trace(
                    protocol: "tcp", port: 22,
                    hops: [
                        Trace.Hop(ttl: 1, address: "192.0.2.254", rtt: 0.51, host: "switch.lab.example"),
                        Trace.Hop(ttl: 2, address: "192.0.2.1", rtt: 1.2),
                    ]))
        #expect(router.times == Times(smoothedRTT: 1200, rttVariance: 300, timeout: 100_000))
        #expect(document.hosts[1].status.state == .down)
        #expect(document.hosts[2].timedOut)
        #expect(run.unrecognizedElements.isEmpty)
    }

    @Test(arguments: Fixture.all)
    func chunkingNeverChangesTheResult(name: String) throws {
        let bytes = try Fixture.bytes(name)
        let whole = try NmapXMLReader.parse(bytes)
        for sizes in [[1], [7, 3, 1024], [4096], [bytes.count]] {
            let (run, events) = try readInChunks(bytes, sizes: sizes)
            #expect(run == whole.run)
            #expect(hosts(in: events) == whole.hosts)
        }
    }

    @Test(arguments: Fixture.all)
    func hostsSurviveAJSONRoundTrip(name: String) throws {
        let document = try Fixture.document(name)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let hosts = try decoder.decode([HostObservation].self, from: try encoder.encode(document.hosts))
        #expect(hosts == document.hosts)
        #expect(try decoder.decode(ScanRun.self, from: try encoder.encode(document.run)) == document.run)
    }

    @Test func summaryCountsHostsPortsServicesAndSystems() throws {
        var summary = ScanSummary()
        for host in try Fixture.document("dtd-coverage").hosts { summary.add(host) }
        #expect(summary.hostsUp == 2)
        #expect(summary.hostsDown == 1)
        #expect(summary.openPorts == 3)
        #expect(summary.services == ["ssh": 1, "rpcbind": 1, "http": 1])
        #expect(summary.operatingSystems == ["OpenWrt 21.02": 1])
        #expect(ScanSummary.ranked(["b": 1, "a": 1, "c": 5]).map(\.name) == ["c", "a", "b"])
    }
}
