import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// The server's connections: HTTP/1.1 for the router, and the WebSocket upgrade of Engine.IO
/// endpoints served on the event loop.
///
/// Hummingbird's `HTTP1WebSocketUpgradeChannel` runs every WebSocket in a task of its own for
/// the life of the connection; an idle connection then keeps that task's stack slabs (about
/// 16 KiB, more than everything else the connection holds). Here the upgrade is NIO's, and
/// once it is done the connection's frames are handled by `EngineWebSocketHandler` in the
/// channel pipeline: the connection's task ends as soon as the upgrade has happened. HTTP
/// requests (the REST API, long-polling) are served as `HTTP1Channel` serves them.
public struct EngineHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    public enum UpgradeResult: Sendable {
        /// The connection is a WebSocket, served by its pipeline.
        case webSocket
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// An upgrade was asked for and refused: the answer is a plain 400.
        case failedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    public struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        public let channel: any Channel
    }

    public let responder: HTTPChannelHandler.Responder
    let endpoints: [EngineServer]
    let http1: HTTP1Channel.Configuration

    /// - Parameters:
    ///   - endpoints: the Engine.IO endpoints whose paths are upgraded, asked in turn.
    ///   - http1: the HTTP side's settings, as for `HTTP1Channel`.
    public init(responder: @escaping HTTPChannelHandler.Responder, endpoints: [EngineServer], http1: HTTP1Channel.Configuration = .init()) {
        self.responder = Self.refusingLateUpgrades(responder)
        self.endpoints = endpoints
        self.http1 = http1
    }

    /// Receive buffers start small: the channel keeps its last receive buffer for the next
    /// read, and NIO's default first size (2 KiB) would then stay with every idle WebSocket.
    /// An upgrade request fits in 512 bytes; larger reads (uploads, long messages) grow it.
    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 1 << 16)

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Set before the first read (the child channel is not registered yet).
            try channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: Self.receiveBuffers)
            // The decision of `shouldUpgrade`, for the pipeline setup that follows the 101.
            let accepted = NIOLoopBoundBox<(EngineServer, EngineServer.WebSocketTarget)?>(nil, eventLoop: channel.eventLoop)
            let attempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            let endpoints = self.endpoints
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                // Frames up to the largest maxPayload (browsers send a large message as one
                // frame); each endpoint's own limit applies to its messages.
                maxFrameSize: max(endpoints.map(\.configuration.maxPayload).max() ?? 0, 1 << 14),
                enableAutomaticErrorHandling: false,
                shouldUpgrade: { channel, head in
                    attempted.value = true
                    let headers = HTTPFields(head.headers, splitCookie: false)
                    let address = channel.remoteAddress?.ipAddress
                    for endpoint in endpoints {
                        switch endpoint.webSocketUpgrade(target: head.uri, headers: headers, remoteAddress: address) {
                        case nil:
                            continue
                        case .refuse:
                            return channel.eventLoop.makeSucceededFuture(nil)
                        case .accept(let target):
                            accepted.value = (endpoint, target)
                            return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                        }
                    }
                    return channel.eventLoop.makeSucceededFuture(nil)
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        if let (endpoint, target) = accepted.value {
                            accepted.value = nil
                            try endpoint.startWebSocket(target, on: channel)
                        }
                        return .webSocket
                    }
                })
            let http1 = self.http1
            let configuration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(http1.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return attempted.value ? .failedUpgrade(asyncChannel) : .notUpgraded(asyncChannel)
                    }
                })
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: configuration)
            pipeline.enablePipelining = false  // HTTP is pipelined by NIOAsyncChannel
            pipeline.enableErrorHandling = false  // Hummingbird answers errors
            pipeline.enableResponseHeaderValidation = false  // HTTP types validate them already
            pipeline.decoderConfiguration.maxHeaderFieldSize = http1.httpDecoder.maxHeaderFieldSize
            pipeline.decoderConfiguration.maxHeaderListSize = http1.httpDecoder.maxHeaderListSize
            pipeline.decoderConfiguration.maxHeaderFieldCount = http1.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(upgradeResult: result, channel: channel)
        }
    }

    /// Serves HTTP until the connection closes; returns at once for a WebSocket, whose
    /// pipeline serves it from then on.
    public func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .webSocket:
                return
            case .notUpgraded(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .failedUpgrade(let http1):
                await Self.refuseUpgrade(http1, logger: logger)
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("upgrade failed: input closed")
        } catch {
            logger.debug("upgrade failed", metadata: ["error": "\(error)"])
        }
    }

    /// A plain 400 with the connection closed.
    private static func refuseUpgrade(_ asyncChannel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        do {
            try await asyncChannel.executeThenClose { _, outbound in
                let head = HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
            }
        } catch {
            logger.trace("could not answer a refused upgrade", metadata: ["error": "\(error)"])
        }
    }

    /// NIO upgrades only the first request of a connection. A later request asking for a
    /// WebSocket is redirected to itself with the connection closed, so that the client
    /// retries on a new connection (as Hummingbird's WebSocket channel does).
    private static func refusingLateUpgrades(_ responder: @escaping HTTPChannelHandler.Responder) -> HTTPChannelHandler.Responder {
        struct RedirectedUpgrade: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                return try await responder(request, writer, channel)
            }
            var target = request.uri.path
            if let query = request.uri.query { target += "?\(query)" }
            try await writer.writeResponse(HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: target]))
            throw RedirectedUpgrade()
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the WebSocket upgrade of the given Engine.IO endpoints (see
    /// `EngineHTTPChannel`); requests for other paths are HTTP only.
    public static func engineIO(_ endpoints: [EngineServer], http1: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in
            EngineHTTPChannel(responder: responder, endpoints: endpoints, http1: http1)
        }
    }
}
