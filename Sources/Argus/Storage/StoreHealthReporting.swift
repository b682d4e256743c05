//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A store that knows when it can no longer be trusted: a damaged file found at run time, say.
///
/// argus-server's `/health` asks a store that adopts it, and stops serving requests that would
/// touch a store that reports a problem.
public protocol StoreHealthReporting: Sendable {
    /// Why the store cannot be used now, in a sentence without file paths or secrets; `nil` while
    /// it is healthy.
    func healthProblem() async -> String?
}
