//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Scans large networks in two phases: a discovery sweep finds the live hosts, then port scans
/// of those hosts run in batches, a few at a time, with per-host progress.
///
/// One nmap run over a /16 spends most of its time probing addresses nobody uses and reports
/// progress only per phase; a sweep first, then port scans of the few hundred live hosts, is
/// faster and says how far it is host by host. Requests at or below ``threshold`` addresses, or
/// that only discover hosts, or that skip discovery, go straight to the base scanner.
///
/// ```swift
/// let scanner = SweepScanner(base: NmapScanner(), threshold: 256, batchSize: 16, parallelism: 4)
/// let monitor = Monitor(store: store, scanner: scanner)
/// ```
///
/// The events are the base scanner's, merged: one ``ScanEvent/started(_:)`` (the sweep's), each
/// live host once (as its port scan saw it; as the sweep saw it if its port scan lost it), progress
/// as "Port scan: N of M hosts", and one ``ScanEvent/finished(_:)`` whose counts cover the whole
/// network and which is complete only when every phase was.
public struct SweepScanner: Scanner {
    /// The scanner that runs each phase.
    public var base: any Scanner
    /// Requests covering more addresses than this are swept first.
    public var threshold: UInt64
    /// How many live hosts one port scan covers.
    public var batchSize: Int
    /// How many port scans run at once.
    public var parallelism: Int

    /// Creates a sweeping scanner.
    public init(base: any Scanner = NmapScanner(), threshold: UInt64 = 256, batchSize: Int = 16, parallelism: Int = 4) {
        self.base = base
        self.threshold = threshold
        self.batchSize = max(1, batchSize)
        self.parallelism = max(1, parallelism)
    }

    /// True when a request is large enough, and does port scans, to be swept first.
    public func sweeps(_ request: ScanRequest) -> Bool {
        guard request.profile.ports != nil, !request.profile.skipsDiscovery else { return false }
        let addresses = request.targets.targets.reduce(UInt64(0)) {
            $0.addingReportingOverflow($1.addressCount).overflow ? .max : $0 + $1.addressCount
        }
        return addresses > threshold
    }

    /// Runs the scan, swept when ``sweeps(_:)`` says so.
    public func scan(_ request: ScanRequest) -> AsyncThrowingStream<ScanEvent, any Error> {
        guard sweeps(request) else { return base.scan(request) }
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ScanEvent.self)
        let task = Task {
            do {
                try await run(request, continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func run(_ request: ScanRequest, _ continuation: AsyncThrowingStream<ScanEvent, any Error>.Continuation) async throws {
        let clock = ContinuousClock()
        let deadline = request.timeout.map { clock.now + $0 }
        func remaining() throws -> Duration? {
            guard let deadline else { return nil }
            let left = deadline - clock.now
            guard left > .zero else { throw ScanError(.timedOut, "the scan took longer than its timeout of \(request.timeout!) and was stopped") }
            return left
        }

        // Phase 1: which hosts are up.
        var discovery = request
        discovery.profile = ScanProfile(name: "\(request.profile.name) (discovery)", ports: nil, timing: request.profile.timing)
        discovery.timeout = try remaining()
        var sweepRun: ScanRun?
        var live: [HostObservation] = []
        var down = 0
        for try await event in base.scan(discovery) {
            switch event {
            case .started(let run):
                sweepRun = run
                continuation.yield(event)
            case .notice, .degraded, .progress:
                continuation.yield(event)
            case .host(let host):
                if host.isUp, host.primaryAddress != nil { live.append(host) } else { down += 1 }
            case .finished(let run):
                sweepRun = run
            }
        }
        guard var merged = sweepRun else { throw CancellationError() }
        var incomplete = merged.isComplete ? [] : [merged.incompleteReason ?? "the discovery sweep did not finish"]
        continuation.yield(
            .notice(
                "\(live.count) of \(request.targets.targets.map(\.text).joined(separator: ", ")) up: port-scanning them in batches of \(batchSize), \(parallelism) at a time"
            ))

        // Phase 2: port scans of the live hosts, a few batches at once.
        let batches = stride(from: 0, to: live.count, by: batchSize).map { Array(live[$0..<min($0 + batchSize, live.count)]) }
        var scanned = 0
        var arguments: String?
        let started = clock.now
        try await withThrowingTaskGroup(of: BatchResult.self) { group in
            var next = 0
            func startNext() throws {
                guard next < batches.count else { return }
                let batch = batches[next]
                next += 1
                var portScan = request
                portScan.targets = try ScanTargetList(batch.compactMap(\.primaryAddress), addressLimit: UInt64(batchSize))
                portScan.profile.skipsDiscovery = true
                portScan.timeout = try remaining()
                let scanner = base
                group.addTask {
                    var result = BatchResult(sweep: batch)
                    for try await event in scanner.scan(portScan) {
                        switch event {
                        case .host(let host) where host.isUp: result.hosts.append(host)
                        case .host: break
                        case .finished(let run): result.run = run
                        case .notice(let notice): result.notices.append(notice)
                        case .degraded(let reason): result.degradations.append(reason)
                        case .started, .progress: break
                        }
                    }
                    return result
                }
            }
            for _ in 0..<parallelism { try startNext() }
            var notices = Set<String>()
            while let result = try await group.next() {
                for notice in result.notices where notices.insert(notice).inserted { continuation.yield(.notice(notice)) }
                for reason in result.degradations where notices.insert(reason).inserted { continuation.yield(.degraded(reason)) }
                let seen = Set(result.hosts.compactMap(\.primaryAddress))
                for host in result.hosts { continuation.yield(.host(host)) }
                // A host the port scan lost is still up: keep what the sweep saw of it.
                for host in result.sweep where !seen.contains(host.primaryAddress ?? "") { continuation.yield(.host(host)) }
                scanned += result.sweep.count
                if let run = result.run {
                    arguments = arguments ?? run.arguments
                    if !run.isComplete { incomplete.append(run.incompleteReason ?? "a port scan did not finish") }
                } else {
                    incomplete.append("a port scan ended without a result")
                }
                let elapsed = clock.now - started
                let perHost = elapsed / max(scanned, 1)
                let left = perHost * (live.count - scanned)
                continuation.yield(
                    .progress(
                        TaskProgress(
                            task: "Port scan: \(scanned) of \(live.count) hosts", time: Date(),
                            percent: live.isEmpty ? 100 : Double(scanned) * 100 / Double(live.count), remaining: Int(left.components.seconds))))
                try startNext()
            }
        }

        let finished = Date()
        merged.arguments = [merged.arguments, arguments.map { "then, per batch of live hosts: \($0)" }].compactMap(\.self).joined(separator: "; ")
        let elapsed = merged.startTime.map { finished.timeIntervalSince($0) }
        let exit: RunStats.ExitStatus = incomplete.isEmpty ? .success : .error
        merged.runStats = RunStats(
            finished: RunStats.Finished(
                time: finished, summary: "\(live.count) hosts up, \(down) down; \(scanned) port-scanned", elapsed: elapsed, exit: exit,
                errorMessage: incomplete.first), hosts: RunStats.HostCounts(up: live.count, down: down, total: live.count + down))
        continuation.yield(.finished(merged))
    }

    private struct BatchResult: Sendable {
        var sweep: [HostObservation]
        var hosts: [HostObservation] = []
        var run: ScanRun?
        var notices: [String] = []
        var degradations: [String] = []
    }
}
