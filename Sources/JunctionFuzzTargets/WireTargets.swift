import Cluster
import NIOCore
@testable import Admin
@testable import MySQLClient
@testable import MySQLProtocol
@testable import Proxy

/// Targets for bytes that arrive on a socket: from clients (framing, login, commands) and from servers.
enum WireTargets {
    static let capabilityChoices: [CapabilityFlags] = [
        .junctionServerDefault, [], [.protocol41], [.protocol41, .secureConnection], [.protocol41, .pluginAuth],
        [.protocol41, .secureConnection, .pluginAuth, .connectAttrs, .pluginAuthLenencClientData, .connectWithDB],
        CapabilityFlags(rawValue: .max),
    ]

    static func buffer(_ bytes: [UInt8]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    /// The input as a series of packets: each piece is one payload.
    static func packets(_ input: inout FuzzInput, limit: Int = 64) -> [ByteBuffer] {
        var out: [ByteBuffer] = []
        while !input.isEmpty, out.count < limit { out.append(buffer(input.piece())) }
        return out
    }

    @Sendable static func packetFraming(_ data: UnsafeRawBufferPointer) {
        frame(data, largeFrames: false)
    }

    /// As `packetFraming`, with one whole 16 MiB frame (a packet continued by the next frame) at a point the input
    /// chooses. Building one costs milliseconds, so this target runs far fewer inputs a second.
    @Sendable static func largePacketFraming(_ data: UnsafeRawBufferPointer) {
        frame(data, largeFrames: true)
    }

    private static func frame(_ data: UnsafeRawBufferPointer, largeFrames: Bool) {
        var input = FuzzInput(data)
        var assembler = MySQLPacketAssembler(maxPacketLength: [1 << 30, 1 << 24, 65_536, 16, 0][input.choice(5)])
        var stream = ByteBufferAllocator().buffer(capacity: 256)
        var bigFrames = largeFrames ? 0 : 1
        while !input.isEmpty {
            if input.choice(16) == 0, bigFrames < 1 {
                // A whole 16 MiB frame: a packet continued by the next frame.
                bigFrames += 1
                stream.writeBytes([0xFF, 0xFF, 0xFF, input.byte()])
                stream.writeRepeatingByte(input.byte(), count: MySQLFrame.maxPayloadLength)
            } else {
                stream.writeBytes(input.piece())
            }
            do {
                while let packet = try assembler.nextPacket(from: &stream) {
                    _ = packet.payload.readableBytes
                }
            } catch {
                return  // the session answers 1153 and closes
            }
        }
        var copy = stream
        while copy.readFrame() != nil {}
        _ = stream.peekFrameHeader()
    }

    @Sendable static func handshakeResponse(_ data: UnsafeRawBufferPointer) {
        let payload = buffer(Array(data))
        _ = HandshakeResponse41.isSSLRequest(payload)
        guard let response = try? HandshakeResponse41.decode(from: payload) else { return }
        var encoded = ByteBufferAllocator().buffer(capacity: 128)
        response.encode(into: &encoded)
        _ = try? HandshakeResponse41.decode(from: encoded)
    }

    @Sendable static func commandPayloads(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let capabilities = capabilityChoices[input.choice(capabilityChoices.count)]
        let parameterCount = [0, 1, 2, 7, 8, 9, 65_535][input.choice(7)]
        let types = input.choice(2) == 0 ? nil : buffer(input.piece())
        let payload = buffer(input.rest())
        _ = try? ChangeUserRequest.decode(from: payload, capabilities: capabilities)
        // COM_STMT_EXECUTE as the session rewrites it for a backend (it has checked the 5-byte head first).
        guard payload.readableBytes >= 5 else { return }
        var statement = ClientStatement(sql: "SELECT ?", parameterCount: parameterCount, columnCount: 0)
        statement.parameterTypes = types
        _ = ClientSession.rewriteExecute(payload, backendID: 7, statement: statement)
    }

    @Sendable static func serverPackets(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let capabilities = capabilityChoices[input.choice(capabilityChoices.count)]
        let payload = buffer(input.rest())
        _ = try? HandshakeV10.decode(from: payload)
        _ = try? OKPacket.decode(from: payload, capabilities: capabilities)
        _ = OKPacket.peekStatus(payload)
        _ = ServerStatusFlags.offset(inTerminator: payload)
        _ = try? ErrPacket.decode(from: payload, capabilities: capabilities)
        _ = try? EOFPacket.decode(from: payload)
        _ = try? ColumnDefinition41.decode(from: payload)
        _ = try? StmtPrepareOK.decode(from: payload)
        _ = try? AuthSwitchRequest.decode(from: payload)
        _ = ResponsePacketKind.peek(payload)
        _ = peekTerminatorStatus(payload, deprecateEOF: true)
        _ = peekTerminatorStatus(payload, deprecateEOF: false)
        var copy = payload
        _ = copy.readLengthEncodedInteger()
        _ = copy.readLengthEncodedString()
    }

    @Sendable static func responseTracker(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let commands: [ResponseTracker.Command] = [.query, .execute, .fetch, .fieldList, .prepare, .singlePacket]
        var tracker = ResponseTracker(command: commands[input.choice(commands.count)], deprecateEOF: input.choice(2) == 1)
        for packet in packets(&input, limit: 256) {
            switch tracker.packetReceived(packet) {
            case .continues: continue
            case .localInfileRequested: tracker.localInfileDataSent()
            case .ended, .protocolViolation: return
            }
        }
    }

    /// A cluster peer's answers to a polling node: result sets read as `MySQLClientConnection` reads them, then
    /// taken as `runtime_checksums_values`, `stats_mysql_global` and fetched module rows.
    @Sendable static func peerAnswers(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        var reader = TextResultReader()
        for packet in packets(&input, limit: 256) {
            switch reader.packetReceived(packet) {
            case .needMore:
                continue
            case .failed:
                return
            case .done(let result):
                _ = try? PeerModuleState.advertised(from: result.rows)
                let peer = ClusterSettings.Peer(address: PeerAddress(hostname: "peer", port: 6032))
                _ = PeerMetrics.from(globalStatus: result.rows, peer: peer, responseTimeMs: 1, nowMs: 0)
                let set = ClusterResultSet(columns: result.columns, rows: result.rows)
                for name in RuntimeChecksums.moduleNames {
                    _ = ClusterRowSets.checksum(of: name, sets: [set, set])
                }
                return
            }
        }
    }

    @Sendable static func clientLogin(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        var login = ClientLogin(username: "monitor", password: input.choice(2) == 0 ? "" : "monitor", schema: nil,
                                wantedCapabilities: capabilityChoices[input.choice(capabilityChoices.count)], collation: 33)
        var sequenceID: UInt8 = 0
        for packet in packets(&input, limit: 16) {
            switch login.packetReceived(packet, sequenceID: sequenceID) {
            case .send(_, let next): sequenceID = next &+ 1
            case .wait: sequenceID &+= 1
            case .authenticated, .failed: return
            }
        }
    }
}
