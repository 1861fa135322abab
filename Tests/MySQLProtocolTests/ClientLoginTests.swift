@testable import MySQLProtocol
import NIOCore
import Testing

@Suite struct ClientLoginTests {
    let nonce = Array(UInt8(65)...UInt8(84))

    func greeting(plugin: String = "mysql_native_password") -> ByteBuffer {
        var b = ByteBuffer()
        HandshakeV10(serverVersion: "10.11.0-MariaDB", connectionID: 77, authPluginData: nonce,
                     capabilities: .junctionServerDefault, characterSet: 45, authPluginName: plugin).encode(into: &b)
        return b
    }

    func machine(schema: String? = "sbtest") -> ClientLogin {
        ClientLogin(username: "app", password: "secret", schema: schema,
                             wantedCapabilities: [.protocol41, .secureConnection, .pluginAuth, .pluginAuthLenencClientData, .deprecateEOF],
                             collation: 45)
    }

    @Test func nativeLoginSendsTheScrambleAndTheSchema() throws {
        var m = machine()
        guard case .send(let payload, let seq) = m.packetReceived(greeting(), sequenceID: 0) else { Issue.record("expected a response"); return }
        #expect(seq == 1)
        let response = try HandshakeResponse41.decode(from: payload)
        #expect(response.username == "app" && response.database == "sbtest" && response.characterSet == 45)
        #expect(response.authResponse == NativePassword.scramble(password: "secret", nonce: nonce))
        #expect(m.negotiated.contains(.deprecateEOF) && m.negotiated.contains(.connectWithDB))
        var ok = ByteBuffer()
        OKPacket().encode(into: &ok, capabilities: .protocol41)
        guard case .authenticated(let h) = m.packetReceived(ok, sequenceID: 2) else { Issue.record("expected success"); return }
        #expect(h.connectionID == 77)
    }

    @Test func authSwitchIsAnswered() throws {
        var m = machine(schema: nil)
        _ = m.packetReceived(greeting(), sequenceID: 0)
        var switchRequest = ByteBuffer()
        let newNonce = Array(repeating: UInt8(0x51), count: 20)
        AuthSwitchRequest(pluginName: "caching_sha2_password", pluginData: newNonce).encode(into: &switchRequest)
        guard case .send(let payload, let seq) = m.packetReceived(switchRequest, sequenceID: 2) else { Issue.record("expected an answer"); return }
        #expect(seq == 3)
        #expect(Array(payload.readableBytesView) == CachingSHA2Password.scramble(password: "secret", nonce: newNonce))
        guard case .wait = m.packetReceived(ByteBuffer(bytes: [0x01, 0x03]), sequenceID: 4) else { Issue.record("fast auth waits for OK"); return }
    }

    @Test func fullAuthenticationIsRefusedClearly() {
        var m = machine()
        _ = m.packetReceived(greeting(plugin: "caching_sha2_password"), sequenceID: 0)
        guard case .failed(.unsupportedAuth) = m.packetReceived(ByteBuffer(bytes: [0x01, 0x04]), sequenceID: 2) else {
            Issue.record("expected unsupportedAuth"); return
        }
    }

    @Test func accessDeniedIsPassedOn() {
        var m = machine()
        _ = m.packetReceived(greeting(), sequenceID: 0)
        var err = ByteBuffer()
        ErrPacket(errorCode: 1045, sqlState: "28000", message: "Access denied").encode(into: &err)
        guard case .failed(.authenticationFailed(let e)) = m.packetReceived(err, sequenceID: 2) else { Issue.record("expected failure"); return }
        #expect(e.errorCode == 1045)
    }

    @Test func serverThatRefusesAtGreetingIsAnError() {
        var m = machine()
        var err = ByteBuffer()
        ErrPacket(errorCode: 1040, sqlState: "08004", message: "Too many connections").encode(into: &err)
        guard case .failed(.authenticationFailed(let e)) = m.packetReceived(err, sequenceID: 0) else { Issue.record("expected failure"); return }
        #expect(e.errorCode == 1040)
    }

    @Test func garbageGreetingIsAViolation() {
        var m = machine()
        guard case .failed(.protocolViolation) = m.packetReceived(ByteBuffer(bytes: [9, 1, 2]), sequenceID: 0) else {
            Issue.record("expected violation"); return
        }
    }
}
