import Logging
import MySQLProtocol
import NIOCore
import NIOEmbedded
@testable import Proxy
import Testing

/// The client side of a session without any backend: handshake, authentication and what Junction
/// answers itself, driven through an EmbeddedChannel.
@Suite struct ClientSessionTests {
    let user = ProxyUser(username: "app", password: "app", defaultHostgroup: 0)

    func makeChannel(maxConnections: Int = 100, userLimit: Int = 100) throws -> (EmbeddedChannel, ProxyConfigStore) {
        var settings = ProxySettings()
        settings.maxConnections = maxConnections
        var limited = user
        limited.maxConnections = userLimit
        let store = ProxyConfigStore(ProxySnapshot(users: [limited], servers: [], settings: settings))
        let channel = EmbeddedChannel()
        let context = LoopContext(loop: channel.eventLoop, store: store, loopCount: 1, logger: Logger(label: "test"))
        try channel.pipeline.syncOperations.addHandler(ClientSession(loopContext: context, connectionID: 5, logger: Logger(label: "test")))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4000)).wait()
        return (channel, store)
    }

    /// Reads every outbound packet written so far.
    func packets(_ channel: EmbeddedChannel) throws -> [(payload: ByteBuffer, seq: UInt8)] {
        var result: [(ByteBuffer, UInt8)] = []
        var all = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&chunk) }
        while let frame = all.readFrame() { result.append((frame.payload, frame.sequenceID)) }
        return result
    }

    func login(_ channel: EmbeddedChannel, password: String = "app", user: String = "app", plugin: String = "mysql_native_password") throws -> [(payload: ByteBuffer, seq: UInt8)] {
        let greeting = try packets(channel)
        let handshake = try HandshakeV10.decode(from: greeting[0].payload)
        let auth = plugin == "caching_sha2_password"
            ? CachingSHA2Password.scramble(password: password, nonce: handshake.authPluginData)
            : NativePassword.scramble(password: password, nonce: handshake.authPluginData)
        let response = HandshakeResponse41(capabilities: [.protocol41, .secureConnection, .pluginAuth, .multiStatements, .deprecateEOF],
                                           characterSet: 45, username: user, authResponse: auth, authPluginName: plugin)
        var payload = ByteBuffer()
        response.encode(into: &payload)
        var wire = ByteBuffer()
        wire.writeMySQLPacket(sequenceID: 1, payload: payload)
        try channel.writeInbound(wire)
        return try packets(channel)
    }

    func send(_ channel: EmbeddedChannel, _ bytes: [UInt8]) throws -> [(payload: ByteBuffer, seq: UInt8)] {
        var wire = ByteBuffer()
        wire.writeMySQLPacket(sequenceID: 0, payload: ByteBuffer(bytes: bytes))
        try channel.writeInbound(wire)
        return try packets(channel)
    }

    @Test func greetingAdvertisesNativePasswordAndTheConnectionID() throws {
        let (channel, _) = try makeChannel()
        let greeting = try packets(channel)
        let handshake = try HandshakeV10.decode(from: greeting[0].payload)
        #expect(handshake.connectionID == 5 && handshake.authPluginName == "mysql_native_password")
        #expect(handshake.authPluginData.count == 20 && !handshake.capabilities.contains(.ssl))
    }

    @Test func rightPasswordGetsOK() throws {
        let (channel, store) = try makeChannel()
        let reply = try login(channel)
        #expect(reply.count == 1 && ResponsePacketKind.peek(reply[0].payload) == .ok && reply[0].seq == 2)
        #expect(store.openClientConnections == 1)
    }

    @Test func cachingSHA2FastPathGetsFastAuthThenOK() throws {
        let (channel, _) = try makeChannel()
        let reply = try login(channel, plugin: "caching_sha2_password")
        #expect(reply.count == 2)
        #expect(Array(reply[0].payload.readableBytesView) == [0x01, 0x03])
        #expect(ResponsePacketKind.peek(reply[1].payload) == .ok && reply[1].seq == 3)
    }

    @Test func wrongPasswordGets1045AndIsClosed() throws {
        let (channel, store) = try makeChannel()
        let reply = try login(channel, password: "nope")
        let err = try ErrPacket.decode(from: reply[0].payload, capabilities: .protocol41)
        #expect(err.errorCode == 1045 && err.sqlState == "28000")
        #expect(err.message.contains("'app'@'127.0.0.1' (using password: YES)"))
        #expect(!channel.isActive)
        #expect(store.openClientConnections == 0)
    }

    @Test func unknownUserGets1045() throws {
        let (channel, _) = try makeChannel()
        let reply = try login(channel, user: "ghost")
        #expect(try ErrPacket.decode(from: reply[0].payload, capabilities: .protocol41).errorCode == 1045)
    }

    @Test func connectionLimitsGive1040And1226() throws {
        let (full, _) = try makeChannel(maxConnections: 0)
        #expect(try ErrPacket.decode(from: try login(full)[0].payload, capabilities: .protocol41).errorCode == 1040)
        let (limited, _) = try makeChannel(userLimit: 0)
        #expect(try ErrPacket.decode(from: try login(limited)[0].payload, capabilities: .protocol41).errorCode == 1226)
    }

    @Test func garbageHandshakeGetsAnErrorNotACrash() throws {
        let (channel, _) = try makeChannel()
        _ = try packets(channel)
        var wire = ByteBuffer()
        wire.writeMySQLPacket(sequenceID: 1, payload: ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 1]))
        try channel.writeInbound(wire)
        let reply = try packets(channel)
        #expect(ResponsePacketKind.peek(reply[0].payload) == .err)
        #expect(!channel.isActive)
    }

    @Test func partialPacketYieldsNothing() throws {
        let (channel, _) = try makeChannel()
        _ = try login(channel)
        try channel.writeInbound(ByteBuffer(bytes: [5, 0, 0, 0, 0x0E]))  // header says 5 bytes, 1 arrived
        #expect(try packets(channel).isEmpty)
    }

    @Test func pingAndLocalAnswersNeedNoBackend() throws {
        let (channel, _) = try makeChannel()
        _ = try login(channel)
        let pong = try send(channel, [CommandCode.ping.rawValue])
        #expect(pong.count == 1 && ResponsePacketKind.peek(pong[0].payload) == .ok && pong[0].seq == 1)
        let version = try send(channel, [CommandCode.query.rawValue] + Array("select @@version_comment limit 1".utf8))
        // count, definition, row, OK (deprecate EOF)
        #expect(version.count == 4)
        #expect(String(buffer: version[2].payload).contains("Junction"))
        let commit = try send(channel, [CommandCode.query.rawValue] + Array("COMMIT".utf8))
        #expect(ResponsePacketKind.peek(commit[0].payload) == .ok)
        let stats = try send(channel, [CommandCode.statistics.rawValue])
        #expect(String(buffer: stats[0].payload).hasPrefix("Uptime: "))
    }

    @Test func unknownCommandAndStatementsGiveErrors() throws {
        let (channel, _) = try makeChannel()
        _ = try login(channel)
        let unknown = try send(channel, [0x7F])
        #expect(try ErrPacket.decode(from: unknown[0].payload, capabilities: .protocol41).errorCode == 1047)
        let execute = try send(channel, [CommandCode.stmtExecute.rawValue, 9, 0, 0, 0, 0, 1, 0, 0, 0])
        #expect(try ErrPacket.decode(from: execute[0].payload, capabilities: .protocol41).errorCode == 1243)
        let empty = try send(channel, [])
        #expect(ResponsePacketKind.peek(empty[0].payload) == .err)
        #expect(channel.isActive)
    }

    @Test func queryWithNoServerInTheHostgroupGets9001() throws {
        let (channel, _) = try makeChannel()
        _ = try login(channel)
        let reply = try send(channel, [CommandCode.query.rawValue] + Array("SELECT 1".utf8))
        let err = try ErrPacket.decode(from: reply[0].payload, capabilities: .protocol41)
        #expect(err.errorCode == 9001)
        #expect(err.message.contains("hostgroup 0"))
    }

    @Test func setOptionTogglesMultiStatements() throws {
        let (channel, _) = try makeChannel()
        _ = try login(channel)
        let reply = try send(channel, [CommandCode.setOption.rawValue, 1, 0])
        #expect(reply.count == 1 && ResponsePacketKind.peek(reply[0].payload) == .eof)
    }

    @Test func quitClosesTheConnection() throws {
        let (channel, store) = try makeChannel()
        _ = try login(channel)
        _ = try send(channel, [CommandCode.quit.rawValue])
        #expect(!channel.isActive)
        #expect(store.openClientConnections == 0)
    }
}

extension ClientSessionTests {
    /// COMMIT with nothing open is answered locally, but only then: with a transaction open it must
    /// reach the server (here: no server, so it fails with 9001 instead of a fake OK).
    @Test func commitInsideATransactionIsNotAnsweredLocally() throws {
        let (channel, _) = try makeChannel()
        _ = try login(channel)
        let session = try channel.pipeline.syncOperations.handler(type: ClientSession.self)
        _ = session.machine.statementReceived(.neutral, hostgroup: 0, policy: .init())
        _ = session.machine.responseEnded(status: [.inTransaction], warnings: 0, isError: false, insertID: 0, hostgroup: 0,
                                          serverServes: true, policy: .init())
        let reply = try send(channel, [CommandCode.query.rawValue] + Array("COMMIT".utf8))
        #expect(ResponsePacketKind.peek(reply[0].payload) == .err)
    }
}

extension ClientSessionTests {
    /// A driver's connect-time SETs need no backend (PyMySQL's `SET AUTOCOMMIT = 0` while the writer is down):
    /// answered at once, and the OK's status flags show autocommit off.
    @Test func connectTimeSetsAreAnsweredWithoutABackend() throws {
        let (channel, _) = try makeChannel()
        _ = try login(channel)
        let reply = try send(channel, [CommandCode.query.rawValue] + Array("SET AUTOCOMMIT = 0".utf8))
        let ok = try OKPacket.decode(from: reply[0].payload, capabilities: [.protocol41, .deprecateEOF])
        #expect(!ok.statusFlags.contains(.autocommit))
        let names = try send(channel, [CommandCode.query.rawValue] + Array("SET NAMES utf8mb4".utf8))
        #expect(ResponsePacketKind.peek(names[0].payload) == .ok)
        // A value only the server can judge still goes to one (here: none, so 9001, never a fake OK).
        let mode = try send(channel, [CommandCode.query.rawValue] + Array("SET sql_mode = 'NOT_A_MODE'".utf8))
        #expect(try ErrPacket.decode(from: mode[0].payload, capabilities: .protocol41).errorCode == 9001)
    }

    @Test func killByHandshakeID() throws {
        let (channel, _) = try makeChannel()
        _ = try login(channel)
        let session = try channel.pipeline.syncOperations.handler(type: ClientSession.self)
        session.loopContext.peers = [session.loopContext]
        let unknown = try send(channel, [CommandCode.query.rawValue] + Array("KILL QUERY 4242".utf8))
        (channel.eventLoop as! EmbeddedEventLoop).run()
        let unknownReply = unknown.isEmpty ? try packets(channel) : unknown
        #expect(try ErrPacket.decode(from: unknownReply[0].payload, capabilities: .protocol41).errorCode == 1094)
        let own = try send(channel, [CommandCode.query.rawValue] + Array("KILL QUERY 5".utf8))
        #expect(ResponsePacketKind.peek(own[0].payload) == .ok, "KILL QUERY of one's own idle connection")
        let closing = try send(channel, [CommandCode.query.rawValue] + Array("KILL 5".utf8))
        #expect(try ErrPacket.decode(from: closing[0].payload, capabilities: .protocol41).errorCode == 1927)
        #expect(!channel.isActive)
    }
}
