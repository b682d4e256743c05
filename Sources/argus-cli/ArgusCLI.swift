//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser

/// argus-cli: Argus from the command line.
@main
struct ArgusCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "argus-cli",
        abstract: "Argus, a self-hosted network security monitor, from the command line.",
        discussion: """
            Commands that use the database take --db PATH; without it they use $ARGUS_DB, else
            /var/lib/argus/argus.db for root, else ~/.local/share/argus/argus.db.

            Exit status: 0 on success, 1 when the input or the database could not be used, 2 when
            a scan is incomplete (nmap was stopped or failed: what was read is still used).
            """,
        version: "0.1.0",
        subcommands: [
            Scan.self, Changes.self, Parse.self, Diff.self, Import.self, Scans.self, Devices.self, ShowDevice.self, Vulnerabilities.self,
            UserCommand.self, APIKeyCommand.self,
        ]
    )
}
