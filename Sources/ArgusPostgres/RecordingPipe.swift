//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Dispatch
import Foundation

/// Carries a scan's rows from its producer, which runs synchronously on a thread of its own, to
/// the task that writes them in the scan's transaction.
///
/// A scan's producer (``DeviceStore/record(_:at:_:)``) is synchronous and reads hosts as they
/// stream in; PostgreSQL is reached asynchronously. The pipe joins the two with backpressure: at
/// most two batches wait to be written, so memory stays flat however large the scan; the
/// producer waits (on its own thread, never the cooperative pool's) while they do. Reserving ids
/// is a request the writer answers in turn. When writing fails the producer's next call throws
/// the failure, so it stops at once.
///
/// The producer's side may block; the writer's side never does. A semaphore and a lock join a
/// synchronous thread to async code here, where an actor cannot be awaited.
final class RecordingPipe: @unchecked Sendable {
    /// What the producer sends, in order.
    enum Item: Sendable {
        /// Rows to write.
        case batch(RecordingBatch)
        /// A request for ids of new devices and changes, answered with ``answer(_:)``.
        case reserve(devices: Int, changes: Int)
        /// The producer returned or threw: the last item.
        case finished(Result<ScanOutcome, any Error>)
    }

    /// Ids taken from the sequences for the producer to hand out.
    struct Reservation: Sendable {
        /// Ids for new devices.
        var devices: [Int64]
        /// Ids for changes.
        var changes: [Int64]
    }

    /// The items, for the writer.
    let items: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    /// Free places for batches not yet written.
    private let slots = DispatchSemaphore(value: 2)
    /// Signalled when a reservation is answered, or the pipe fails.
    private let answered = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failure: (any Error)?
    private var reservation: Reservation?

    init() {
        (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
    }

    // MARK: The producer's side (may block)

    /// Sends a batch, waiting while two are not yet written.
    /// - Throws: The writer's failure.
    func send(_ batch: RecordingBatch) throws {
        try checkFailure()
        slots.wait()
        try checkFailure()
        continuation.yield(.batch(batch))
    }

    /// Asks the writer for ids, and waits for them.
    /// - Throws: The writer's failure.
    func reserve(devices: Int, changes: Int) throws -> Reservation {
        try checkFailure()
        continuation.yield(.reserve(devices: devices, changes: changes))
        answered.wait()
        return try lock.withLock {
            if let failure { throw failure }
            defer { reservation = nil }
            return reservation ?? Reservation(devices: [], changes: [])
        }
    }

    /// Ends the items with what the producer returned or threw.
    func finish(_ result: Result<ScanOutcome, any Error>) {
        continuation.yield(.finished(result))
        continuation.finish()
    }

    private func checkFailure() throws {
        try lock.withLock {
            if let failure { throw failure }
        }
    }

    // MARK: The writer's side (never blocks)

    /// A batch was written (or dropped after a failure): its place is free.
    func written() {
        slots.signal()
    }

    /// Answers a reservation.
    func answer(_ reservation: Reservation) {
        lock.withLock { self.reservation = reservation }
        answered.signal()
    }

    /// Fails the pipe: the producer's waiting call, and every later one, throws `error`.
    func fail(_ error: any Error) {
        lock.withLock {
            if failure == nil { failure = error }
        }
        slots.signal()
        answered.signal()
    }
}
