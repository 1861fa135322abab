import Foundation
import MySQLProtocol
import NIOCore
import NIOPosix

/// A small MySQL client for Junction's own checks (the monitor): log in, run text queries, ping.
/// One command at a time; every call has a timeout. Used only on its event loop.
public final class MySQLClientConnection: @unchecked Sendable {
    public let channel: Channel
    private let handler: ClientHandler

    public var serverVersion: String { handler.serverVersion }
    public var threadID: UInt32 { handler.threadID }
    public var isOpen: Bool { channel.isActive }

    private init(channel: Channel, handler: ClientHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// Connects and logs in; the future fails with `MySQLClientError`.
    public static func connect(host: String, port: Int, username: String, password: String, timeoutMs: Int,
                               on loop: EventLoop) -> EventLoopFuture<MySQLClientConnection> {
        let login = ClientLogin(username: username, password: password, schema: nil,
                                wantedCapabilities: [.protocol41, .secureConnection, .pluginAuth, .pluginAuthLenencClientData,
                                                     .longPassword, .transactions],
                                collation: 33)
        let promise = loop.makePromise(of: MySQLClientConnection.self)
        let handler = ClientHandler(login: login)
        var completed = false
        func finish(_ result: Result<MySQLClientConnection, MySQLClientError>) {
            guard !completed else { return }
            completed = true
            promise.completeWith(result.mapError { $0 as Error })
        }
        let timeout = loop.scheduleTask(in: .milliseconds(Int64(max(timeoutMs, 1)))) {
            finish(.failure(.timeout))
        }
        ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(max(timeoutMs, 1))))
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { $0.pipeline.addHandler(handler) }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    timeout.cancel()
                    finish(.failure(.connectFailed(Self.describe(error))))
                case .success(let channel):
                    handler.loginFinished.whenComplete { outcome in
                        timeout.cancel()
                        switch outcome {
                        case .success: finish(.success(MySQLClientConnection(channel: channel, handler: handler)))
                        case .failure(let error): finish(.failure(error as? MySQLClientError ?? .closed))
                        }
                    }
                    promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
                }
            }
        return promise.futureResult
    }

    /// "Connection refused" rather than NIO's nested error dump.
    static func describe(_ error: Error) -> String {
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            if let io = first.error as? IOError { return "\(connection.host):\(connection.port): \(String(cString: strerror(io.errnoCode)))" }
            return "\(connection.host):\(connection.port): \(first.error)"
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)"
    }

    public func query(_ sql: String, timeoutMs: Int) -> EventLoopFuture<MySQLTextResult> {
        var payload = channel.allocator.buffer(capacity: sql.utf8.count + 1)
        payload.writeInteger(CommandCode.query.rawValue)
        payload.writeString(sql)
        return run(payload, timeoutMs: timeoutMs, reader: TextResultReader())
    }

    public func ping(timeoutMs: Int) -> EventLoopFuture<Void> {
        var payload = channel.allocator.buffer(capacity: 1)
        payload.writeInteger(CommandCode.ping.rawValue)
        return run(payload, timeoutMs: timeoutMs, reader: TextResultReader()).map { _ in () }
    }

    public func close() {
        guard channel.isActive else { return }
        var payload = channel.allocator.buffer(capacity: 1)
        payload.writeInteger(CommandCode.quit.rawValue)
        var packet = channel.allocator.buffer(capacity: 5)
        packet.writeMySQLPacket(sequenceID: 0) { $0.writeBytes(payload.readableBytesView) }
        channel.writeAndFlush(packet).whenComplete { [channel] _ in channel.close(promise: nil) }
    }

    private func run(_ payload: ByteBuffer, timeoutMs: Int, reader: TextResultReader) -> EventLoopFuture<MySQLTextResult> {
        let promise = channel.eventLoop.makePromise(of: MySQLTextResult.self)
        guard channel.isActive else {
            promise.fail(MySQLClientError.closed)
            return promise.futureResult
        }
        guard handler.pending == nil else {
            promise.fail(MySQLClientError.busy)
            return promise.futureResult
        }
        handler.pending = (reader, promise)
        var packet = channel.allocator.buffer(capacity: payload.readableBytes + 4)
        packet.writeMySQLPacket(sequenceID: 0) { $0.writeBytes(payload.readableBytesView) }
        channel.writeAndFlush(packet, promise: nil)
        let timeout = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(max(timeoutMs, 1)))) { [channel, handler] in
            // A late answer would be read as the next command's: the connection is not reusable.
            handler.fail(MySQLClientError.timeout)
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        return promise.futureResult
    }
}

/// Login, then one pending command's packets.
private final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var login: ClientLogin?
    private var inbound = ByteBuffer()
    private var loginPromise: EventLoopPromise<Void>?
    private var loginFuture: EventLoopFuture<Void>?
    var pending: (reader: TextResultReader, promise: EventLoopPromise<MySQLTextResult>)?
    var serverVersion = ""
    var threadID: UInt32 = 0
    private var context: ChannelHandlerContext?

    init(login: ClientLogin) {
        self.login = login
    }

    var loginFinished: EventLoopFuture<Void> { loginFuture! }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let promise = context.eventLoop.makePromise(of: Void.self)
        loginPromise = promise
        loginFuture = promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        inbound.writeBuffer(&bytes)
        while let (payload, sequenceID) = inbound.readFrame() {
            if login != nil {
                loginPacket(payload, sequenceID: sequenceID, context: context)
            } else if var current = pending {
                switch current.reader.packetReceived(payload) {
                case .needMore:
                    pending = current
                case .done(let result):
                    pending = nil
                    current.promise.succeed(result)
                case .failed(let error):
                    pending = nil
                    current.promise.fail(error)
                }
            }
        }
        inbound.discardReadBytes()
    }

    private func loginPacket(_ payload: ByteBuffer, sequenceID: UInt8, context: ChannelHandlerContext) {
        switch login!.packetReceived(payload, sequenceID: sequenceID) {
        case .send(let body, let sequence):
            var packet = context.channel.allocator.buffer(capacity: body.readableBytes + 4)
            packet.writeMySQLPacket(sequenceID: sequence) { $0.writeBytes(body.readableBytesView) }
            context.writeAndFlush(wrapOutboundOut(packet), promise: nil)
        case .wait:
            break
        case .authenticated(let handshake):
            login = nil
            serverVersion = handshake.serverVersion
            threadID = handshake.connectionID
            loginPromise?.succeed(())
            loginPromise = nil
        case .failed(let failure):
            login = nil
            loginPromise?.fail(MySQLClientError.login(failure))
            loginPromise = nil
        }
    }

    func fail(_ error: MySQLClientError) {
        loginPromise?.fail(error)
        loginPromise = nil
        if let current = pending {
            pending = nil
            current.promise.fail(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(.connectFailed("\(error)"))
        context.close(promise: nil)
    }
}
