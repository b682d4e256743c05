//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A ``Argus/Scanner`` that plays recorded nmap XML files instead of running nmap: each scan
/// plays the next file (the last one again once all have played), with the file's own run,
/// hosts, progress and times, whatever the request asks for.
///
/// Use it to test what a pipeline makes of real scans without a network, or to replay a
/// recorded scan through a ``Argus/Monitor``:
///
/// ```swift
/// let scanner = ReplayScanner(files: ["monday.xml", "tuesday.xml"])
/// let monitor = Monitor(store: InMemoryDeviceStore(), scanner: scanner)
/// _ = try await monitor.scan(request)   // monday
/// _ = try await monitor.scan(request)   // tuesday: its changes against monday
/// ```
///
/// A file that cannot be read ends its scan with a ``Argus/ScanError`` of code
/// ``Argus/ScanError/Code/unreadableOutput``.
public final class ReplayScanner: Argus.Scanner, Sendable {
    /// The files, in the order they are played.
    public let files: [String]
    private let played = Mutex(0)

    /// Creates a scanner that plays `files` in order.
    public init(files: [String]) {
        self.files = files
    }

    /// How many scans have been played.
    public var scansPlayed: Int { played.withLock { $0 } }

    public func scan(_ request: ScanRequest) -> AsyncThrowingStream<ScanEvent, any Error> {
        let index = played.withLock { count in
            defer { count += 1 }
            return count
        }
        let path = files.isEmpty ? nil : files[min(index, files.count - 1)]
        return AsyncThrowingStream { continuation in
            guard let path else {
                continuation.finish(throwing: ScanError(.unreadableOutput, "the replay scanner has no file to play"))
                return
            }
            do {
                let run = try NmapXMLReader.read(path: path) { event in
                    switch event {
                    case .started(let run): continuation.yield(.started(run))
                    case .progress(let progress): continuation.yield(.progress(progress))
                    case .host(let host): continuation.yield(.host(host))
                    case .taskBegan, .taskEnded, .hostHint: break
                    }
                }
                continuation.yield(.finished(run))
                continuation.finish()
            } catch {
                continuation.finish(throwing: ScanError(.unreadableOutput, "cannot replay \(path): \(error)"))
            }
        }
    }
}
