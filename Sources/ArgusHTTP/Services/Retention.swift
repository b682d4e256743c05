//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import Foundation

/// The retention settings applied: scans past `retention.days` or beyond `retention.keep_scans`
/// are deleted (devices and their latest observations stay), and settled alert messages older
/// than `retention.days`.
public struct Retention: Sendable {
    /// Where scans and messages are kept.
    let store: any ArgusStore
    /// Days to keep (0: forever).
    let days: Int
    /// Scans to keep at least (0: no limit).
    let keepScans: Int

    /// Deletes what the settings no longer keep.
    /// - Returns: How many scans were deleted.
    public func prune(now: Date = Date()) async throws -> Int {
        let cutoff = days > 0 ? now.addingTimeInterval(-Double(days) * 86_400) : nil
        if let cutoff { try await store.pruneSettledMessages(queuedBefore: cutoff) }
        return try await store.pruneScans(finishedBefore: cutoff, keepingNewest: keepScans > 0 ? keepScans : nil)
    }
}
