//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusAccounts
import Foundation
import Hummingbird
import Logging

/// Appends what people and keys did to the audit log; a failure to write it is logged, never
/// hidden and never fails the request.
///
/// ```swift
/// await services.audit("login", context, request: request, user: user)
/// ```
struct AuditLog: Sendable {
    /// Where the log is kept.
    let accounts: any AccountStore
    /// Where a failure to write it is reported.
    let logger: Logger

    /// Records an action by the request's caller (or `user`, before a session exists).
    func callAsFunction(
        _ action: String, _ context: ArgusRequestContext, request: Request, user: User? = nil, resource: (type: String, id: String)? = nil,
        details: String? = nil, success: Bool = true
    ) async {
        var apiKeyID: APIKeyID?
        var actor = user
        if let identity = context.identity {
            actor = actor ?? identity.user
            if case .apiKey(_, let key) = identity { apiKeyID = key.id }
        }
        let entry = AuditEntry(
            userID: actor?.id, username: actor?.username, apiKeyID: apiKeyID, action: action, resourceType: resource?.type, resourceID: resource?.id,
            details: details, clientAddress: context.clientAddress, userAgent: request.headers[.userAgent].map { String($0.prefix(200)) },
            success: success)
        do {
            try await accounts.appendAudit(entry)
        } catch {
            logger.error("could not write the audit log: \(error)", metadata: ["action": "\(action)"])
        }
    }
}
