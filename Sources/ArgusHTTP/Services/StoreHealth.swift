//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Foundation
import Synchronization

/// Whether the store can be used: a damaged database met at run time makes every request but
/// the health check answer 503 until a restart, and store errors reach the log without paths.
public final class StoreHealth: Sendable {
    /// The store watched.
    let store: any ArgusStore
    /// The database's path, taken out of messages for the log.
    let databasePath: String?
    private let damage = Mutex<String?>(nil)

    /// Watches a store whose database lives at `databasePath` (when it is a file).
    init(store: any ArgusStore, databasePath: String?) {
        self.store = store
        self.databasePath = databasePath
    }

    /// Why the store cannot be used now (a damaged database met at run time), in a sentence
    /// without paths; `nil` while it is healthy.
    public func problem() async -> String? {
        if let noted = damage.withLock({ $0 }) { return noted }
        return await (store as? any StoreHealthReporting)?.healthProblem()
    }

    /// Notes a store error a request met: a corruption error makes the store unhealthy (the
    /// server then refuses requests with 503 and `/health` says why) until the server restarts.
    func note(_ error: StoreError) {
        guard error.code == .corrupt else { return }
        damage.withLock { noted in
            if noted == nil {
                noted =
                    "the database is damaged; restore it from a backup, or recover what it holds with sqlite3's .recover, then restart argus-server"
            }
        }
    }

    /// A store error's message for the server's log: the database's path and folder replaced
    /// by "the database", and any other absolute path by "a file" (logs are read by more people
    /// than the database's owner, and a store an embedder passes may name its own files).
    func redacted(_ error: StoreError) -> String {
        var text = error.message
        if let path = databasePath, !path.isEmpty {
            text = text.replacingOccurrences(of: path, with: "the database")
            if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
                text = text.replacingOccurrences(of: String(path[..<slash]), with: "the database's folder")
            }
        }
        return text.replacingOccurrences(of: #"(?<![\w.~])/[^\s()'";,]+"#, with: "a file", options: .regularExpression)
    }

    /// An error for the log: a store error without paths, anything else by its type only (it
    /// may carry what a caller sent).
    func described(_ error: any Error) -> String {
        if let error = error as? StoreError { return redacted(error) }
        return "\(type(of: error))"
    }
}
