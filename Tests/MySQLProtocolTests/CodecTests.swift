import MySQLProtocol
import NIOCore
import Testing

@Suite struct CodecTests {
    @Test func handshakeV10RoundTrips() throws {
        let nonce = Array(UInt8(1)...UInt8(20))
        let h = HandshakeV10(serverVersion: "8.0.11-junction", connectionID: 42, authPluginData: nonce,
                             capabilities: .junctionServerDefault, characterSet: 45)
        var b = ByteBuffer()
        h.encode(into: &b)
        let decoded = try HandshakeV10.decode(from: b)
        #expect(decoded == h)
    }

    @Test func handshakeResponseRoundTripsWithEveryOptionalPart() throws {
        let r = HandshakeResponse41(capabilities: [.protocol41, .secureConnection, .pluginAuth, .pluginAuthLenencClientData, .connectAttrs],
                                    characterSet: 224, username: "app", authResponse: Array(repeating: 7, count: 20),
                                    database: "sbtest", authPluginName: "mysql_native_password",
                                    attributes: [("_client_name", "test"), ("k", "v")])
        var b = ByteBuffer()
        r.encode(into: &b)
        let decoded = try HandshakeResponse41.decode(from: b)
        #expect(decoded.username == "app" && decoded.database == "sbtest" && decoded.characterSet == 224)
        #expect(decoded.authResponse == r.authResponse)
        #expect(decoded.attributes.map(\.key) == ["_client_name", "k"])
        #expect(decoded.capabilities.contains(.connectWithDB))
    }

    @Test func handshakeResponseWithOneByteAuthLength() throws {
        let r = HandshakeResponse41(capabilities: [.protocol41, .secureConnection], characterSet: 33, username: "u",
                                    authResponse: [1, 2, 3])
        var b = ByteBuffer()
        r.encode(into: &b)
        #expect(try HandshakeResponse41.decode(from: b).authResponse == [1, 2, 3])
    }

    @Test func truncatedHandshakeResponseThrows() {
        #expect(throws: ProtocolError.self) { try HandshakeResponse41.decode(from: ByteBuffer(bytes: [0x00, 0x02, 0x00])) }
    }

    @Test func changeUserRequestIsReadAsEachCapabilitySetWritesIt() throws {
        var full = ByteBuffer(bytes: [0x11])
        full.writeString("bob\0")
        full.writeInteger(UInt8(3)); full.writeBytes([1, 2, 3])
        full.writeString("shop\0")
        full.writeInteger(UInt16(45), endianness: .little)
        full.writeString("mysql_native_password\0")
        let request = try ChangeUserRequest.decode(from: full, capabilities: [.protocol41, .secureConnection, .pluginAuth])
        #expect(request == ChangeUserRequest(username: "bob", scramble: [1, 2, 3], schema: "shop", collation: 45,
                                             authPlugin: "mysql_native_password"))
        // Without secure-connection the scramble is NUL-terminated; an empty schema is none; no plugin capability.
        var old = ByteBuffer(bytes: [0x11])
        old.writeString("amy\0abc\0\0")
        let legacy = try ChangeUserRequest.decode(from: old, capabilities: [.protocol41])
        #expect(legacy == ChangeUserRequest(username: "amy", scramble: Array("abc".utf8), schema: nil, collation: nil, authPlugin: nil))
        #expect(throws: (any Error).self) { try ChangeUserRequest.decode(from: ByteBuffer(bytes: [0x11, 0x61]), capabilities: []) }
    }

    @Test func okPacketRoundTrips() throws {
        let ok = OKPacket(affectedRows: 300, lastInsertID: 70000, statusFlags: [.autocommit, .inTransaction], warnings: 2, info: "Rows matched")
        var b = ByteBuffer()
        ok.encode(into: &b, capabilities: .protocol41)
        let decoded = try OKPacket.decode(from: b, capabilities: .protocol41)
        #expect(decoded == ok)
        #expect(OKPacket.peekStatus(b)?.status == [.autocommit, .inTransaction])
    }

    @Test func errPacketKeepsCodeAndState() throws {
        let err = ErrPacket(errorCode: 1062, sqlState: "23000", message: "Duplicate entry '1' for key 'PRIMARY'")
        var b = ByteBuffer()
        err.encode(into: &b)
        #expect(try ErrPacket.decode(from: b, capabilities: .protocol41) == err)
        #expect(ResponsePacketKind.peek(b) == .err)
    }

    @Test func eofAndTerminatorStatus() {
        var eof = ByteBuffer()
        EOFPacket(warnings: 3, statusFlags: [.moreResultsExist]).encode(into: &eof)
        #expect(ResponsePacketKind.peek(eof) == .eof)
        let s = peekTerminatorStatus(eof, deprecateEOF: false)
        #expect(s.status == [.moreResultsExist] && s.warnings == 3)
        var okEOF = ByteBuffer()
        OKPacket(header: 0xFE, statusFlags: [.inTransaction], warnings: 1).encode(into: &okEOF, capabilities: .protocol41)
        let t = peekTerminatorStatus(okEOF, deprecateEOF: true)
        #expect(t.status == [.inTransaction] && t.warnings == 1)
    }

    @Test func columnDefinitionRoundTrips() throws {
        let c = ColumnDefinition41(schema: "s", table: "t", orgTable: "t", name: "id", orgName: "id", characterSet: 63,
                                   columnLength: 11, type: .long, flags: 0x4203, decimals: 0)
        var b = ByteBuffer()
        c.encode(into: &b)
        #expect(try ColumnDefinition41.decode(from: b) == c)
    }

    @Test func stmtPrepareOKRoundTrips() throws {
        let ok = StmtPrepareOK(statementID: 9, columnCount: 3, parameterCount: 2, warnings: 1)
        var b = ByteBuffer()
        ok.encode(into: &b)
        #expect(try StmtPrepareOK.decode(from: b) == ok)
    }

    @Test func authSwitchRequestRoundTrips() throws {
        let r = AuthSwitchRequest(pluginName: "mysql_native_password", pluginData: Array(repeating: 0x33, count: 20))
        var b = ByteBuffer()
        r.encode(into: &b)
        #expect(try AuthSwitchRequest.decode(from: b) == r)
    }

    @Test func resultSetWriterProducesATerminatedResult() throws {
        var b = ByteBuffer()
        let next = ResultSetWriter(capabilities: .protocol41)
            .write(columns: [ColumnDefinition41(name: "a"), ColumnDefinition41(name: "b")], rows: [["1", nil]], sequenceID: 1, into: &b)
        // count, 2 definitions, EOF, 1 row, EOF
        #expect(next == 7)
        var kinds: [ResponsePacketKind] = []
        while let (payload, _) = b.readFrame() { kinds.append(ResponsePacketKind.peek(payload)) }
        #expect(kinds == [.data, .data, .data, .eof, .data, .eof])
    }
}

/// Found by the wire fuzzer: a mutated handshake with a user name of megabytes made the "Access denied" error
/// outgrow one packet, and the proxy trapped.
@Suite struct ErrPacketBoundTests {
    @Test func errorMessagesAreCutAt512Bytes() throws {
        var buffer = ByteBuffer()
        let huge = String(repeating: "é", count: 20_000_000)
        buffer.writeMySQLPacket(sequenceID: 2) { ErrPacket(errorCode: 1045, sqlState: "28000", message: "user '\(huge)'").encode(into: &$0) }
        let next = buffer.readFrame()
        let frame = try #require(next)
        let decoded = try ErrPacket.decode(from: frame.payload, capabilities: .protocol41)
        #expect(decoded.message.utf8.count <= ErrPacket.maxMessageBytes && decoded.message.hasPrefix("user 'é"))
    }
}

/// Found by the wire fuzzer: a column name of 16 MiB (`SELECT '<16 MiB>'` on the admin port) trapped the writer.
@Suite struct LargeLocalPacketTests {
    @Test func aColumnNameOf16MiBIsSplitIntoFrames() throws {
        var buffer = ByteBuffer()
        let name = String(repeating: "c", count: 0x100_0000)
        let next = ResultSetWriter(capabilities: [.protocol41, .deprecateEOF])
            .write(columns: [ColumnDefinition41(name: name, orgName: "")], rows: [["1"]], sequenceID: 1, into: &buffer)
        var frames = 0
        while buffer.readFrame() != nil { frames += 1 }
        // count, the name's packet in two frames, the row, the final OK
        #expect(frames == 5 && next == 6)
    }
}
