import MySQLProtocol
import NIOCore
@testable import Proxy
import Testing

@Suite struct ResponseTrackerTests {
    func ok(_ status: ServerStatusFlags = .autocommit, header: UInt8 = 0) -> ByteBuffer {
        var b = ByteBuffer()
        OKPacket(header: header, statusFlags: status).encode(into: &b, capabilities: .protocol41)
        return b
    }
    func eof(_ status: ServerStatusFlags = .autocommit) -> ByteBuffer {
        var b = ByteBuffer()
        EOFPacket(statusFlags: status).encode(into: &b)
        return b
    }
    let err: ByteBuffer = {
        var b = ByteBuffer()
        ErrPacket(errorCode: 1146, sqlState: "42S02", message: "no table").encode(into: &b)
        return b
    }()
    func count(_ n: UInt64) -> ByteBuffer { var b = ByteBuffer(); b.writeLengthEncodedInteger(n); return b }
    let column: ByteBuffer = { var b = ByteBuffer(); ColumnDefinition41(name: "a").encode(into: &b); return b }()
    let emptyStringRow = ByteBuffer(bytes: [0x00])

    @Test func okEndsAQuery() {
        var t = ResponseTracker(command: .query, deprecateEOF: false)
        #expect(t.packetReceived(ok([.autocommit, .inTransaction])) == .ended(status: [.autocommit, .inTransaction], warnings: 0, isError: false))
    }

    @Test func errEndsAQuery() {
        var t = ResponseTracker(command: .query, deprecateEOF: false)
        #expect(t.packetReceived(err) == .ended(status: nil, warnings: 0, isError: true))
    }

    @Test func textResultWithEOFs() {
        var t = ResponseTracker(command: .query, deprecateEOF: false)
        #expect(t.packetReceived(count(1)) == .continues)
        #expect(t.packetReceived(column) == .continues)
        #expect(t.packetReceived(eof()) == .continues)
        #expect(t.packetReceived(emptyStringRow) == .continues)  // a row starting with 0x00 is not an OK
        #expect(t.packetReceived(eof()) == .ended(status: .autocommit, warnings: 0, isError: false))
    }

    @Test func textResultUnderDeprecateEOF() {
        var t = ResponseTracker(command: .query, deprecateEOF: true)
        #expect(t.packetReceived(count(2)) == .continues)
        #expect(t.packetReceived(column) == .continues)
        #expect(t.packetReceived(column) == .continues)
        #expect(t.packetReceived(emptyStringRow) == .continues)
        #expect(t.packetReceived(ok(.autocommit, header: 0xFE)) == .ended(status: .autocommit, warnings: 0, isError: false))
    }

    @Test func multipleResultsContinueUntilTheLast() {
        var t = ResponseTracker(command: .query, deprecateEOF: false)
        #expect(t.packetReceived(count(1)) == .continues)
        #expect(t.packetReceived(column) == .continues)
        #expect(t.packetReceived(eof()) == .continues)
        #expect(t.packetReceived(eof([.autocommit, .moreResultsExist])) == .continues)
        #expect(t.packetReceived(ok([.autocommit, .moreResultsExist])) == .continues)
        #expect(t.packetReceived(ok()) == .ended(status: .autocommit, warnings: 0, isError: false))
    }

    @Test func errorInTheMiddleOfRows() {
        var t = ResponseTracker(command: .query, deprecateEOF: false)
        _ = t.packetReceived(count(1)); _ = t.packetReceived(column); _ = t.packetReceived(eof())
        #expect(t.packetReceived(err) == .ended(status: nil, warnings: 0, isError: true))
    }

    @Test func localInfileRequest() {
        var t = ResponseTracker(command: .query, deprecateEOF: false)
        #expect(t.packetReceived(ByteBuffer(bytes: [0xFB, 0x61])) == .localInfileRequested)
        t.localInfileDataSent()
        #expect(t.packetReceived(ok()) == .ended(status: .autocommit, warnings: 0, isError: false))
    }

    @Test func prepareResponse() {
        var prepareOK = ByteBuffer()
        StmtPrepareOK(statementID: 1, columnCount: 1, parameterCount: 2).encode(into: &prepareOK)
        var t = ResponseTracker(command: .prepare, deprecateEOF: false)
        #expect(t.packetReceived(prepareOK) == .continues)
        #expect(t.packetReceived(column) == .continues)
        #expect(t.packetReceived(column) == .continues)
        #expect(t.packetReceived(eof()) == .continues)
        #expect(t.packetReceived(column) == .continues)
        #expect(t.packetReceived(eof()) == .ended(status: nil, warnings: 0, isError: false))
    }

    @Test func prepareWithoutParametersOrColumnsEndsAtOnce() {
        var prepareOK = ByteBuffer()
        StmtPrepareOK(statementID: 1, columnCount: 0, parameterCount: 0).encode(into: &prepareOK)
        var t = ResponseTracker(command: .prepare, deprecateEOF: true)
        #expect(t.packetReceived(prepareOK) == .ended(status: nil, warnings: 0, isError: false))
    }

    @Test func binaryRowsStartingWithZeroAreRows() {
        var t = ResponseTracker(command: .execute, deprecateEOF: false)
        _ = t.packetReceived(count(1)); _ = t.packetReceived(column); _ = t.packetReceived(eof())
        #expect(t.packetReceived(ByteBuffer(bytes: [0x00, 0x00, 0x01])) == .continues)
        #expect(t.packetReceived(eof()) == .ended(status: .autocommit, warnings: 0, isError: false))
    }

    @Test func cursorEndsAfterColumns() {
        var t = ResponseTracker(command: .execute, deprecateEOF: false)
        _ = t.packetReceived(count(1)); _ = t.packetReceived(column)
        #expect(t.packetReceived(eof([.autocommit, .cursorExists])) == .ended(status: [.autocommit, .cursorExists], warnings: 0, isError: false))
    }

    @Test func fieldListEndsAtEOF() {
        var t = ResponseTracker(command: .fieldList, deprecateEOF: false)
        #expect(t.packetReceived(column) == .continues)
        #expect(t.packetReceived(eof()) == .ended(status: .autocommit, warnings: 0, isError: false))
    }

    @Test func impossiblePacketsAreViolations() {
        var t = ResponseTracker(command: .query, deprecateEOF: false)
        _ = t.packetReceived(ok())
        if case .protocolViolation = t.packetReceived(ok()) {} else { Issue.record("packet after the end must be a violation") }
        var u = ResponseTracker(command: .query, deprecateEOF: false)
        _ = u.packetReceived(count(1)); _ = u.packetReceived(column)
        if case .protocolViolation = u.packetReceived(column) {} else { Issue.record("a row before the columns' EOF is a violation") }
    }
}
