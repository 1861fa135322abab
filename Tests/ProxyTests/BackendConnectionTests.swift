import Logging
import MySQLProtocol
import NIOCore
import NIOEmbedded
@testable import Proxy
import Testing

/// A backend connection against a scripted server, through an EmbeddedChannel: its login, a command of
/// Junction's own, and what a server that misbehaves or vanishes does to it.
@Suite struct BackendConnectionTests {
    let endpoint = ServerEndpoint(host: "127.0.0.1", port: 3306)

    /// A connection that has sent nothing yet, and its channel (active).
    func makeConnection() throws -> (BackendConnection, EmbeddedChannel, EventLoopFuture<BackendConnection>) {
        let server = BackendServer(hostgroup: 0, endpoint: endpoint)
        let key = PoolKey(hostgroup: 0, endpoint: endpoint, username: "app", capabilities: [], collation: 45)
        let login = ClientLogin(username: "app", password: "app", schema: nil,
                                wantedCapabilities: [.protocol41, .secureConnection, .pluginAuth, .transactions], collation: 45)
        let channel = EmbeddedChannel()
        let connection = BackendConnection(key: key, server: server, settings: SessionSettings(schema: nil), authenticator: login,
                                           loop: channel.eventLoop, logger: Logger(label: "test"))
        let loggedIn = connection.loginFuture
        try channel.pipeline.syncOperations.addHandler(connection)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3306)).wait()
        return (connection, channel, loggedIn)
    }

    func serverSends(_ channel: EmbeddedChannel, _ packets: [(ByteBuffer, UInt8)]) throws {
        var wire = ByteBuffer()
        for (payload, sequenceID) in packets { wire.writeMySQLPacket(sequenceID: sequenceID, payload: payload) }
        try channel.writeInbound(wire)
    }

    func written(_ channel: EmbeddedChannel) throws -> [(payload: ByteBuffer, sequenceID: UInt8)] {
        var all = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&chunk) }
        var frames: [(ByteBuffer, UInt8)] = []
        while let frame = all.readFrame() { frames.append(frame) }
        return frames
    }

    func encoded(_ write: (inout ByteBuffer) -> Void) -> ByteBuffer {
        var buffer = ByteBuffer()
        write(&buffer)
        return buffer
    }

    func logIn(_ channel: EmbeddedChannel, threadID: UInt32 = 77) throws {
        let greeting = HandshakeV10(serverVersion: "10.11.6-MariaDB", connectionID: threadID, authPluginData: Array(repeating: 7, count: 20),
                                    capabilities: .junctionServerDefault, characterSet: 45)
        try serverSends(channel, [(encoded { greeting.encode(into: &$0) }, 0)])
        let response = try written(channel)
        #expect(response.count == 1 && response[0].sequenceID == 1)
        let decoded = try HandshakeResponse41.decode(from: response[0].payload)
        #expect(decoded.username == "app")
        #expect(decoded.authResponse == NativePassword.scramble(password: "app", nonce: Array(repeating: 7, count: 20)))
        try serverSends(channel, [(encoded { OKPacket().encode(into: &$0, capabilities: .junctionServerDefault) }, 2)])
    }

    @Test func logsInAndLearnsTheServersThreadID() throws {
        let (connection, channel, loggedIn) = try makeConnection()
        try logIn(channel, threadID: 1234)
        #expect(try loggedIn.wait() === connection)
        #expect(connection.threadID == 1234)
        #expect(connection.isIdle)
    }

    @Test func aRefusedLoginFailsWithTheServersError() throws {
        let (_, channel, loggedIn) = try makeConnection()
        let greeting = HandshakeV10(serverVersion: "10.11.6-MariaDB", connectionID: 1, authPluginData: Array(repeating: 1, count: 20),
                                    capabilities: .junctionServerDefault, characterSet: 45)
        try serverSends(channel, [(encoded { greeting.encode(into: &$0) }, 0)])
        _ = try written(channel)
        let denied = ErrPacket(errorCode: 1045, sqlState: "28000", message: "Access denied for user 'app'")
        try serverSends(channel, [(encoded { denied.encode(into: &$0) }, 2)])
        #expect {
            try loggedIn.wait()
        } throws: { error in
            guard case BackendError.authenticationFailed(let err) = error else { return false }
            return err.errorCode == 1045
        }
    }

    @Test func collectsTheReplyToACommandOfItsOwn() throws {
        let (connection, channel, loggedIn) = try makeConnection()
        try logIn(channel)
        _ = try loggedIn.wait()
        var query = ByteBuffer(bytes: [CommandCode.query.rawValue])
        query.writeString("SET autocommit=0")
        let reply = connection.execute(query, command: .query)
        let sent = try written(channel)
        #expect(sent.count == 1 && sent[0].sequenceID == 0)
        #expect(sent[0].payload.getString(at: sent[0].payload.readerIndex + 1, length: 16) == "SET autocommit=0")
        #expect(!connection.isIdle)
        let ok = OKPacket(statusFlags: [.inTransaction])
        try serverSends(channel, [(encoded { ok.encode(into: &$0, capabilities: .junctionServerDefault) }, 1)])
        guard case .ok(let status) = try reply.wait() else {
            Issue.record("an OK reply")
            return
        }
        #expect(status.contains(.inTransaction))
        #expect(connection.isIdle)
    }

    @Test func aServerThatVanishesMidReplyFailsTheCommandAndTheConnection() throws {
        let (connection, channel, loggedIn) = try makeConnection()
        try logIn(channel)
        _ = try loggedIn.wait()
        let reply = connection.execute(ByteBuffer(bytes: [CommandCode.query.rawValue, 0x31]), command: .query)
        _ = try written(channel)
        // A column count, then the server is gone.
        try serverSends(channel, [(ByteBuffer(bytes: [1]), 1)])
        channel.pipeline.fireChannelInactive()
        #expect(throws: BackendError.self) { try reply.wait() }
        #expect(!connection.isIdle)
    }

    @Test func aSecondCommandOnABusyConnectionFailsWithoutStoppingTheProcess() throws {
        let (connection, channel, loggedIn) = try makeConnection()
        try logIn(channel)
        _ = try loggedIn.wait()
        let first = connection.execute(ByteBuffer(bytes: [CommandCode.ping.rawValue]), command: .singlePacket)
        let second = connection.execute(ByteBuffer(bytes: [CommandCode.ping.rawValue]), command: .singlePacket)
        #expect(throws: BackendError.self) { try second.wait() }
        try serverSends(channel, [(encoded { OKPacket().encode(into: &$0, capabilities: .junctionServerDefault) }, 1)])
        guard case .ok = try first.wait() else {
            Issue.record("the first command still gets its reply")
            return
        }
    }

    @Test func bytesFromAnIdleServerBreakTheConnection() throws {
        let (connection, channel, loggedIn) = try makeConnection()
        try logIn(channel)
        _ = try loggedIn.wait()
        try serverSends(channel, [(ByteBuffer(bytes: [0x00, 0, 0, 2, 0, 0, 0]), 1)])
        #expect(!connection.isIdle)
        #expect(!channel.isActive)
    }
}
