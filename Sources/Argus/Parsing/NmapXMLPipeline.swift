//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Dispatch
import Synchronization

/// How the tape-writing thread ended.
private struct TapeEnd: Sendable {
    var finished = false
    var terminateFailed = false
    var failure: NmapXMLError?
    var libraryFailure: NmapXMLBuilder.LibraryError?
    var readError: NmapXMLError?
    var sawContent = false
}

extension NmapXMLReader {
    /// Reads an nmap XML file on a second thread while the calling thread consumes its events,
    /// so that parsing overlaps with whatever the events are used for (printing, storing).
    ///
    /// Events arrive in document order, in batches of up to `batchSize`; at most `queueDepth`
    /// batches wait at once, so memory stays flat however large the file. `consume` runs on the
    /// calling thread, which blocks while it waits for the reader.
    ///
    /// - Parameters:
    ///   - path: The nmap XML file.
    ///   - limits: Bounds on attribute, text and nesting sizes.
    ///   - batchSize: Events per batch.
    ///   - queueDepth: Batches that may wait at once.
    ///   - consume: Called with each batch; throwing stops the reader and is rethrown.
    /// - Returns: The run's description.
    /// - Throws: ``NmapXMLError`` from the reader, or what `consume` threw.
    public static func readConcurrently(
        path: String, limits: Limits = Limits(), batchSize: Int = 256, queueDepth: Int = 8, consume: ([NmapXMLEvent]) throws -> Void
    ) throws -> ScanRun {
        let descriptor = openForReading(path)
        guard descriptor >= 0 else {
            throw NmapXMLError(.unreadable, line: 0, column: 0, message: "cannot open \(path): \(systemErrorMessage())")
        }
        defer { closeDescriptor(descriptor) }
        return try readConcurrently(fileDescriptor: descriptor, limits: limits, batchSize: batchSize, queueDepth: queueDepth, consume: consume)
    }

    /// Reads nmap XML from an open descriptor (a file, a pipe, standard input) on a second
    /// thread; see ``readConcurrently(path:limits:batchSize:queueDepth:consume:)``. The
    /// descriptor is not closed.
    public static func readConcurrently(
        fileDescriptor descriptor: Int32, limits: Limits = Limits(), batchSize: Int = 256, queueDepth: Int = 8,
        consume: ([NmapXMLEvent]) throws -> Void
    ) throws -> ScanRun {
        // libxml2 runs on the second thread and writes a tape of compact element records; this
        // thread turns the tape into the model (NmapXMLTape.swift) and hands events on.
        let queue = BatchQueue<UInt8, TapeEnd>(depth: queueDepth)
        DispatchQueue.global().async {
            let parser = NmapXMLTapeParser(limits: limits)
            var sawContent = false
            var end = TapeEnd()
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
            defer { buffer.deallocate() }
            var refused = false
            while !queue.isStopped {
                let count = readChunk(descriptor, buffer)
                if count == 0 { break }
                if count < 0 {
                    end.readError = NmapXMLError(.unreadable, line: 0, column: 0, message: "reading failed: \(systemErrorMessage())")
                    break
                }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                if !sawContent { sawContent = chunk.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D } }
                let accepted = parser.feed(chunk)
                let tape = parser.takeTape()
                if !tape.isEmpty { queue.push(.items(tape)) }
                if !accepted {
                    refused = true
                    break
                }
            }
            if !refused && end.readError == nil && !queue.isStopped {
                end.terminateFailed = parser.finish()
                let tape = parser.takeTape()
                if !tape.isEmpty { queue.push(.items(tape)) }
                end.finished = true
            }
            end.failure = parser.state.pointee.failure
            end.libraryFailure = parser.state.pointee.libraryFailure
            end.sawContent = sawContent
            queue.push(.end(end))
        }

        var events: [NmapXMLEvent] = []
        events.reserveCapacity(batchSize)
        var builder = NmapXMLBuilder(limits: limits) { events.append($0) }
        var finishing = false
        while true {
            switch queue.pop() {
            case .items(let tape):
                tape.withUnsafeBytes { builder.replay($0, finishing: &finishing) }
                do {
                    try Self.deliver(events, inBatchesOf: batchSize, to: consume)
                } catch {
                    queue.stopAndDrain()
                    throw error
                }
                events.removeAll(keepingCapacity: true)
                if let failure = builder.failure, !finishing {
                    queue.stopAndDrain()
                    throw failure
                }
            case .end(let end):
                if let error = end.readError { throw error }
                builder.adopt(libraryFailure: end.libraryFailure)
                if !end.finished {
                    // libxml2 or the tape writer refused the input before its end.
                    if let failure = end.failure { throw failure }
                    if let library = end.libraryFailure { throw builder.malformed(library) }
                }
                let run = try builder.conclude(
                    finishFailure: builder.failure ?? end.failure, terminateFailed: end.terminateFailed, sawContent: end.sawContent)
                try Self.deliver(events, inBatchesOf: batchSize, to: consume)
                return run
            }
        }
    }

    /// Hands `events` on in batches of at most `size` (without copying them when they fit one).
    private static func deliver(_ events: [NmapXMLEvent], inBatchesOf size: Int, to consume: ([NmapXMLEvent]) throws -> Void) throws {
        let size = max(1, size)
        if events.isEmpty { return }
        if events.count <= size { return try consume(events) }
        for start in stride(from: 0, to: events.count, by: size) {
            try consume(Array(events[start..<min(events.count, start + size)]))
        }
    }

    /// Reads nmap XML on a second thread, turning each event into an item there (`transform`,
    /// `nil` to drop it), and hands batches of items to `consume` on the calling thread.
    ///
    /// Work done in `transform` runs alongside `consume`: put there what does not need the
    /// consumer's state, such as turning hosts into store updates.
    public static func readConcurrently<Item: Sendable>(
        path: String, limits: Limits = Limits(), batchSize: Int = 256, queueDepth: Int = 8, transform: @escaping @Sendable (NmapXMLEvent) -> Item?,
        consume: ([Item]) throws -> Void
    ) throws -> ScanRun {
        let descriptor = openForReading(path)
        guard descriptor >= 0 else {
            throw NmapXMLError(.unreadable, line: 0, column: 0, message: "cannot open \(path): \(systemErrorMessage())")
        }
        defer { closeDescriptor(descriptor) }
        return try readConcurrently(
            fileDescriptor: descriptor, limits: limits, batchSize: batchSize, queueDepth: queueDepth, transform: transform, consume: consume)
    }

    /// Reads nmap XML from an open descriptor on a second thread, transforming events there;
    /// see ``readConcurrently(path:limits:batchSize:queueDepth:transform:consume:)``.
    public static func readConcurrently<Item: Sendable>(
        fileDescriptor descriptor: Int32, limits: Limits = Limits(), batchSize: Int = 256, queueDepth: Int = 8,
        transform: @escaping @Sendable (NmapXMLEvent) -> Item?, consume: ([Item]) throws -> Void
    ) throws -> ScanRun {
        let queue = BatchQueue<Item, Result<ScanRun, any Error>>(depth: queueDepth)
        DispatchQueue.global().async {
            let outcome: Result<ScanRun, any Error>
            var batch: [Item] = []
            batch.reserveCapacity(batchSize)
            do {
                let reader = NmapXMLReader(limits: limits) { event in
                    guard let item = transform(event) else { return }
                    batch.append(item)
                    if batch.count >= batchSize {
                        queue.push(.items(batch))
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
                defer { buffer.deallocate() }
                while !queue.isStopped {
                    let count = readChunk(descriptor, buffer)
                    if count == 0 { break }
                    if count < 0 {
                        throw NmapXMLError(.unreadable, line: 0, column: 0, message: "reading failed: \(systemErrorMessage())")
                    }
                    try reader.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                }
                outcome = .success(try reader.finish())
            } catch {
                outcome = .failure(error)
            }
            // Events read before an error are handed on too.
            if !batch.isEmpty { queue.push(.items(batch)) }
            queue.push(.end(outcome))
        }
        while true {
            switch queue.pop() {
            case .items(let items):
                do {
                    try consume(items)
                } catch {
                    queue.stopAndDrain()
                    throw error
                }
            case .end(let outcome):
                return try outcome.get()
            }
        }
    }
}

/// A bounded queue between the reading thread and the consuming one.
private final class BatchQueue<Element: Sendable, End: Sendable>: Sendable {
    enum Item: Sendable {
        case items([Element])
        case end(End)
    }

    private let items = Mutex<[Item]>([])
    private let stopped = Atomic<Bool>(false)
    private let freeSlots: DispatchSemaphore
    private let filledSlots = DispatchSemaphore(value: 0)

    init(depth: Int) {
        freeSlots = DispatchSemaphore(value: depth)
    }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Adds an item, waiting while the queue is full (never once the consumer stopped).
    func push(_ item: Item) {
        if case .items = item, isStopped { return }
        freeSlots.wait()
        items.withLock { $0.append(item) }
        filledSlots.signal()
    }

    /// Takes the oldest item, waiting for one.
    func pop() -> Item {
        filledSlots.wait()
        let item = items.withLock { $0.removeFirst() }
        freeSlots.signal()
        return item
    }

    /// Tells the reader to stop, and takes items until it has ended, so its thread finishes.
    func stopAndDrain() {
        stopped.store(true, ordering: .releasing)
        while true {
            if case .end = pop() { return }
        }
    }
}
