//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import HTTPTypes
import Hummingbird

/// Notes who is calling in ``ArgusRequestContext/clientAddress``: the connection's peer, or the
/// first `X-Forwarded-For` hop when the peer is a proxy config.yaml trusts. Sign-in throttling,
/// sessions and the audit log use it.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = ArgusRequestContext
    /// The proxies whose `X-Forwarded-For` is believed.
    let trustedProxies: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = clientAddress(of: request, peer: context.remoteAddress?.ipAddress)
        return try await next(request, context)
    }

    /// The peer, or the first forwarded hop a trusted proxy names.
    func clientAddress(of request: Request, peer: String?) -> String {
        let peer = peer ?? "unknown"
        guard trustedProxies.contains(peer), let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!] else { return peer }
        return forwarded.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? peer
    }
}
