import MySQLProtocol
import NIOCore
import SQLText
import Proxy

/// The bytes every query crosses: a client frame taken apart, a command framed for the backend (or
/// handed on in its own frame, as a client's unchanged command is), a
/// point-select result set walked packet by packet as BackendConnection does.
func benchmarkPacketPath() {
    let sql = "SELECT c FROM sbtest1 WHERE id=4711"
    var frame = ByteBuffer()
    var payload = ByteBuffer()
    payload.writeInteger(CommandCode.query.rawValue)
    payload.writeString(sql)
    _ = frame.writeMySQLPacket(sequenceID: 0, payload: payload)

    measure("framing: take a COM_QUERY frame apart") {
        var inbound = frame
        var assembler = MySQLPacketAssembler()
        blackHole(try? assembler.nextPacket(from: &inbound))
    }
    measure("framing: frame a command for the backend") {
        var out = ByteBufferAllocator().buffer(capacity: payload.readableBytes + 8)
        blackHole(out.writeMySQLPacket(sequenceID: 0, payload: payload))
    }
    var received = frame
    var assembler = MySQLPacketAssembler()
    let assembled = (try? assembler.nextPacket(from: &received))!!.payload
    measure("framing: hand a client's command on in the frame it came in") {
        blackHole(assembled.frameInFront(sequenceID: 0))
    }

    let writer = ResultSetWriter(capabilities: [.protocol41, .deprecateEOF])
    var resultSet = ByteBuffer()
    writer.write(columns: [ColumnDefinition41(name: "c", columnLength: 120)],
                 rows: [[String(repeating: "7", count: 119)]], sequenceID: 1, into: &resultSet)
    measure("forwarding: track a one-row result set (\(resultSet.readableBytes) bytes)") {
        var tracker = ResponseTracker(command: .query, deprecateEOF: true)
        var index = resultSet.readerIndex
        while let (length, _) = resultSet.peekFrameHeader(at: index) {
            let event = tracker.packetReceived(resultSet.getSlice(at: index + 4, length: length)!)
            index += 4 + length
            if case .ended = event { break }
        }
        blackHole(tracker)
    }
}

/// Session-state replay: the check on every borrowed connection, and a plan when settings differ.
func benchmarkSessionState() {
    var session = SessionSettings(schema: "sbtest")
    let connection = session
    measure("replay: settings equal (the common case)") { blackHole(connection == session) }
    session.apply([SetStatementParser.Setting(key: "sql_mode", replay: "sql_mode='ANSI'"),
                   SetStatementParser.Setting(key: "time_zone", replay: "time_zone='+00:00'")])
    measure("replay: plan for two differing SET values") { blackHole(ReplayPlan(from: connection, to: session)) }
    measure("command class of a digest text") { blackHole(CommandType.of("SELECT c FROM sbtest1 WHERE id=?")) }
}
