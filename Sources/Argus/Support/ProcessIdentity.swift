//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Names a process so that another process can later tell whether it still runs: its id and
/// its start time (ids are reused; an id with the same start time is the same process). The
/// stores use it to tell the scans of a process that stopped from those of one that runs.
package enum ProcessIdentity {
    /// This process, as `pid:start-time`.
    package static let current: String = identity(of: getpid()) ?? "\(getpid()):0"

    /// This machine's host name, to tell processes of different machines apart in a shared
    /// database.
    package static let hostName: String = {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count) == 0 else { return "localhost" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// `pid:start-time` of a running process, from `/proc`; `nil` when none runs with that id.
    package static func identity(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name; the start time is field 22 of the whole line.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return "\(pid):\(fields[19])"
    }

    /// True when the process named by `identity` still runs.
    package static func isAlive(_ identity: String) -> Bool {
        guard let pid = Int32(identity.prefix { $0 != ":" }) else { return false }
        return self.identity(of: pid) == identity
    }
}
