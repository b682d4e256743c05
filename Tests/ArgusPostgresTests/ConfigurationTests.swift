//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusPostgres
import Testing

/// Reading `postgres://` URLs, and never printing the password.
@Suite struct ConfigurationTests {
    @Test func aURLGivesEveryPart() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://argus:s%40cret%3Aword@db.example.net:6543/inventory")
        #expect(configuration.user == "argus")
        #expect(configuration.password == "s@cret:word")
        #expect(configuration.host == "db.example.net")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "inventory")

        let plain = try PostgresStoreConfiguration(url: "postgresql://argus@[::1]/argus")
        #expect(plain.password == nil && plain.host == "::1" && plain.port == 5432 && plain.database == "argus")
        #expect(plain.description == "postgres://argus@[::1]:5432/argus")
    }

    @Test(arguments: [
        ("mysql://argus@db:5432/argus", "a PostgreSQL URL starts with postgres://, not mysql://"),
        ("db:5432/argus", "a PostgreSQL URL starts with postgres://, not db://"),
        ("postgres://db:5432/argus", "the URL names no user: write postgres://USER[:PASSWORD]@HOST:PORT/DB"),
        ("postgres://:pw@db:5432/argus", "the user name is empty: write postgres://USER[:PASSWORD]@HOST:PORT/DB"),
        ("postgres://argus@db:5432", "the URL names no database: add /DB after the host and port"),
        ("postgres://argus@db:5432/", "the database name is empty: write /DB after the host"),
        ("postgres://argus@:5432/argus", "the URL names no host: write postgres://USER[:PASSWORD]@HOST:PORT/DB"),
        ("postgres://argus@db:port/argus", "the port \"port\" is not a number from 1 to 65535"),
        ("postgres://argus@db:70000/argus", "the port \"70000\" is not a number from 1 to 65535"),
        ("postgres://argus@db:5432/argus?sslmode=require", "options after ? are not supported (TLS and other options come later)"),
        ("postgres://argus@[::1:5432/argus", "the IPv6 host has no closing ]"),
        ("postgres://ar%zzgus@db/argus", "the user name has an invalid %-escape"),
    ])
    func aWrongURLSaysWhatIsWrong(url: String, message: String) {
        let error = #expect(throws: PostgresStoreConfiguration.URLError.self) { try PostgresStoreConfiguration(url: url) }
        #expect(error?.message == message)
        #expect(error?.description == "invalid PostgreSQL URL: \(message)")
    }

    @Test func thePasswordIsNeverPrinted() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://argus:hunter2-secret@db.example.net:5432/argus")
        #expect(configuration.password == "hunter2-secret")
        #expect("\(configuration)" == "postgres://argus:***@db.example.net:5432/argus")
        #expect(String(reflecting: configuration).contains("hunter2") == false)
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(dumped.contains("hunter2") == false && dumped.contains("***"))
        // Nor in the errors of URLs that carry one.
        for url in [
            "postgres://argus:hunter2-secret@db.example.net:port/argus", "postgres://argus:hunter2-secret@db.example.net:5432",
            "postgres://argus:hunter2%zz@db/argus", "mysql://argus:hunter2-secret@db/argus",
        ] {
            let error = #expect(throws: PostgresStoreConfiguration.URLError.self) { try PostgresStoreConfiguration(url: url) }
            #expect(error.map { "\($0)" }?.contains("hunter2") == false)
        }
    }
}
