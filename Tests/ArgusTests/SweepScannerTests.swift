//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Synchronization
import Testing

/// A scanner that answers from a table: the sweep finds `live`, a port scan reports port 22 open
/// on each host it is given. It counts how many port scans run at once.
final class TableScanner: Argus.Scanner {
    let live: [String]
    let downCount: Int
    let losesHost: String?
    let running = Tally()

    /// How many port scans run now, the most at once, and every request.
    final class Tally: Sendable {
        let state = Mutex((now: 0, most: 0, requests: [ScanRequest]()))
        func withLock<T>(_ body: (inout (now: Int, most: Int, requests: [ScanRequest])) -> T) -> T { state.withLock { body(&$0) } }
    }

    init(live: [String], downCount: Int, losesHost: String? = nil) {
        self.live = live
        self.downCount = downCount
        self.losesHost = losesHost
    }

    static func host(_ address: String, up: Bool = true, ports: [PortObservation] = []) -> HostObservation {
        var host = HostObservation(status: HostStatus(state: up ? .up : .down))
        host.addresses = [HostAddress(address: address, type: .ipv4)]
        host.ports = ports
        return host
    }

    static func run(up: Int, down: Int) -> ScanRun {
        var run = ScanRun()
        run.arguments = "fake"
        run.startTime = Date(timeIntervalSince1970: 1_000)
        run.runStats = RunStats(finished: RunStats.Finished(exit: .success), hosts: RunStats.HostCounts(up: up, down: down, total: up + down))
        return run
    }

    func scan(_ request: ScanRequest) -> AsyncThrowingStream<ScanEvent, any Error> {
        running.withLock { $0.requests.append(request) }
        let live = live
        let downCount = downCount
        let losesHost = losesHost
        let running = running
        return AsyncThrowingStream { continuation in
            Task {
                continuation.yield(.started(Self.run(up: 0, down: 0)))
                if request.profile.ports == nil {
                    for address in live { continuation.yield(.host(Self.host(address))) }
                    for index in 0..<downCount { continuation.yield(.host(Self.host("192.0.2.\(200 + index)", up: false))) }
                    continuation.yield(.finished(Self.run(up: live.count, down: downCount)))
                } else {
                    running.withLock {
                        $0.now += 1
                        $0.most = max($0.most, $0.now)
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                    let addresses = request.targets.targets.map(\.text)
                    for address in addresses where address != losesHost {
                        continuation.yield(
                            .host(Self.host(address, ports: [PortObservation(protocol: .tcp, number: 22, state: PortState(state: .open))])))
                    }
                    running.withLock { $0.now -= 1 }
                    continuation.yield(.finished(Self.run(up: addresses.count, down: 0)))
                }
                continuation.finish()
            }
        }
    }
}

@Suite struct SweepScannerTests {
    static let network = ScanRequest(targets: try! ScanTargetList(["192.0.2.0/24"]), profile: .normal, resolvesNames: false)

    @Test func smallOrDiscoveryOnlyRequestsGoStraightThrough() throws {
        let sweeper = SweepScanner(base: TableScanner(live: [], downCount: 0), threshold: 256)
        #expect(!sweeper.sweeps(Self.network), "a /24 is 256 addresses: not more than the threshold")
        #expect(sweeper.sweeps(ScanRequest(targets: try ScanTargetList(["192.0.2.0/23"]), profile: .normal)))
        #expect(!sweeper.sweeps(ScanRequest(targets: try ScanTargetList(["192.0.2.0/23"]), profile: .quick)), "discovery only")
        var direct = ScanProfile.normal
        direct.skipsDiscovery = true
        #expect(!sweeper.sweeps(ScanRequest(targets: try ScanTargetList(["192.0.2.0/23"]), profile: direct)))
    }

    @Test func sweepsThenPortScansLiveHostsInBoundedBatches() async throws {
        let live = (1...23).map { "192.0.2.\($0)" }
        let base = TableScanner(live: live, downCount: 5, losesHost: "192.0.2.7")
        let sweeper = SweepScanner(base: base, threshold: 16, batchSize: 4, parallelism: 2)
        var hosts: [HostObservation] = []
        var progress: [TaskProgress] = []
        var started = 0
        var finished: ScanRun?
        for try await event in sweeper.scan(Self.network) {
            switch event {
            case .host(let host): hosts.append(host)
            case .progress(let step): progress.append(step)
            case .started: started += 1
            case .finished(let run): finished = run
            case .notice, .degraded: break
            }
        }
        #expect(started == 1)
        // Every live host once; the one its port scan lost comes from the sweep, without ports.
        #expect(hosts.compactMap(\.primaryAddress).sorted() == live.sorted())
        #expect(hosts.filter { !$0.ports.isEmpty }.count == 22)
        #expect(hosts.first { $0.primaryAddress == "192.0.2.7" }?.ports.isEmpty == true)
        // 23 hosts in batches of 4: 6 port scans, never more than 2 at once, all with -Pn.
        let state = base.running.withLock { $0 }
        #expect(state.requests.count == 7)
        #expect(state.requests.filter { $0.profile.ports != nil }.allSatisfy { $0.profile.skipsDiscovery && $0.targets.targets.count <= 4 })
        #expect(state.most == 2)
        #expect(progress.count == 6)
        #expect(progress.last?.task == "Port scan: 23 of 23 hosts" && progress.last?.percent == 100)
        #expect(progress.map(\.percent) == progress.map(\.percent).sorted())
        let run = try #require(finished)
        #expect(run.isComplete)
        #expect(run.runStats?.hosts == RunStats.HostCounts(up: 23, down: 5, total: 28))
        #expect(run.arguments == "fake; then, per batch of live hosts: fake")
    }

    @Test(.enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"))
    func sweepsLoopbackWithRealNmap() async throws {
        let services = try LoopbackServices(["echo"])
        let port = services.ports["echo"]!
        let profile = ScanProfile(name: "test", ports: .list([port...port]), timing: 4)
        let request = ScanRequest(targets: try ScanTargetList(["127.0.0.1-30"]), profile: profile, resolvesNames: false, timeout: .seconds(120))
        let sweeper = SweepScanner(base: NmapScanner(), threshold: 8, batchSize: 7, parallelism: 3)
        #expect(sweeper.sweeps(request))
        var hosts: [HostObservation] = []
        var finished: ScanRun?
        var progress = 0
        for try await event in sweeper.scan(request) {
            if case .host(let host) = event { hosts.append(host) }
            if case .finished(let run) = event { finished = run }
            if case .progress(let step) = event, step.task.hasPrefix("Port scan") { progress += 1 }
        }
        // All of 127.0.0.0/8 answers on Linux: 30 hosts up; the service listens on 127.0.0.1 only.
        #expect(hosts.compactMap(\.primaryAddress).count == 30)
        #expect(Set(hosts.compactMap(\.primaryAddress)).count == 30)
        let open = hosts.filter { $0.ports.contains { $0.state.state == .open } }
        #expect(open.compactMap(\.primaryAddress) == ["127.0.0.1"])
        #expect(progress == 5, "30 hosts in batches of 7")
        let run = try #require(finished)
        #expect(run.isComplete, "\(run.incompleteReason ?? "")")
        #expect(run.runStats?.hosts?.up == 30)
        #expect(run.arguments?.contains("-sn") == true && run.arguments?.contains("-Pn") == true)
    }
}
