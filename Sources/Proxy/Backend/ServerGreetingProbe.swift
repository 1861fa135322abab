import MySQLProtocol
import NIOCore
import NIOPosix

/// Reads a server's greeting (HandshakeV10) and hangs up, without logging in: enough to learn the
/// version string clients should see.
final class ServerGreetingProbe: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var buffer = ByteBuffer()
    private let promise: EventLoopPromise<String>

    init(promise: EventLoopPromise<String>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        guard let (payload, _) = buffer.readFrame() else { return }
        if let handshake = try? HandshakeV10.decode(from: payload) { promise.succeed(handshake.serverVersion) }
        else { promise.fail(BackendError.protocolViolation("no greeting")) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(BackendError.protocolViolation("closed before the greeting"))
    }

    static func version(of endpoint: ServerEndpoint, on loop: EventLoop, timeoutMs: Int) -> EventLoopFuture<String> {
        let promise = loop.makePromise(of: String.self)
        ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(timeoutMs)))
            .channelInitializer { $0.pipeline.addHandler(ServerGreetingProbe(promise: promise)) }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenFailure { promise.fail($0) }
        return promise.futureResult
    }
}
