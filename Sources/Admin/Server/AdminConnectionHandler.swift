import JunctionConfig
import Logging
import MySQLProtocol
import NIOCore

/// One admin client: handshake, login, then one statement at a time through the `AdminExecutor`.
///
/// Runs on the admin event loop, like the executor, so statements from all admin clients are serialised.
final class AdminConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case greeting
        case awaitingAuthSwitch(HandshakeResponse41)
        case ready(AdminSessionInfo)
        case closed
    }

    private let executor: AdminExecutor
    private let connectionID: UInt32
    private let logger: Logger
    private var phase = Phase.greeting
    private var inbound: ByteBuffer?
    /// Login-sized packets until the client is in, then statements up to 64 MiB.
    private var assembler = MySQLPacketAssembler(maxPacketLength: MySQLPacketAssembler.loginPacketLimit)
    private static let statementPacketLimit = 64 << 20
    /// A client that has not logged in within `mysql-connect_timeout_client` is disconnected, as on the client
    /// port: half-open logins do not pile up.
    private var loginTimeout: TimeAmount {
        let milliseconds = executor.runtime.variables["mysql-connect_timeout_client"].flatMap { Int64($0) } ?? 10_000
        return .milliseconds(max(milliseconds, 500))
    }
    private var loginDeadline: Scheduled<Void>?
    private let nonce = AuthNonce.make()
    private var capabilities = CapabilityFlags.junctionServerDefault
    private var clientAddress = ""
    private var clientPort = 0
    /// A statement is waiting for the proxy's counters; later packets wait their turn.
    private var waitingForStats = false

    init(executor: AdminExecutor, connectionID: UInt32, logger: Logger) {
        self.executor = executor
        self.connectionID = connectionID
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        clientAddress = context.remoteAddress?.ipAddress ?? ""
        clientPort = context.remoteAddress?.port ?? 0
        let version = executor.runtime.variables["mysql-server_version"] ?? "8.0.11"
        let handshake = HandshakeV10(serverVersion: version, connectionID: connectionID, authPluginData: nonce,
                                     capabilities: capabilities, characterSet: 33)
        var out = context.channel.allocator.buffer(capacity: 128)
        out.writeMySQLPacket(sequenceID: 0) { handshake.encode(into: &$0) }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        let channel = context.channel
        loginDeadline = context.eventLoop.scheduleTask(in: loginTimeout) { [self] in
            loginDeadline = nil
            switch phase {
            case .greeting, .awaitingAuthSwitch:
                phase = .closed
                channel.close(promise: nil)
            case .ready, .closed:
                break
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        loginDeadline?.cancel()
        loginDeadline = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if inbound == nil { inbound = bytes } else { inbound!.writeBuffer(&bytes) }
        processInbound(context: context)
    }

    private func processInbound(context: ChannelHandlerContext) {
        while case .some = inbound, !isClosed, !waitingForStats {
            let packet: MySQLPacketAssembler.Packet?
            do { packet = try assembler.nextPacket(from: &inbound!) } catch {
                fail(context, MySQLErrorCode.packetTooLarge.packet("Got a packet bigger than 'max_allowed_packet' bytes"), sequenceID: 1)
                return
            }
            guard let packet else { break }
            handle(packet, context: context)
        }
        if inbound?.readableBytes == 0 { inbound = nil }
    }

    private var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    private func handle(_ packet: MySQLPacketAssembler.Packet, context: ChannelHandlerContext) {
        let reply = packet.lastSequenceID &+ 1
        switch phase {
        case .greeting:
            guard !HandshakeResponse41.isSSLRequest(packet.payload),
                  let response = try? HandshakeResponse41.decode(from: packet.payload) else {
                fail(context, MySQLErrorCode.handshakeError.packet("Bad handshake"), sequenceID: reply)
                return
            }
            capabilities = capabilities.intersection(response.capabilities)
            let plugin = response.authPluginName ?? NativePassword.pluginName
            if plugin == NativePassword.pluginName || plugin == CachingSHA2Password.pluginName {
                login(response, scramble: response.authResponse, plugin: plugin, sequenceID: reply, context: context)
            } else {
                var out = context.channel.allocator.buffer(capacity: 64)
                out.writeMySQLPacket(sequenceID: reply) {
                    AuthSwitchRequest(pluginName: NativePassword.pluginName, pluginData: nonce).encode(into: &$0)
                }
                context.writeAndFlush(wrapOutboundOut(out), promise: nil)
                phase = .awaitingAuthSwitch(response)
            }
        case .awaitingAuthSwitch(let response):
            login(response, scramble: Array(packet.payload.readableBytesView), plugin: NativePassword.pluginName,
                  sequenceID: reply, context: context)
        case .ready(let session):
            command(packet.payload, session: session, sequenceID: reply, context: context)
        case .closed:
            break
        }
    }

    private func login(_ response: HandshakeResponse41, scramble: [UInt8], plugin: String, sequenceID: UInt8, context: ChannelHandlerContext) {
        let authenticator = AdminAuthenticator(adminCredentials: executor.adminVariables.adminCredentials,
                                               statsCredentials: executor.adminVariables.statsCredentials)
        switch authenticator.authenticate(username: response.username, scramble: scramble, plugin: plugin, nonce: nonce,
                                          clientAddress: clientAddress) {
        case .accepted(let role):
            var sequence = sequenceID
            var out = context.channel.allocator.buffer(capacity: 32)
            if plugin == CachingSHA2Password.pluginName {
                out.writeMySQLPacket(sequenceID: sequence) { AuthMoreData.encode([AuthMoreData.fastAuthSuccess], into: &$0) }
                sequence &+= 1
            }
            out.writeMySQLPacket(sequenceID: sequence) { OKPacket().encode(into: &$0, capabilities: capabilities) }
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            phase = .ready(AdminSessionInfo(username: response.username, role: role, clientAddress: clientAddress,
                                                 clientPort: clientPort))
            loginDeadline?.cancel()
            loginDeadline = nil
            assembler.maxPacketLength = Self.statementPacketLimit
            // Debug, not info: `junction health` logs in every second or so (keepalived's check).
            logger.debug("admin login", metadata: ["user": "\(response.username)", "client": "\(clientAddress)"])
        case .denied:
            logger.info("admin access denied", metadata: ["user": "\(response.username)", "client": "\(clientAddress)"])
            let usingPassword = scramble.isEmpty ? "NO" : "YES"
            fail(context, MySQLErrorCode.accessDenied.packet(
                "Access denied for user '\(response.username)'@'\(clientAddress)' (using password: \(usingPassword))"), sequenceID: sequenceID)
        case .localOnly:
            fail(context, MySQLErrorCode(1040, "42000").packet("User '\(response.username)' can only connect locally"), sequenceID: sequenceID)
        }
    }

    private func command(_ payload: ByteBuffer, session: AdminSessionInfo, sequenceID: UInt8, context: ChannelHandlerContext) {
        var payload = payload
        guard let code = payload.readInteger(as: UInt8.self) else {
            send(.error(AdminError("Malformed packet", code: 1835, sqlState: "HY000")), sequenceID: sequenceID, context: context)
            return
        }
        switch CommandCode(rawValue: code) {
        case .quit:
            phase = .closed
            context.close(promise: nil)
        case .query:
            let sql = payload.readString(length: payload.readableBytes) ?? ""
            if let pending = executor.pendingAnswer(sql, session: session) {
                waitingForStats = true
                pending.hop(to: context.eventLoop).whenComplete { [self] result in
                    waitingForStats = false
                    guard !isClosed else { return }
                    send((try? result.get()) ?? .error(.admin("the proxy did not answer")), sequenceID: sequenceID, context: context)
                    processInbound(context: context)
                }
                return
            }
            guard case .read(let reset) = executor.statsNeed(for: sql), let source = executor.statsSource else {
                send(executor.execute(sql, session: session), sequenceID: sequenceID, context: context)
                return
            }
            waitingForStats = true
            source.collect(reset: reset).hop(to: context.eventLoop).whenComplete { [self] result in
                if case .success(let tables) = result { executor.storeStats(tables) }
                waitingForStats = false
                guard !isClosed else { return }
                send(executor.execute(sql, session: session), sequenceID: sequenceID, context: context)
                processInbound(context: context)
            }
        case .initDB, .ping, .resetConnection, .refresh, .setOption:
            send(.done, sequenceID: sequenceID, context: context)
        case .fieldList:
            let table = payload.readNullTerminatedString() ?? ""
            let columns = executor.columnNames(of: table, session: session)
            var out = context.channel.allocator.buffer(capacity: 256)
            var sequence = sequenceID
            for name in columns {
                out.writeMySQLPacket(sequenceID: sequence) { ColumnDefinition41(table: table, orgTable: table, name: name, orgName: name).encode(into: &$0) }
                sequence &+= 1
            }
            out.writeMySQLPacket(sequenceID: sequence) {
                if capabilities.contains(.deprecateEOF) {
                    OKPacket(header: 0xFE).encode(into: &$0, capabilities: capabilities)
                } else {
                    EOFPacket().encode(into: &$0)
                }
            }
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        case .statistics:
            var out = context.channel.allocator.buffer(capacity: 64)
            out.writeMySQLPacket(sequenceID: sequenceID) { $0.writeString("Uptime: 0  Threads: 1  Questions: 0") }
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        default:
            send(.error(AdminError("Command not supported by the Junction admin", code: 1047, sqlState: "08S01")),
                 sequenceID: sequenceID, context: context)
        }
    }

    private func send(_ result: AdminResult, sequenceID: UInt8, context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: 256)
        switch result {
        case .ok(let affected, let message):
            out.writeMySQLPacket(sequenceID: sequenceID) {
                OKPacket(affectedRows: UInt64(affected), info: message).encode(into: &$0, capabilities: capabilities)
            }
        case .rows(let columns, let rows):
            let definitions = columns.map { ColumnDefinition41(name: $0, orgName: $0) }
            ResultSetWriter(capabilities: capabilities).write(columns: definitions, rows: rows, sequenceID: sequenceID, into: &out)
        case .error(let error):
            out.writeMySQLPacket(sequenceID: sequenceID) {
                ErrPacket(errorCode: error.code, sqlState: error.sqlState, message: error.message).encode(into: &$0)
            }
        }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    private func fail(_ context: ChannelHandlerContext, _ error: ErrPacket, sequenceID: UInt8) {
        var out = context.channel.allocator.buffer(capacity: 64)
        out.writeMySQLPacket(sequenceID: sequenceID) { error.encode(into: &$0) }
        phase = .closed
        context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        phase = .closed
        context.close(promise: nil)
    }
}
