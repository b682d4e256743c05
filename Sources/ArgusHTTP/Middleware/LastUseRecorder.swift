//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Logging

/// Notes when an API key or a session was last used: one write a minute at most, not one per
/// request. A failure to note it (a full disk, a database gone read-only) never fails the
/// request: the credential is valid whether or not its last use is recorded.
struct LastUseRecorder: Sendable {
    /// Where keys and sessions are kept.
    let accounts: any AccountStore
    /// Store errors for the log, without paths.
    let storeHealth: StoreHealth
    /// Where a failure is reported.
    let logger: Logger

    /// Notes a use of `key` at `now`.
    func noteUse(of key: APIKey, at now: Date) async {
        guard key.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true else { return }
        do {
            try await accounts.recordUse(of: key.id, at: now)
        } catch {
            logger.warning("could not record the use of API key \(key.id.rawValue): \(storeHealth.described(error))")
        }
    }

    /// Notes a use of `session` (of `user`) at `now`.
    func noteUse(of session: LoginSession, by user: User, at now: Date) async {
        guard now.timeIntervalSince(session.lastSeenAt) > 60 else { return }
        do {
            try await accounts.touchSession(idHash: session.idHash, at: now)
        } catch {
            logger.warning("could not record the last use of a session of user \(user.id.rawValue): \(storeHealth.described(error))")
        }
    }
}
