//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus
import ArgusAccounts
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How a command gets a password: `--password-stdin`, else asked twice on the terminal.
struct PasswordOptions: ParsableArguments {
    @Flag(help: "Read the password from standard input (one line).")
    var passwordStdin = false

    /// The password.
    func read() throws -> String { try readPassword(fromStandardInput: passwordStdin) }
}

/// Reads a password: from standard input with --password-stdin, else twice from the terminal
/// without echo.
func readPassword(fromStandardInput: Bool) throws -> String {
    if fromStandardInput {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CLIFailure("no password on standard input") }
        return line
    }
    guard isatty(0) == 1 else { throw CLIFailure("standard input is not a terminal: use --password-stdin") }
    func ask(_ prompt: String) -> String {
        var old = termios()
        tcgetattr(0, &old)
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSANOW, &quiet)
        defer {
            tcsetattr(0, TCSANOW, &old)
            printStandardError("")
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        return readLine(strippingNewline: true) ?? ""
    }
    let first = ask("Password: ")
    guard ask("Again: ") == first else { throw CLIFailure("the passwords differ") }
    return first
}

/// `argus-cli user`: accounts of argus-server, for headless installs.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add users of argus-server, or set their passwords, in its database.",
        subcommands: [Add.self, Password.self]
    )

    /// `argus-cli user add NAME`
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user (the password is asked for, or read with --password-stdin).")

        @Argument(help: "The user name: 1 to 64 letters, digits, '.', '_' or '-'.")
        var name: String

        @OptionGroup var password: PasswordOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingFailures {
                let password = try password.read()
                let store = try await database.open()
                let user = try await Accounts(store: store).addUser(name, password: password)
                try await store.appendAudit(
                    AuditEntry(
                        userID: user.id, username: user.username, action: "user_create", resourceType: "user", resourceID: "\(user.id)",
                        details: "argus-cli", clientAddress: "local"))
                print("User \(user.username) added.")
            }
        }
    }

    /// `argus-cli user passwd NAME`
    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "passwd", abstract: "Set a user's password; their sessions end.")

        @Argument(help: "The user name.")
        var name: String

        @OptionGroup var password: PasswordOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingFailures {
                let password = try password.read()
                let store = try await database.open()
                try await Accounts(store: store).setPassword(of: name, to: password)
                try await store.appendAudit(
                    AuditEntry(username: name, action: "password_change", resourceType: "user", details: "argus-cli", clientAddress: "local"))
                print("Password of \(name) set; their sessions have ended.")
            }
        }
    }
}

/// `argus-cli apikey`: keys for scripts, Home Assistant, Grafana.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey",
        abstract: "Create, list and revoke API keys of argus-server.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    /// `argus-cli apikey create NAME [--user U] [--expires-days N]`
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; it is printed once and never again (only its hash is stored).")

        @Argument(help: "What the key is for, e.g. \"Home Assistant\".")
        var name: String

        @Option(help: "The user the key acts as (default: the only user).")
        var user: String?

        @Option(help: "Days until the key expires (1-3650; default: never).")
        var expiresDays: Int?

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingFailures {
                let store = try await database.open()
                let owner: User
                if let user {
                    guard let found = try await store.user(named: user) else { throw CLIFailure("no user is named \(user)") }
                    owner = found
                } else {
                    let users = try await store.users()
                    guard users.count == 1 else {
                        throw CLIFailure(users.isEmpty ? "there is no user yet: add one with argus-cli user add NAME" : "name the user with --user")
                    }
                    owner = users[0]
                }
                let (key, secret) = try await Accounts(store: store).createAPIKey(for: owner, name: name, expiresInDays: expiresDays)
                try await store.appendAudit(
                    AuditEntry(
                        userID: owner.id, username: owner.username, action: "api_key_create", resourceType: "api_key", resourceID: "\(key.id)",
                        details: "argus-cli: \(key.name)", clientAddress: "local"))
                print(secret)
                printStandardError(
                    "API key \(key.id) (\(key.name)) for \(owner.username): shown once, keep it safe. Send it as X-API-Key or Authorization: Bearer.")
            }
        }
    }

    /// `argus-cli apikey list`
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never the keys themselves).")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let keys = try await reportingFailures { try await database.open().apiKeys(of: nil) }
            if json { return try printJSON(keys.map { KeySummary($0) }) }
            var table = TextTable("ID", "NAME", "PREFIX", "CREATED", "LAST USED", "EXPIRES", "STATE")
            for key in keys {
                let state = key.revokedAt != nil ? "revoked" : key.isUsable() ? "active" : "expired"
                table.add(
                    "\(key.id)", key.name, key.prefix, shortDate(key.createdAt), key.lastUsedAt.map(shortDate) ?? "-",
                    key.expiresAt.map(shortDate) ?? "never", state)
            }
            table.print()
        }

        struct KeySummary: Encodable {
            var id: Int64, name: String, prefix: String, createdAt: Date, lastUsedAt: Date?, expiresAt: Date?, revokedAt: Date?
            init(_ key: APIKey) {
                (id, name, prefix, createdAt, lastUsedAt, expiresAt, revokedAt) = (
                    key.id.rawValue, key.name, key.prefix, key.createdAt, key.lastUsedAt, key.expiresAt, key.revokedAt
                )
            }
        }
    }

    /// `argus-cli apikey revoke ID`
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it stops working at once.")

        @Argument(help: "The key's id (see apikey list).")
        var id: Int64

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingFailures {
                let store = try await database.open()
                guard let key = try await store.apiKeys(of: nil).first(where: { $0.id.rawValue == id }) else {
                    throw CLIFailure("no API key has id \(id)")
                }
                guard key.revokedAt == nil else { throw CLIFailure("API key \(id) is revoked already") }
                try await store.revokeAPIKey(key.id, at: Date())
                try await store.appendAudit(
                    AuditEntry(action: "api_key_revoke", resourceType: "api_key", resourceID: "\(id)", details: "argus-cli", clientAddress: "local"))
                print("API key \(id) revoked.")
            }
        }
    }
}
