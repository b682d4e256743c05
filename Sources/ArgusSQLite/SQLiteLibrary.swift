//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

internal import CSQLite3

/// Facts about the system SQLite library that ``ArgusSQLite`` is linked against.
public enum SQLiteLibrary {
    /// The SQLite version, e.g. `3.40.1`.
    public static var version: String {
        String(cString: sqlite3_libversion())
    }

    /// True when SQLite was built thread-safe, which the store requires.
    public static var isThreadSafe: Bool {
        sqlite3_threadsafe() != 0
    }
}
