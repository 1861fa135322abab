import Logging
import MySQLProtocol
import NIOCore
import SQLText

/// One client connection on the client port: handshake, authentication, then each command either
/// answered by Junction or run on a backend connection whose response is forwarded unchanged.
///
/// A backend connection is attached for the duration of a command and goes back to the loop's pool
/// afterwards unless the session holds state that lives on it (a transaction, autocommit=0, user
/// variables, temporary tables, locks, cursors…). Settings made with SET/USE are remembered and
/// replayed on whichever connection the session borrows next.
final class ClientSession: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase {
        case awaitingHandshakeResponse
        /// Sent an AuthSwitchRequest; waiting for the client's new scramble.
        case awaitingAuthSwitchResponse(HandshakeResponse41)
        case ready
        /// A command runs; client packets wait in `inbound`.
        case running
        /// The server asked for LOCAL INFILE data: client packets go to this backend until an empty one.
        case uploadingLocalInfile(BackendConnection)
        case closed
    }

    let loopContext: LoopContext
    let connectionID: UInt32
    var logger: Logger
    /// Strong (a weak reference costs an atomic load on every write); the context holds this handler,
    /// so `handlerRemoved` clears it when the connection closes.
    var context: ChannelHandlerContext?
    var phase = Phase.awaitingHandshakeResponse
    let nonce = AuthNonce.make()
    var clientCapabilities: CapabilityFlags = []
    var serverCapabilities: CapabilityFlags = []
    var collation: UInt8 = 33
    var user: ProxyUser?
    var settings = SessionSettings()
    /// The backend connection attached to the session, with the hostgroup it belongs to.
    var backend: BackendConnection?
    var hostgroup = 0
    /// `next_query_flagIN` of the previous query's rules: where the next evaluation starts.
    var nextQueryFlagIN: Int?
    /// The COM_QUERY being run, for its digest statistics.
    var queryInFlight: QueryInFlight?
    /// The result of the running query is being kept for the query cache.
    var cacheCapture: CacheCapture?
    /// The client's and Junction's side of the client connection, read once (SocketAddress → String costs).
    var addresses = ClientAddresses()
    /// How the next backend command runs (set while routing it, moved into `running` when it starts).
    var nextCommandOptions = CommandOptions()
    /// Payload bytes of the running command and of its response so far (pool statistics).
    var requestBytes = 0
    var responseBytes = 0
    /// Counts commands, so that a timer can tell whether the command it was armed for still runs.
    var commandGeneration: UInt64 = 0
    /// When the current command started (or the last one ended), for the processlist.
    var commandStartedNanos = NIODeadline.now().uptimeNanoseconds
    /// What ties the session to its backend connections, and where each statement may run.
    var machine = SessionStateMachine()
    /// The connection held for what its last statement left (insert id, row count, warnings) while a command
    /// runs on another connection (`SessionStateMachine.Kept.held`).
    var heldAside: BackendConnection?
    /// What the machine knows of the statement about to run (set while dispatching it).
    var nextStatement = SessionStateMachine.Statement.neutral
    /// The settings the running command needs on its connection: the session's, with autocommit on for a read
    /// outside a transaction under autocommit=0 (`SessionStateMachine.Decision.autocommitForRead`).
    var commandSettings = SessionSettings()
    /// The running command uploaded a LOCAL INFILE (its connection is dropped if the server refused it).
    var localInfileUploaded = false
    /// The running command is such a read (its response shows the client autocommit off all the same).
    var autocommitForRead = false
    /// The response that just ended decided what happens to its connection (`commandFinished` carries it out).
    var responseAction: SessionStateMachine.ResponseAction?
    var inbound = ByteBuffer()
    /// The client's socket is not read: it sent more than `pipelinedBytesLimit` ahead of a running command.
    var readingPaused = false
    var assembler = MySQLPacketAssembler()
    var statements: [UInt32: ClientStatement] = [:]
    var nextStatementID: UInt32 = 1
    /// The command running now, kept so that it can be retried on another connection.
    var running: RunningCommand?
    var countedAsConnection = false
    /// The client logged in (a session closed before that counts as `Client_Connections_aborted`).
    var loginCompleted = false
    /// The digest statistics entry of this session's last query (most sessions repeat a few shapes).
    var digestMemo = SlotMemo<DigestKey>()
    /// Everything written to the client goes through it (see DirectSocketWriter for why).
    let clientWriter = DirectSocketWriter()
    /// Closes the connection of a client that has not logged in within `mysql-connect_timeout_client`.
    var loginDeadline: Scheduled<Void>?
    /// Kills the running query on its server when its timeout is up (`armQueryTimeout`).
    var queryTimeout: Scheduled<Void>?

    init(loopContext: LoopContext, connectionID: UInt32, logger: Logger) {
        self.loopContext = loopContext
        self.connectionID = connectionID
        var logger = logger
        logger[metadataKey: "conn_id"] = "\(connectionID)"
        self.logger = logger
    }

    var deprecateEOF: Bool { clientCapabilities.contains(.deprecateEOF) }

    // MARK: - Channel events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        clientWriter.attach(to: context)
        addresses = ClientAddresses(client: context.remoteAddress?.ipAddress, clientPort: context.remoteAddress?.port,
                                    local: context.localAddress?.ipAddress, localPort: context.localAddress?.port)
        loopContext.register(self)
        loopContext.statistics.global[.clientConnectionsCreated] += 1
        loopContext.refreshSnapshot()  // a LOAD … TO RUNTIME since the last command on this loop counts for logins
        let settings = loopContext.snapshot.settings
        serverCapabilities = CapabilityFlags.junctionServerDefault
        if !settings.enableClientDeprecateEOF { serverCapabilities.remove(.deprecateEOF) }
        // Until the client is in, no packet needs more than a login does (max_allowed_packet applies after).
        assembler.maxPacketLength = min(settings.maxAllowedPacket, MySQLPacketAssembler.loginPacketLimit)
        var version = settings.serverVersion
        if version == ProxySettings.defaultServerVersion, let learned = loopContext.store.learnedServerVersion.withLockedValue({ $0 }) {
            version = learned
        }
        let handshake = HandshakeV10(serverVersion: version, connectionID: connectionID, authPluginData: nonce,
                                     capabilities: serverCapabilities, characterSet: settings.defaultCollation)
        var out = ByteBufferAllocator().buffer(capacity: 128)
        out.writeMySQLPacket(sequenceID: 0) { handshake.encode(into: &$0) }
        clientWriter.writeAndFlush(out, context: context)
        // Held strongly and cancelled once the client is in or gone: a weak capture would give every
        // session a side-table reference count, a slower retain and release on every query.
        loginDeadline = context.eventLoop.scheduleTask(in: .milliseconds(Int64(settings.connectTimeoutClientMs))) { [self] in
            loginDeadline = nil
            if case .awaitingHandshakeResponse = phase { self.context?.close(promise: nil) }
            if case .awaitingAuthSwitchResponse = phase { self.context?.close(promise: nil) }
        }
    }

    /// Stops waiting for the client to log in (it did, or it left).
    func cancelLoginDeadline() {
        loginDeadline?.cancel()
        loginDeadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if inbound.readableBytes == 0 { inbound = bytes } else { inbound.writeBuffer(&bytes) }
        processInbound()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        clientWriter.detach()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientWriter.detach()
        cancelLoginDeadline()
        cancelQueryTimeout()
        if !loginCompleted { loopContext.statistics.global[.clientConnectionsAborted] += 1 }
        phase = .closed
        loopContext.unregister(self)
        if countedAsConnection, let user {
            loopContext.store.clientConnections.subtract(1, ordering: .relaxed)
            loopContext.store.connectionsPerUser.withLockedValue { $0[user.username, default: 1] -= 1 }
            countedAsConnection = false
        }
        if let backend {
            self.backend = nil
            // Mid-command, or holding session state: the connection cannot serve anyone else.
            if running != nil || holdsBackendState { backend.close() }
            else { loopContext.release(backend) }
        }
        if let held = heldAside {
            heldAside = nil
            // A transaction waiting aside (transaction_persistent = 0) ends with the client: closed, not pooled.
            if holdsBackendState { held.close() } else { loopContext.release(held) }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if running != nil { backend?.setReading(context.channel.isWritable) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("client connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// Handles the complete packets waiting in `inbound`, one command at a time, then reads more or pauses.
    func processInbound() {
        handleWaitingPackets()
        pauseOrResumeReading()
    }

    private func handleWaitingPackets() {
        while true {
            switch phase {
            case .running, .closed:
                return
            case .uploadingLocalInfile(let conn):
                forwardLocalInfileData(to: conn)
                if case .uploadingLocalInfile = phase { return }
                continue
            default:
                break
            }
            let packet: MySQLPacketAssembler.Packet
            do {
                guard let next = try assembler.nextPacket(from: &inbound) else { break }
                packet = next
            } catch {
                sendError(MySQLErrorCode.packetTooLarge.packet("Got a packet bigger than 'max_allowed_packet' bytes"), sequenceID: 1)
                context?.close(promise: nil)
                phase = .closed
                return
            }
            switch phase {
            case .awaitingHandshakeResponse:
                handshakeResponseReceived(packet)
            case .awaitingAuthSwitchResponse(let response):
                authSwitchResponseReceived(packet, original: response)
            case .ready:
                loopContext.refreshSnapshot()
                commandReceived(packet.payload)
            default:
                return
            }
        }
        if inbound.readableBytes == 0 { inbound = ByteBuffer() }
    }

    // MARK: - Writing to the client

    func write(_ buffer: ByteBuffer) {
        guard let context else { return }
        clientWriter.write(buffer, context: context)
    }

    /// Sends what `write` queued (nothing queued costs nothing: the response's end already flushed, and
    /// then the backend's read burst ends).
    func flush() {
        guard let context else { return }
        clientWriter.flush(context: context)
    }

    func writeAndFlush(_ buffer: ByteBuffer) {
        guard let context else { return }
        clientWriter.writeAndFlush(buffer, context: context)
    }

    func sendOK(sequenceID: UInt8, affectedRows: UInt64 = 0, info: String = "") {
        var out = ByteBufferAllocator().buffer(capacity: 16)
        out.writeMySQLPacket(sequenceID: sequenceID) {
            OKPacket(affectedRows: affectedRows, statusFlags: statusFlags, info: info).encode(into: &$0, capabilities: clientCapabilities)
        }
        writeAndFlush(out)
    }

    func sendError(_ err: ErrPacket, sequenceID: UInt8) {
        var out = ByteBufferAllocator().buffer(capacity: 64 + err.message.utf8.count)
        out.writeMySQLPacket(sequenceID: sequenceID) { err.encode(into: &$0) }
        writeAndFlush(out)
    }

    /// The attached backend connection holds state of this session (a transaction, pinned state), so it must
    /// stay attached and cannot serve anyone else.
    var holdsBackendState: Bool { machine.holdsState }

    var inTransaction: Bool { machine.transactionOpen }

    /// The machine's settings from the proxy's.
    var policy: SessionStateMachine.Policy {
        let settings = loopContext.snapshot.settings
        return SessionStateMachine.Policy(multiplexing: settings.multiplexing,
                                          autocommitFalseIsTransaction: settings.autocommitFalseIsTransaction,
                                          enforceAutocommitOnReads: settings.enforceAutocommitOnReads,
                                          autoIncrementDelayMultiplex: settings.autoIncrementDelayMultiplex,
                                          transactionPersistent: user?.transactionPersistent ?? true)
    }

    /// The status flags Junction reports in packets it writes itself.
    var statusFlags: ServerStatusFlags {
        var flags: ServerStatusFlags = []
        if !settings.autocommitOff { flags.insert(.autocommit) }
        if inTransaction { flags.insert(.inTransaction) }
        return flags
    }
}

@available(*, unavailable)
extension ClientSession: Sendable {}

/// Addresses of a client connection, for rules (client_addr, proxy_addr, proxy_port) and statistics.
struct ClientAddresses {
    var client: String?
    var clientPort: Int?
    var local: String?
    var localPort: Int?
}
