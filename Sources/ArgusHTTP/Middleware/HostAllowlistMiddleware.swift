//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Hummingbird

/// Refuses requests whose `Host` is not one of `server.allowed_hosts` with `421 Misdirected
/// Request`: a page of another site whose name an attacker pointed at this server's address
/// (DNS rebinding) cannot talk to it. With no names configured, every `Host` is served.
struct HostAllowlistMiddleware: RouterMiddleware {
    typealias Context = ArgusRequestContext
    /// The names (`argus.home.arpa`) and names with a port (`argus.home.arpa:8443`), lower case.
    let allowed: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !allowed.isEmpty else { return try await next(request, context) }
        guard let authority = request.head.authority, Self.matches(authority, allowed) else {
            throw APIError(.misdirectedRequest, "This server does not answer for that host name (see server.allowed_hosts)")
        }
        return try await next(request, context)
    }

    /// Whether `authority` (`name`, `name:port`, `[v6]:port`) is allowed: exactly, or by its
    /// name when the allowed entry has no port.
    static func matches(_ authority: String, _ allowed: [String]) -> Bool {
        let authority = authority.lowercased()
        if allowed.contains(authority) { return true }
        let name: Substring
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            name = authority[...close]
        } else if authority.filter({ $0 == ":" }).count == 1, let colon = authority.firstIndex(of: ":") {
            name = authority[..<colon]
        } else {
            name = Substring(authority)
        }
        return allowed.contains(String(name))
    }
}
