//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Synchronization

/// Remembers that a connection met a damaged page at run time, so that the store reports itself
/// unhealthy from then on (``SQLiteDeviceStore/healthProblem()``), whichever connection saw it.
final class StoreDamageRecord: Sendable {
    private let problem = Mutex<String?>(nil)

    /// The first damage seen, as a sentence without the file's path.
    var current: String? { problem.withLock { $0 } }

    /// Notes an error when it is a corruption error; other errors pass unnoticed.
    func note(_ error: any Error) {
        guard let error = error as? StoreError, error.code == .corrupt else { return }
        problem.withLock { stored in
            if stored == nil {
                stored =
                    "the database is damaged (SQLite reported corruption while it ran); restore it from a backup, or recover what it holds with sqlite3's .recover"
            }
        }
    }
}
