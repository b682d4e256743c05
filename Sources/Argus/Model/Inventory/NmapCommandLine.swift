//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// What an nmap command line (as nmap writes it in `<nmaprun args>`) asked for: its targets,
/// exclusions and probes. Used to learn a recorded scan's coverage.
struct NmapCommandLine: Sendable, Hashable {
    /// The targets, in order.
    var targets: [String] = []
    /// The targets excluded with `--exclude`.
    var exclusions: [String] = []
    /// `-sV` or `-A`.
    var probesServices = false
    /// `-O` or `-A`.
    var probesOS = false
    /// `-sC`, `--script` or `-A`.
    var runsScripts = false

    /// nmap's options that take the next word as their value (those written `--name=value` or
    /// `-pVALUE` are one word).
    static let optionsWithValue: Set<String> = [
        "-p", "-e", "-S", "-D", "-g", "-b", "-sI", "-iL", "-iR", "-oN", "-oX", "-oS", "-oG", "-oA", "-oM", "-oH",
        "--exclude", "--excludefile", "--exclude-ports", "--top-ports", "--port-ratio", "--source-port", "--host-timeout", "--max-retries",
        "--min-rate", "--max-rate", "--version-intensity", "--script", "--script-args", "--script-args-file", "--script-timeout",
        "--script-help", "--dns-servers", "--datadir", "--servicedb", "--versiondb", "--stylesheet", "--scan-delay", "--max-scan-delay",
        "--min-hostgroup", "--max-hostgroup", "--min-parallelism", "--max-parallelism", "--min-rtt-timeout", "--max-rtt-timeout",
        "--initial-rtt-timeout", "--ttl", "--data", "--data-string", "--data-length", "--spoof-mac", "--mtu", "--proxies", "--proxy",
        "--resume", "--scanflags", "--ip-options", "--stats-every", "--privileged-user", "--log-errors-to", "--iflist-file", "--adler32",
    ]

    /// Reads a command line; the first word is the program.
    init(_ commandLine: String) {
        let words = commandLine.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var index = words.startIndex + 1
        var onlyTargets = false
        while index < words.endIndex {
            let word = words[index]
            index += 1
            if onlyTargets || !word.hasPrefix("-") || word == "-" {
                if !word.isEmpty && word != "-" { targets.append(word) }
                continue
            }
            if word == "--" {
                onlyTargets = true
                continue
            }
            let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
            let value: String?
            if word.contains("=") && name.hasPrefix("--") {
                value = String(word.dropFirst(name.count + 1))
            } else if Self.optionsWithValue.contains(word), index < words.endIndex {
                value = words[index]
                index += 1
            } else {
                value = nil
            }
            switch name {
            case "-A": (probesServices, probesOS, runsScripts) = (true, true, true)
            case "-sV": probesServices = true
            case "-O": probesOS = true
            case "-sC", "--script": runsScripts = true
            case "--exclude": exclusions += (value ?? "").split(separator: ",").map(String.init)
            default:
                // Combined short flags such as -sSV.
                if name.hasPrefix("-s"), !name.hasPrefix("--"), name.count > 2 {
                    if name.dropFirst(2).contains("V") { probesServices = true }
                    if name.dropFirst(2).contains("C") { runsScripts = true }
                }
            }
        }
    }
}
