import SQLText
import MySQLProtocol
import NIOCore

/// A prepared statement as the client sees it. Its id is the session's own; each backend connection
/// that runs it has its own id for it (`PreparedOnBackend`), so the statement can follow the session
/// from connection to connection.
struct ClientStatement {
    var sql: String
    var parameterCount: Int
    var columnCount: Int
    /// Parameter types from the last execute that sent them (new-params-bound flag 1). Later executes
    /// may omit them; Junction adds them back, because the next connection may not have seen them.
    var parameterTypes: ByteBuffer?
    /// COM_STMT_SEND_LONG_DATA chunks waiting for the next execute.
    private(set) var longData: [(parameter: UInt16, data: ByteBuffer)] = []
    /// What `longData` holds, counting each chunk's bookkeeping too (a flood of empty chunks is not free).
    private(set) var longDataBytes = 0
    /// Long data arrived past the session's limit and was dropped: the next execute is refused.
    var longDataRefused = false
    /// The statement has an open cursor (COM_STMT_FETCH follows).
    var hasCursor = false
    /// Its digest, computed once at prepare, for rules and statistics of each execute.
    var digest: QueryDigest?
    /// A SELECT/SHOW that ties nothing to its connection: an execute may be retried elsewhere.
    var isPlainRead = false
    /// What the session machine knows of each execute.
    var facts = SessionStateMachine.Statement.neutral
    /// A prepared `KILL [QUERY] <id>`: Junction runs it itself, no backend has it.
    var kill: KillStatement?

    static let longDataChunkOverhead = 32

    mutating func appendLongData(parameter: UInt16, data: ByteBuffer) {
        longData.append((parameter, data))
        longDataBytes += data.readableBytes + Self.longDataChunkOverhead
    }

    mutating func clearLongData() {
        longData = []
        longDataBytes = 0
    }
}

/// A statement prepared on one backend connection: its id there and the server's prepare response.
struct PreparedOnBackend {
    var statementID: UInt32
    var ok: StmtPrepareOK
    /// PREPARE_OK, parameter and column definitions, as the server sent them.
    var packets: [ByteBuffer]
}
