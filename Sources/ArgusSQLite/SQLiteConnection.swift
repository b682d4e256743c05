//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
internal import CSQLite3

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// SQLite's "transient" destructor: copy bound text and blobs before `bind` returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection with a cache of prepared statements.
///
/// Not thread-safe: one actor owns each connection (see ``SQLiteDeviceStore``).
final class SQLiteConnection {
    let path: String
    private var handle: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (and with `create`, creates) a database file.
    init(path: String, readOnly: Bool, create: Bool) throws {
        self.path = path
        var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        if status != SQLITE_OK {
            let error = Self.error(status, message: handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open", path: path)
            sqlite3_close_v2(handle)
            handle = nil
            throw error
        }
    }

    deinit {
        for statement in statements.values { statement.finalize() }
        sqlite3_close_v2(handle)
    }

    /// Runs SQL that returns no rows (several statements allowed).
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        if status != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(message)
            throw Self.error(status, message: text, path: path, systemError: handle.map { sqlite3_system_errno($0) } ?? 0)
        }
    }

    /// A prepared statement for `sql`, reset and ready to bind (cached per SQL text).
    func prepare(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var pointer: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard status == SQLITE_OK, let pointer else { throw lastError(status) }
        let statement = SQLiteStatement(pointer, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Runs one statement with arguments; returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> Int {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Runs a query, mapping each row.
    func query<T>(_ sql: String, _ arguments: [SQLiteValue] = [], _ row: (SQLiteStatement) throws -> T) throws -> [T] {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        var rows: [T] = []
        while try statement.step() { rows.append(try row(statement)) }
        return rows
    }

    /// The first row of a query, mapped.
    func first<T>(_ sql: String, _ arguments: [SQLiteValue] = [], _ row: (SQLiteStatement) throws -> T) throws -> T? {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        guard try statement.step() else { return nil }
        let value = try row(statement)
        statement.reset()
        return value
    }

    /// True when SQLite opened the file for reading only (it does so, silently, when the file
    /// cannot be written by this user, even when asked to write).
    var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    /// The id of the last inserted row.
    var lastInsertedID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE`), committing on return and rolling
    /// back on error.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var lastMessage: String {
        handle.map { String(cString: sqlite3_errmsg($0)) } ?? "no connection"
    }

    /// The last error, with the operating system's error number behind it.
    func lastError(_ status: Int32) -> StoreError {
        Self.error(status, message: lastMessage, path: path, systemError: handle.map { sqlite3_system_errno($0) } ?? 0)
    }

    /// Maps an SQLite result code to a ``StoreError`` a person can act on.
    static func error(_ status: Int32, message: String, path: String, systemError: Int32 = 0) -> StoreError {
        if status & 0xFF == SQLITE_IOERR, systemError == ENOSPC || systemError == EFBIG || systemError == EDQUOT {
            return StoreError(
                .diskFull, "the disk holding \(path) is full, or its size limit reached (\(message)); nothing of the failed write was kept")
        }
        switch status & 0xFF {
        case SQLITE_FULL:
            return StoreError(.diskFull, "the disk holding \(path) is full (\(message)); nothing of the failed write was kept")
        case SQLITE_READONLY, SQLITE_PERM:
            return StoreError(.readOnly, "cannot write to \(path) or its folder (\(message))")
        case SQLITE_CANTOPEN:
            return StoreError(.readOnly, "cannot open \(path): the file or its folder is missing or not writable (\(message))")
        case SQLITE_NOTADB:
            return StoreError(.notArgusDatabase, "\(path) is not an SQLite database (\(message))")
        case SQLITE_CORRUPT:
            return StoreError(.corrupt, "\(path) is damaged (\(message)); \(SQLiteDeviceStore.repairAdvice(path))")
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(.busy, "\(path) is locked by another process (\(message))")
        case SQLITE_CONSTRAINT:
            return StoreError(.duplicate, message)
        case SQLITE_IOERR:
            return StoreError(.storage, "reading or writing \(path) failed (\(message))")
        default:
            return StoreError(.storage, "\(path): \(message) (SQLite error \(status))")
        }
    }
}

/// A value to bind to a statement parameter.
enum SQLiteValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    static func of(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
    static func of(_ value: Int?) -> SQLiteValue { value.map { .integer(Int64($0)) } ?? .null }
    static func of(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
    static func of(_ value: Bool) -> SQLiteValue { .integer(value ? 1 : 0) }
    static func of(_ value: Date?) -> SQLiteValue { value.map { .real($0.timeIntervalSince1970) } ?? .null }
    static func of<T>(_ value: Identifier<T>?) -> SQLiteValue { value.map { .integer($0.rawValue) } ?? .null }
}

/// A prepared statement: bind, step, read columns.
final class SQLiteStatement {
    private let pointer: OpaquePointer
    private unowned let connection: SQLiteConnection

    init(_ pointer: OpaquePointer, connection: SQLiteConnection) {
        self.pointer = pointer
        self.connection = connection
    }

    func finalize() { sqlite3_finalize(pointer) }

    func reset() {
        sqlite3_reset(pointer)
        sqlite3_clear_bindings(pointer)
    }

    func bind(_ values: [SQLiteValue]) throws {
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    func bind(_ value: SQLiteValue, at index: Int32) throws {
        let status: Int32
        switch value {
        case .null: status = sqlite3_bind_null(pointer, index)
        case .integer(let number): status = sqlite3_bind_int64(pointer, index, number)
        case .real(let number): status = sqlite3_bind_double(pointer, index, number)
        case .text(let text): status = sqlite3_bind_text(pointer, index, text, -1, transient)
        case .blob(let bytes):
            status = bytes.withUnsafeBytes { sqlite3_bind_blob(pointer, index, $0.baseAddress, Int32($0.count), transient) }
        }
        if status != SQLITE_OK { throw connection.lastError(status) }
    }

    /// Binds `values` and runs the statement to its end; returns how many rows it changed.
    @discardableResult
    func execute(_ values: [SQLiteValue]) throws -> Int {
        sqlite3_reset(pointer)
        try bind(values)
        while try step() {}
        return Int(sqlite3_changes(sqlite3_db_handle(pointer)))
    }

    /// Binds an integer.
    func bind(_ value: Int64, at index: Int32) {
        sqlite3_bind_int64(pointer, index, value)
    }

    /// Binds a text, or NULL for `nil`.
    func bind(_ value: String?, at index: Int32) throws {
        guard let value else {
            sqlite3_bind_null(pointer, index)
            return
        }
        var text = value
        let status = text.withUTF8 { bytes in
            // An empty buffer may have no address, which SQLite would read as NULL.
            guard !bytes.isEmpty else { return sqlite3_bind_text(pointer, index, "", 0, transient) }
            return bytes.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(pointer, index, $0.baseAddress, Int32($0.count), transient) }
        }
        if status != SQLITE_OK { throw connection.lastError(status) }
    }

    /// Runs a statement whose parameters are bound, to its end; returns how many rows it changed.
    @discardableResult
    func run() throws -> Int {
        defer { sqlite3_reset(pointer) }
        while try step() {}
        return Int(sqlite3_changes(sqlite3_db_handle(pointer)))
    }

    /// Advances; true when a row is ready.
    func step() throws -> Bool {
        let status = sqlite3_step(pointer)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.lastError(status)
            sqlite3_reset(pointer)
            throw error
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(pointer, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(pointer, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(pointer, column)) }
    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(pointer, column) }
    func bool(_ column: Int32) -> Bool { sqlite3_column_int64(pointer, column) != 0 }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(pointer, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(pointer, column))), as: UTF8.self)
    }

    func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }
    func date(_ column: Int32) -> Date { Date(timeIntervalSince1970: double(column)) }
    func optionalDate(_ column: Int32) -> Date? { isNull(column) ? nil : date(column) }
    func id<T>(_ column: Int32) -> Identifier<T> { Identifier(int64(column)) }
    func optionalID<T>(_ column: Int32) -> Identifier<T>? { isNull(column) ? nil : Identifier(int64(column)) }
}
