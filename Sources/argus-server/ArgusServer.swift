//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import ArgusHTTP
import ArgusSQLite

/// argus-server: the web UI and REST API.
///
/// The HTTP server arrives with the server milestone; until then this command checks that its
/// libraries are in place and says what to use instead.
@main
struct ArgusServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "argus-server",
        abstract: "Argus's web UI and REST API.",
        discussion: """
            The HTTP server is not built yet: this release has the nmap XML reader and argus-cli.
            Use `argus-cli parse FILE` to read an nmap scan.
            """
    )

    @Option(help: "The address to listen on.")
    var host = ServerDefaults.host

    @Option(help: "The port to listen on.")
    var port = ServerDefaults.port

    func run() throws {
        print("argus-server: SQLite \(SQLiteLibrary.version) (thread-safe: \(SQLiteLibrary.isThreadSafe)).")
        print("argus-server: the web server is not part of this release yet; it would listen on \(host):\(port).")
        print("argus-server: meanwhile argus-cli reads, imports, lists and compares scans: see `argus-cli --help`.")
    }
}
