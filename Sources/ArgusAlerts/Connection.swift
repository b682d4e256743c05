//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a sink speaks TLS: the context (trust roots, minimum version) and the name to check the
/// server's certificate against.
struct TLSClient: Sendable {
    /// The shared, thread-safe context.
    let context: NIOSSLContext
    /// The host name for SNI and verification; `nil` for an IP address, which NIOSSL then checks
    /// against the certificate's IP subject alternative names.
    let serverHostname: String?

    /// A client for `host`, trusting the system roots or only the certificates in `trustRootsFile`
    /// (PEM).
    /// - Throws: a readable message when the file cannot be read or holds no certificate.
    init(host: String, trustRootsFile: String?) throws(ConnectionError) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let trustRootsFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(trustRootsFile)
            } catch {
                throw ConnectionError("cannot read the trust roots in \(trustRootsFile): \(error)")
            }
            guard !certificates.isEmpty else { throw ConnectionError("\(trustRootsFile) holds no PEM certificate") }
            configuration.trustRoots = .certificates(certificates)
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConnectionError("cannot set up TLS: \(error)")
        }
        serverHostname = Self.isIPAddress(host) ? nil : host
    }

    /// Whether `host` is an IPv4 or IPv6 literal (SNI may not carry those).
    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// A new handler; call on the channel's event loop (handlers are not `Sendable`).
    func makeHandler() throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
    }
}

/// A failure below the protocol: the server cannot be reached, TLS fails, the connection closes
/// early, the deadline passes, or the server sends more than any reply could hold.
struct ConnectionError: Error, CustomStringConvertible {
    /// For people.
    var description: String
    /// Whether it was the deadline.
    var isTimeout = false

    init(_ description: String, isTimeout: Bool = false) {
        self.description = description
        self.isTimeout = isTimeout
    }
}

/// One client TCP connection (optionally TLS from the start) that a protocol reads replies from
/// and writes commands to, from a single task.
///
/// Everything it does is bounded by the deadline given to ``with(host:port:tls:timeout:_:)``:
/// when it passes, the channel is closed, which ends any read or write in progress.
final class Connection {
    /// The most bytes kept while waiting for one complete reply or packet.
    let maximumPending: Int
    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Received bytes not yet consumed by a parser.
    private var buffer = ByteBuffer()
    /// Every byte taken from the channel so far (before TLS: see ``startTLS(_:)``).
    private var received = 0

    private init(
        channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        maximumPending: Int
    ) {
        self.channel = channel
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.maximumPending = maximumPending
    }

    /// Connects to `host:port`, runs `body` on the connection, and closes it; the whole within
    /// `timeout`, and cancelled with the calling task.
    static func with<Result: Sendable>(
        host: String,
        port: Int,
        tls: TLSClient?,
        timeout: Duration,
        resolver: SinkHostResolver = .system,
        maximumPending: Int = 64 * 1024,
        _ body: (Connection) async throws -> Result
    ) async throws -> Result {
        // A day is plenty, and keeps NIO's deadlines far from overflowing.
        let timeout = min(timeout, .seconds(86_400))
        let start = ContinuousClock.now
        // Resolved and checked here, and only those addresses are connected to (no DNS
        // rebinding to a metadata service); each is tried in turn.
        let addresses: [SocketAddress]
        do {
            addresses = try await resolver.addresses(of: host, port: port)
        } catch {
            throw ConnectionError("\(error)", isTimeout: false)
        }
        var connected: NIOAsyncChannel<ByteBuffer, ByteBuffer>?
        var failures: [String] = []
        for address in addresses {
            let left = timeout - (ContinuousClock.now - start)
            guard left > .zero else { break }
            do {
                connected = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(TimeAmount(left))
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(to: address) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ReceivedBytes())
                            if let tls {
                                try channel.pipeline.syncOperations.addHandler(tls.makeHandler(), position: .first)
                            }
                            return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                break
            } catch {
                if Self.isConnectTimeout(error) { throw ConnectionError("could not connect to \(host):\(port) within \(timeout)", isTimeout: true) }
                failures.append(Self.describe(error))
            }
        }
        guard let asyncChannel = connected else {
            if failures.isEmpty { throw ConnectionError("could not connect to \(host):\(port) within \(timeout)", isTimeout: true) }
            throw ConnectionError("cannot connect to \(host):\(port): " + failures.joined(separator: "; "), isTimeout: false)
        }
        let remaining = timeout - (ContinuousClock.now - start)
        return try await Self.run(asyncChannel, timeout: timeout, remaining: remaining, maximumPending: maximumPending, body)
    }

    /// Whether a connect failed by its timeout.
    private static func isConnectTimeout(_ error: any Error) -> Bool {
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        return false
    }

    /// Runs `body` under the deadline: a timer closes the channel when it passes.
    private static func run<Result: Sendable>(
        _ asyncChannel: NIOAsyncChannel<ByteBuffer, ByteBuffer>,
        timeout: Duration,
        remaining: Duration,
        maximumPending: Int,
        _ body: (Connection) async throws -> Result
    ) async throws -> Result {
        let channel = asyncChannel.channel
        let timer = Deadline()
        let scheduled = channel.eventLoop.scheduleTask(in: TimeAmount(max(remaining, .zero))) {
            timer.expire()
            channel.close(promise: nil)
        }
        defer { scheduled.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await asyncChannel.executeThenClose { inbound, outbound in
                    let connection = Connection(channel: channel, inbound: inbound, outbound: outbound, maximumPending: maximumPending)
                    return try await body(connection)
                }
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch  where timer.hasExpired {
            throw ConnectionError("no answer within \(timeout)", isTimeout: true)
        }
    }

    /// Reads until `parse` finds a complete reply or packet at the start of the received bytes
    /// (it consumes what it returns, and returns `nil` while more is needed).
    /// - Throws: ``ConnectionError`` when the connection closes first or more than
    ///   ``maximumPending`` bytes arrive without a complete reply; and whatever `parse` throws.
    func read<Value>(_ parse: (inout ByteBuffer) throws -> Value?) async throws -> Value {
        while true {
            if let value = try parse(&buffer) {
                buffer.discardReadBytes()
                return value
            }
            guard buffer.readableBytes <= maximumPending else {
                throw ConnectionError("the server sent more than \(maximumPending) bytes without a complete reply")
            }
            let chunk: ByteBuffer?
            do {
                chunk = try await inbound.next()
            } catch {
                throw ConnectionError(Self.describe(error))
            }
            guard var chunk else { throw ConnectionError("the server closed the connection") }
            received += chunk.readableBytes
            buffer.writeBuffer(&chunk)
        }
    }

    /// Waits for the server to close the connection, discarding what it sends.
    func drain() async {
        while let chunk = try? await inbound.next() {
            _ = chunk
        }
    }

    /// Sends bytes.
    func write(_ bytes: ByteBuffer) async throws {
        do {
            try await outbound.write(bytes)
        } catch {
            // The connection is gone; why (a failed TLS handshake, say) waits in the inbound
            // stream, which ends quickly on a closed channel.
            do {
                while let chunk = try await inbound.next() { _ = chunk }
            } catch let reason {
                throw ConnectionError(Self.describe(reason))
            }
            throw ConnectionError("sending failed: \(Self.describe(error))")
        }
    }

    /// Sends a string as UTF-8.
    func write(_ text: String) async throws {
        try await write(ByteBuffer(string: text))
    }

    /// Upgrades the connection to TLS (after the server agreed to STARTTLS).
    ///
    /// Refuses when the server sent anything after its go-ahead: bytes that arrived in plain text
    /// would otherwise be read as if they came through TLS (a response-injection attack).
    func startTLS(_ tls: TLSClient) async throws {
        guard buffer.readableBytes == 0 else {
            throw ConnectionError("the server sent data after agreeing to STARTTLS; refusing to continue")
        }
        let taken = received
        try await channel.eventLoop.submit { [channel] in
            let counter = try channel.pipeline.syncOperations.handler(type: ReceivedBytes.self)
            guard counter.count == taken else {
                throw ConnectionError("the server sent data after agreeing to STARTTLS; refusing to continue")
            }
            try channel.pipeline.syncOperations.addHandler(tls.makeHandler(), position: .first)
        }.get()
    }

    /// The local address as an SMTP address literal (`[192.0.2.1]`, `[IPv6:…]`), for EHLO.
    var localAddressLiteral: String {
        guard let address = channel.localAddress, let ip = address.ipAddress else { return "[127.0.0.1]" }
        if case .v6 = address { return "[IPv6:\(ip)]" }
        return "[\(ip)]"
    }

    /// A readable form of a channel, socket or TLS error.
    static func describe(_ error: any Error) -> String {
        switch error {
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError:
            let text = "\(error)"
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return
                    "TLS failed: the server's certificate is not trusted (CERTIFICATE_VERIFY_FAILED); for a private CA or a self-signed certificate, set trustRootsFile to its PEM"
            }
            // BoringSSL's reason, without its source file and line.
            if let range = text.firstRange(of: "OPENSSL_internal:") {
                return "TLS failed: " + text[range.upperBound...].prefix { $0 != " " && $0 != "]" }
            }
            return "TLS failed: \(text)"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode)).lowercased()
        case ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed, ChannelError.eof:
            return "the connection is closed"
        default:
            return "\(error)"
        }
    }
}

/// The timer's flag: whether the deadline closed the channel.
private final class Deadline: Sendable {
    private let expired = Atomic<Bool>(false)
    func expire() { expired.store(true, ordering: .sequentiallyConsistent) }
    var hasExpired: Bool { expired.load(ordering: .sequentiallyConsistent) }
}

/// Counts the bytes that arrive before TLS, so ``Connection/startTLS(_:)`` can tell whether
/// any are still queued unread.
private final class ReceivedBytes: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private(set) var count = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        count += unwrapInboundIn(data).readableBytes
        context.fireChannelRead(data)
    }
}
