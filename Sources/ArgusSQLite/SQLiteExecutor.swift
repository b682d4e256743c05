//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Owns one ``SQLiteConnection`` and runs work on it, one piece at a time.
///
/// ``SQLiteDeviceStore`` keeps two: a writer, and a reader on its own connection, so that a
/// long scan ingest (one write transaction) never blocks reads — in WAL mode a reader sees the
/// last committed state while a write is under way.
actor SQLiteExecutor {
    private let connection: SQLiteConnection
    private let damage: StoreDamageRecord

    init(path: String, readOnly: Bool, create: Bool, damage: StoreDamageRecord = StoreDamageRecord(), setUp: (SQLiteConnection) throws -> Void) throws
    {
        let connection = try SQLiteConnection(path: path, readOnly: readOnly, create: create)
        try setUp(connection)
        self.connection = connection
        self.damage = damage
    }

    /// Runs `body` with the connection; a corruption error it meets marks the store damaged.
    func perform<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        do {
            return try body(connection)
        } catch {
            damage.note(error)
            throw error
        }
    }
}
