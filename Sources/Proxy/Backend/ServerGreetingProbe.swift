import MySQLProtocol
import NIOCore
import NIOPosix

/// Reads a server's greeting (HandshakeV10) and hangs up, without logging in: enough to learn the
/// version string clients should see, or that a server (or Junction's own client port) accepts connections.
public final class ServerGreetingProbe: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    private var buffer = ByteBuffer()
    private let promise: EventLoopPromise<String>

    init(promise: EventLoopPromise<String>) { self.promise = promise }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        guard let (payload, _) = buffer.readFrame() else { return }
        if let handshake = try? HandshakeV10.decode(from: payload) { promise.succeed(handshake.serverVersion) }
        else { promise.fail(BackendError.protocolViolation("no greeting")) }
        context.close(promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        promise.fail(BackendError.protocolViolation("closed before the greeting"))
    }

    /// The server's version string; fails when it refuses, answers no greeting (an ERR such as "too many
    /// connections") or says nothing within `timeoutMs`.
    public static func version(of endpoint: ServerEndpoint, on loop: EventLoop, timeoutMs: Int) -> EventLoopFuture<String> {
        let promise = loop.makePromise(of: String.self)
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(timeoutMs)))
            .channelInitializer { $0.pipeline.addHandler(ServerGreetingProbe(promise: promise)) }
            .connect(host: endpoint.host, port: endpoint.port)
        connected.whenFailure { promise.fail($0) }
        let silence = loop.scheduleTask(in: .milliseconds(Int64(timeoutMs))) {
            promise.fail(BackendError.protocolViolation("no greeting within \(timeoutMs) ms"))
            connected.whenSuccess { $0.close(promise: nil) }
        }
        promise.futureResult.whenComplete { _ in silence.cancel() }
        return promise.futureResult
    }
}
