//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import ArgusAccounts
public import Foundation
public import Hummingbird
public import NIOCore

/// Who made a request: a signed-in user (with their session) or an API key.
public enum Identity: Sendable {
    /// A browser session.
    case session(User, LoginSession)
    /// An API key (and its owner).
    case apiKey(User, APIKey)

    /// The user behind the request.
    public var user: User {
        switch self {
        case .session(let user, _), .apiKey(let user, _): user
        }
    }
}

/// The request context of every Argus route: JSON in snake_case, the caller's identity and address.
public struct ArgusRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's own part.
    public var coreContext: CoreRequestContextStorage
    /// Who is calling, once the authentication middleware has looked.
    public var identity: Identity?
    /// The client's address: the peer, or the first `X-Forwarded-For` hop from a trusted proxy.
    public var clientAddress: String
    /// The connection's peer.
    public var remoteAddress: SocketAddress?

    /// Creates the context of a request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies up to 64 MiB (nmap XML uploads); JSON routes limit themselves further.
    public var maxUploadSize: Int { 64 * 1024 * 1024 }

    /// snake_case JSON with ISO 8601 dates, as the original API.
    public var requestDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// snake_case JSON with ISO 8601 dates, as the original API.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The identity, or a 401.
    public func requireIdentity() throws -> Identity {
        guard let identity else { throw APIError.unauthenticated }
        return identity
    }

    /// The session of a browser, or a 401 (some routes are for people, not keys).
    public func requireSession() throws -> (User, LoginSession) {
        guard case .session(let user, let session) = identity else { throw APIError(.unauthorized, "This needs a signed-in session, not an API key") }
        return (user, session)
    }
}
