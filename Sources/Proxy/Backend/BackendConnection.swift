import Logging
import MySQLProtocol
import NIOCore
import NIOPosix

/// One connection to a backend server: logs in, then runs one command at a time, either forwarding
/// the response to a client session or collecting it for Junction itself.
///
/// Lives on one event loop with the sessions that borrow it; every method must be called there.
final class BackendConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let key: PoolKey
    let server: BackendServer
    /// Where the pool and the statistics count this connection.
    let serverKey: ServerKey
    /// This connection's server counters in the loop's statistics.
    var serverStatsMemo = SlotMemo<ServerKey>()
    /// This connection's open/idle counts in the loop's pool.
    var poolCountsMemo = SlotMemo<ServerKey>()
    let createdAt: NIODeadline
    /// Session settings as they are on the server.
    var settings: SessionSettings
    /// When it last went back to the pool (monotonic nanoseconds), for `stats_mysql_free_connections`.
    var idleSince: UInt64 = 0
    /// When it was last known alive while idle: returned to the pool, or answered an idle ping.
    var checkedAt: UInt64 = 0
    /// When a session last took it from the pool (for `ConnectPatience`'s hold time); 0 = not from the pool.
    var checkedOutAt: UInt64 = 0
    /// Statements prepared on this connection, by SQL text.
    var preparedStatements: [String: PreparedOnBackend] = [:]
    /// The server's thread id (for KILL).
    private(set) var threadID: UInt32 = 0
    private(set) var serverVersion = ""
    private(set) var capabilities: CapabilityFlags = []
    private(set) var channel: Channel?
    /// This handler's place in the pipeline: commands are written from here, not from the pipeline's tail.
    /// Cleared in `handlerRemoved` (the context holds the handler).
    private var context: ChannelHandlerContext?
    /// Everything written to the server goes through it (see DirectSocketWriter for why).
    private let serverWriter = DirectSocketWriter()
    private(set) var isBroken = false
    /// Sequence id of the last packet forwarded to the client (to number an ERR after a partial response).
    private(set) var lastForwardedSequenceID: UInt8 = 0
    let logger: Logger

    private var authenticator: ClientLogin?
    private var loginPromise: EventLoopPromise<BackendConnection>?
    /// Completes when the login does.
    let loginFuture: EventLoopFuture<BackendConnection>
    private var inbound = ByteBuffer()
    private var operation: Operation?
    /// Follows the response of the running operation. Kept apart from `operation` so that each packet
    /// updates it in place instead of copying it out of the enum and back.
    private var tracker = ResponseTracker(command: .singlePacket, deprecateEOF: false)
    /// Some bytes of the forwarded response already reached the client (it can no longer be retried).
    private var forwardedAnything = false
    /// The running command ran with autocommit on for a session whose autocommit is off (a read outside a
    /// transaction): the response's final status flags are changed to show the session's autocommit, off.
    var presentsAutocommitOff = false
    /// The packets of a collected response so far.
    private var collected: [ByteBuffer] = []
    /// Inside a frame of a packet of 16 MiB or more: the next frame continues it.
    private var continuingLargePacket = false
    /// Reading from the server is paused because the client cannot take more bytes.
    private var readingPaused = false

    fileprivate enum Operation {
        case forward(BackendResponseSink)
        case collect(EventLoopPromise<InternalReply>)
    }

    init(key: PoolKey, server: BackendServer, settings: SessionSettings, authenticator: ClientLogin,
         loop: EventLoop, logger: Logger) {
        self.key = key
        self.server = server
        self.serverKey = ServerKey(hostgroup: server.hostgroup, endpoint: server.endpoint)
        self.settings = settings
        self.authenticator = authenticator
        self.createdAt = .now()
        let loginPromise = loop.makePromise(of: BackendConnection.self)
        self.loginPromise = loginPromise
        self.loginFuture = loginPromise.futureResult
        self.logger = logger
    }

    /// Opens a TCP connection and logs in.
    static func connect(key: PoolKey, server: BackendServer, user: ProxyUser, schema: String?,
                        clientCapabilities: CapabilityFlags, on loop: EventLoop, timeoutMs: Int,
                        logger: Logger) -> EventLoopFuture<BackendConnection> {
        var wanted: CapabilityFlags = [.longPassword, .longFlag, .protocol41, .transactions, .secureConnection,
                                       .multiStatements, .multiResults, .psMultiResults, .pluginAuth,
                                       .pluginAuthLenencClientData]
        wanted.formUnion(clientCapabilities.intersection(.resultShaping))
        let auth = ClientLogin(username: user.username, password: user.password, schema: schema,
                                        wantedCapabilities: wanted, collation: key.collation)
        var settings = SessionSettings(schema: schema)
        settings.multiStatements = true
        let connection = BackendConnection(key: key, server: server, settings: settings, authenticator: auth,
                                           loop: loop, logger: logger)
        let timeout = TimeAmount.milliseconds(Int64(max(timeoutMs, 1)))
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in channel.pipeline.addHandler(connection) }
            .connect(host: server.endpoint.host, port: server.endpoint.port)
        connected.whenFailure { error in
            connection.failLogin(.connectFailed(server.endpoint, "\(error)"))
        }
        let deadline = loop.scheduleTask(in: timeout) {
            connection.failLogin(.timeout(server.endpoint))
            connection.channel?.close(promise: nil)
        }
        let login = connection.loginFuture
        login.whenComplete { _ in deadline.cancel() }
        return login
    }

    var isIdle: Bool { operation == nil && !isBroken && (channel?.isActive ?? false) }

    // MARK: - Commands

    /// Sends a client command and forwards the response to `sink`; `clientWritable` says whether the
    /// client can take bytes right now (reading starts paused if not).
    func forward(command payload: ByteBuffer, tracker: ResponseTracker, to sink: BackendResponseSink, clientWritable: Bool) {
        guard operation == nil else {
            // A bug elsewhere, not the client's doing: this command fails and the connection is dropped, the
            // process goes on.
            logger.error("a command was sent on a busy backend connection", metadata: ["backend": "\(server.endpoint)"])
            close()
            sink.backendFailed(self, error: BackendError.protocolViolation("busy connection"), forwardedAnything: false)
            return
        }
        setReading(clientWritable)
        self.tracker = tracker
        forwardedAnything = false
        operation = .forward(sink)
        send(payload, sequenceID: 0)
    }

    /// Sends raw packets (LOCAL INFILE data) of the command in progress; the caller framed them.
    func sendRaw(_ bytes: ByteBuffer, flush: Bool) {
        guard let context else { return }
        serverWriter.write(bytes, context: context)
        if flush { serverWriter.flush(context: context) }
    }

    /// The client finished its LOCAL INFILE upload.
    func localInfileDataSent() {
        if case .forward = operation { tracker.localInfileDataSent() }
    }

    /// Sends a command of Junction's own and returns its reply.
    func execute(_ payload: ByteBuffer, command: ResponseTracker.Command) -> EventLoopFuture<InternalReply> {
        guard let channel, channel.isActive, !isBroken else {
            return (channel?.eventLoop ?? loginFuture.eventLoop).makeFailedFuture(BackendError.connectionLost(server.endpoint))
        }
        guard operation == nil else {
            logger.error("a command of Junction's own was sent on a busy backend connection", metadata: ["backend": "\(server.endpoint)"])
            return channel.eventLoop.makeFailedFuture(BackendError.protocolViolation("busy connection"))
        }
        setReading(true)
        let promise = channel.eventLoop.makePromise(of: InternalReply.self)
        tracker = ResponseTracker(command: command, deprecateEOF: capabilities.contains(.deprecateEOF))
        collected = []
        operation = .collect(promise)
        send(payload, sequenceID: 0)
        return promise.futureResult
    }

    /// COM_PING with a deadline: false when the connection is dead (reset, closed, an error, or silent past
    /// `timeoutMs` — then it is closed, as a firewall that forgot it would leave it hanging).
    func isAlive(timeoutMs: Int) -> EventLoopFuture<Bool> {
        var payload = ByteBuffer()
        payload.writeInteger(CommandCode.ping.rawValue)
        let reply = execute(payload, command: .singlePacket)
        let deadline = reply.eventLoop.scheduleTask(in: .milliseconds(Int64(max(timeoutMs, 1)))) { [self] in close() }
        return reply.map { reply in
            deadline.cancel()
            if case .error = reply { return false }
            return true
        }.recover { _ in
            deadline.cancel()
            return false
        }
    }

    /// Sends a command that has no response (COM_STMT_SEND_LONG_DATA, COM_STMT_CLOSE).
    func sendWithoutResponse(_ payload: ByteBuffer) {
        send(payload, sequenceID: 0, flush: false)
    }

    func close() {
        isBroken = true
        serverWriter.detach()
        channel?.close(promise: nil)
    }

    /// Says goodbye (COM_QUIT) before closing, so the server logs no aborted connection.
    func quit() {
        guard let channel, let context, channel.isActive, !isBroken, operation == nil else { close(); return }
        isBroken = true
        var out = channel.allocator.buffer(capacity: 5)
        var payload = channel.allocator.buffer(capacity: 1)
        payload.writeInteger(CommandCode.quit.rawValue)
        out.writeMySQLPacket(sequenceID: 0, payload: payload)
        serverWriter.writeAndFlushThroughNIO(out, context: context).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Stops or resumes reading from the server (backpressure from a slow client). Only a forwarded
    /// response is ever paused: every command starts, and every response ends, with reading on, so a
    /// connection never reaches the pool (or its next command) paused.
    func setReading(_ enabled: Bool) {
        guard enabled == readingPaused, let channel else { return }
        readingPaused = !enabled
        channel.setOption(ChannelOptions.autoRead, value: enabled).whenComplete { _ in }
        if enabled { channel.read() }
    }

    private func send(_ payload: ByteBuffer, sequenceID: UInt8, flush: Bool = true) {
        guard let context else { return }
        // A client's command as it arrived is sent with its own frame: no copy.
        if let framed = payload.frameInFront(sequenceID: sequenceID) {
            serverWriter.write(framed, context: context)
        } else {
            var out = context.channel.allocator.buffer(capacity: payload.readableBytes + 8)
            out.writeMySQLPacket(sequenceID: sequenceID, payload: payload)
            serverWriter.write(out, context: context)
        }
        if flush { serverWriter.flush(context: context) }
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        channel = context.channel
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        serverWriter.attach(to: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        serverWriter.detach()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if inbound.readableBytes == 0 { inbound = bytes } else { inbound.writeBuffer(&bytes) }
        if authenticator != nil { processLogin(context: context) }
        if authenticator == nil { processResponse(context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .forward(let sink) = operation { sink.backendFlush() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        serverWriter.detach()
        fail(.connectionLost(server.endpoint))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("backend error", metadata: ["backend": "\(server.endpoint)", "error": "\(error)"])
        fail(.connectionLost(server.endpoint))
        context.close(promise: nil)
    }

    private func fail(_ error: BackendError) {
        isBroken = true
        failLogin(error)
        switch operation {
        case .forward(let sink):
            operation = nil
            sink.backendFailed(self, error: error, forwardedAnything: forwardedAnything)
        case .collect(let promise):
            operation = nil
            collected = []
            promise.fail(error)
        case nil:
            break
        }
    }

    private func failLogin(_ error: BackendError) {
        guard let promise = loginPromise else { return }
        loginPromise = nil
        authenticator = nil
        isBroken = true
        promise.fail(error)
    }

    private func processLogin(context: ChannelHandlerContext) {
        while authenticator != nil, let (payload, sequenceID) = inbound.readFrame() {
            switch authenticator!.packetReceived(payload, sequenceID: sequenceID) {
            case .send(let body, let seq):
                send(body, sequenceID: seq)
            case .wait:
                continue
            case .authenticated(let handshake):
                threadID = handshake.connectionID
                serverVersion = handshake.serverVersion
                capabilities = authenticator!.negotiated
                authenticator = nil
                let promise = loginPromise
                loginPromise = nil
                promise?.succeed(self)
            case .failed(let failure):
                failLogin(BackendError(failure))
                context.close(promise: nil)
                return
            }
        }
    }

    /// Shows the client its own autocommit (off) in the terminator at `range` of `inbound`.
    private func clearAutocommitFlag(in range: Range<Int>) {
        presentsAutocommitOff = false
        guard let packet = inbound.getSlice(at: range.lowerBound, length: range.count),
              let offset = ServerStatusFlags.offset(inTerminator: packet),
              let flags = inbound.getInteger(at: range.lowerBound + offset - packet.readerIndex, endianness: .little, as: UInt16.self)
        else { return }
        inbound.setInteger(flags & ~ServerStatusFlags.autocommit.rawValue, at: range.lowerBound + offset - packet.readerIndex,
                           endianness: .little)
    }

    /// Walks the complete packets in `inbound`, feeds them to the operation's tracker, and forwards
    /// them as one slice per read burst.
    private func processResponse(context: ChannelHandlerContext) {
        guard let current = operation else {
            if inbound.readableBytes > 0 {
                logger.debug("unexpected data from idle backend", metadata: ["backend": "\(server.endpoint)"])
                fail(.protocolViolation("data while idle"))
                context.close(promise: nil)
            }
            return
        }
        switch current {
        case .forward(let sink):
            let start = inbound.readerIndex
            var end = start
            var outcome: ResponseTracker.Event = .continues
            var lastPacket = 0..<0
            while let (length, sequenceID) = inbound.peekFrameHeader(at: end), inbound.writerIndex - end >= 4 + length {
                lastForwardedSequenceID = sequenceID
                let wasContinuation = continuingLargePacket
                continuingLargePacket = length == MySQLFrame.maxPayloadLength
                if !wasContinuation {
                    outcome = tracker.packetReceived(inbound.getSlice(at: end + 4, length: length)!)
                }
                lastPacket = (end + 4)..<(end + 4 + length)
                end += 4 + length
                if case .continues = outcome { continue }
                if continuingLargePacket { outcome = .continues; continue }
                break
            }
            if presentsAutocommitOff, case .ended(status: .some, _, _) = outcome { clearAutocommitFlag(in: lastPacket) }
            if end > start {
                sink.backendForward(inbound.getSlice(at: start, length: end - start)!)
                inbound.moveReaderIndex(to: end)
                forwardedAnything = true
            }
            if inbound.readableBytes == 0 { inbound = ByteBuffer() }
            switch outcome {
            case .continues:
                break
            case .localInfileRequested:
                sink.backendLocalInfileRequested(self)
            case .ended(let status, let warnings, let isError):
                operation = nil
                setReading(true)
                sink.backendResponseEnded(self, status: status, warnings: warnings, isError: isError,
                                          summary: ResponseSummary(tracker))
                if operation == nil, inbound.readableBytes > 0 { processResponse(context: context) }
            case .protocolViolation(let why):
                logger.warning("backend protocol violation", metadata: ["backend": "\(server.endpoint)", "why": "\(why)"])
                fail(.protocolViolation(why))
                context.close(promise: nil)
            }
        case .collect(let promise):
            while let (payload, _) = inbound.readFrame() {
                switch tracker.packetReceived(payload) {
                case .continues:
                    collected.append(ByteBuffer(buffer: payload))
                case .ended(let status, _, let isError):
                    operation = nil
                    var packets = collected
                    collected = []
                    if isError {
                        let err = (try? ErrPacket.decode(from: payload, capabilities: .protocol41)) ?? MySQLErrorCode.general.packet("backend error")
                        promise.succeed(.error(err))
                    } else if tracker.command == .prepare {
                        packets.append(ByteBuffer(buffer: payload))
                        promise.succeed(.packets(packets))
                    } else {
                        promise.succeed(.ok(status: status ?? []))
                    }
                    if inbound.readableBytes == 0 { inbound = ByteBuffer() }
                    return
                case .localInfileRequested, .protocolViolation:
                    operation = nil
                    collected = []
                    fail(.protocolViolation("unexpected reply to an internal command"))
                    promise.fail(BackendError.protocolViolation("unexpected reply to an internal command"))
                    context.close(promise: nil)
                    return
                }
            }
        }
    }
}
