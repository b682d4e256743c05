//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser

/// argus-cli: Argus from the command line.
@main
struct ArgusCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "argus-cli",
        abstract: "Argus, a self-hosted network security monitor, from the command line.",
        discussion: """
            Exit status: 0 on success, 1 when the input could not be read, 2 when a scan is
            incomplete (nmap was stopped or failed: what was read is still shown).
            """,
        version: "0.1.0",
        subcommands: [Parse.self]
    )
}
