import MySQLProtocol
import NIOCore

/// Follows a backend's response to one command, packet by packet, to find where it ends.
///
/// Packets are only peeked (first byte, and the status flags of a terminator); they are forwarded
/// unchanged. The tracker knows the shape of every response Junction forwards: text and binary
/// result sets (several with SERVER_MORE_RESULTS_EXISTS), cursors, field lists, prepare responses,
/// LOCAL INFILE requests and single-packet replies.
public struct ResponseTracker {
    /// Which command the response answers.
    public enum Command: Equatable, Sendable {
        /// COM_QUERY: OK, ERR, LOCAL INFILE request, or text result sets; possibly several.
        case query
        /// COM_STMT_EXECUTE: like `query` with binary rows; a cursor ends the response after the columns.
        case execute
        /// COM_STMT_FETCH: rows then a terminator.
        case fetch
        /// COM_FIELD_LIST: column definitions then a terminator.
        case fieldList
        /// COM_STMT_PREPARE: PREPARE_OK, parameter and column definitions.
        case prepare
        /// Anything answered with one packet (OK, ERR, EOF or a string).
        case singlePacket
    }

    /// What a packet means for the response.
    public enum Event: Equatable, Sendable {
        /// More packets of this response follow.
        case continues
        /// The server wants the client's LOCAL INFILE data; the response resumes after it.
        case localInfileRequested
        /// Last packet. `status` is nil when the response ended with an ERR.
        case ended(status: ServerStatusFlags?, warnings: UInt16, isError: Bool)
        /// The packet cannot occur here: the connection must be closed.
        case protocolViolation(String)
    }

    private enum State: Equatable {
        case first
        case columns(left: UInt64)
        case columnsEOF
        case rows
        case prepareParams(left: Int, columns: Int)
        case prepareParamsEOF(columns: Int)
        case prepareColumns(left: Int)
        case prepareColumnsEOF
        case awaitingLocalInfileData
        case done
    }

    public let command: Command
    public let deprecateEOF: Bool
    private var state: State = .first
    /// The warning count reported by the last terminator, summed over result sets.
    public private(set) var warnings: UInt16 = 0
    /// The last insert id of the last OK packet (0 when none), for LAST_INSERT_ID() affinity.
    public private(set) var lastInsertID: UInt64 = 0
    /// Rows of every result set of the response (for the digest statistics).
    public private(set) var rowsSent = 0
    /// Affected rows summed over the OK packets of the response.
    public private(set) var affectedRows: UInt64 = 0
    /// How many result sets (column definitions then rows) the response held.
    public private(set) var resultSets = 0
    /// The error code and message when the response ended with an ERR packet.
    public private(set) var error: (code: UInt16, message: String)?

    public init(command: Command, deprecateEOF: Bool) {
        self.command = command
        self.deprecateEOF = deprecateEOF
        switch command {
        case .fetch: state = .rows
        case .fieldList: state = .columns(left: .max)
        default: state = .first
        }
    }

    public var isDone: Bool { state == .done }

    /// Feeds the payload of the next logical packet.
    public mutating func packetReceived(_ payload: ByteBuffer) -> Event {
        let kind = ResponsePacketKind.peek(payload)
        if kind == .err, let packet = try? ErrPacket.decode(from: payload, capabilities: .protocol41) {
            error = (packet.errorCode, packet.message)
        }
        switch state {
        case .first:
            switch (command, kind) {
            case (_, .err):
                return end(status: nil, warnings: 0, isError: true)
            case (.singlePacket, _):
                let (status, w) = kind == .data ? ([], 0) : peekTerminatorStatus(payload, deprecateEOF: deprecateEOF && kind != .ok)
                return end(status: kind == .data ? nil : status, warnings: w, isError: false)
            case (.prepare, .ok):
                guard let ok = try? StmtPrepareOK.decode(from: payload) else { return violation("bad PREPARE_OK") }
                return preparePhase(params: Int(ok.parameterCount), columns: Int(ok.columnCount))
            case (.query, .ok), (.execute, .ok):
                let (status, w) = peekTerminatorStatus(payload, deprecateEOF: true)
                let ok = OKPacket.peekStatus(payload)
                lastInsertID = ok?.lastInsertID ?? 0
                affectedRows &+= ok?.affectedRows ?? 0
                return terminator(status: status, warnings: w)
            case (.query, .localInfileRequest):
                state = .awaitingLocalInfileData
                return .localInfileRequested
            case (.query, .data), (.execute, .data):
                var copy = payload
                guard let count = copy.readLengthEncodedInteger(), count > 0 else { return violation("bad column count") }
                resultSets += 1
                state = .columns(left: count)
                return .continues
            default:
                return violation("\(kind) at the start of a \(command) response")
            }
        case .columns(let left):
            if command == .fieldList {
                switch kind {
                case .eof:
                    let (status, w) = peekTerminatorStatus(payload, deprecateEOF: deprecateEOF)
                    return end(status: status, warnings: w, isError: false)
                case .err: return end(status: nil, warnings: 0, isError: true)
                default: return .continues
                }
            }
            guard kind != .err else { return end(status: nil, warnings: 0, isError: true) }
            if left > 1 { state = .columns(left: left - 1) }
            else { state = deprecateEOF ? .rows : .columnsEOF }
            return .continues
        case .columnsEOF:
            guard kind == .eof else { return kind == .err ? end(status: nil, warnings: 0, isError: true) : violation("expected EOF after columns") }
            let (status, w) = peekTerminatorStatus(payload, deprecateEOF: false)
            if command == .execute, status.contains(.cursorExists) { return end(status: status, warnings: w, isError: false) }
            state = .rows
            return .continues
        case .rows:
            switch kind {
            case .eof:
                let (status, w) = peekTerminatorStatus(payload, deprecateEOF: deprecateEOF)
                return terminator(status: status, warnings: w)
            case .err:
                return end(status: nil, warnings: 0, isError: true)
            default:
                rowsSent += 1
                return .continues
            }
        case .prepareParams(let left, let columns):
            guard kind != .err else { return end(status: nil, warnings: 0, isError: true) }
            if left > 1 { state = .prepareParams(left: left - 1, columns: columns); return .continues }
            if !deprecateEOF { state = .prepareParamsEOF(columns: columns); return .continues }
            return preparePhase(params: 0, columns: columns)
        case .prepareParamsEOF(let columns):
            guard kind == .eof else { return violation("expected EOF after parameters") }
            return preparePhase(params: 0, columns: columns)
        case .prepareColumns(let left):
            guard kind != .err else { return end(status: nil, warnings: 0, isError: true) }
            if left > 1 { state = .prepareColumns(left: left - 1); return .continues }
            if !deprecateEOF { state = .prepareColumnsEOF; return .continues }
            return end(status: nil, warnings: 0, isError: false)
        case .prepareColumnsEOF:
            guard kind == .eof else { return violation("expected EOF after columns") }
            return end(status: nil, warnings: 0, isError: false)
        case .awaitingLocalInfileData:
            return violation("server sent data during LOCAL INFILE upload")
        case .done:
            return violation("packet after the end of the response")
        }
    }

    /// The client finished sending LOCAL INFILE data; the server's OK or ERR follows.
    public mutating func localInfileDataSent() {
        if state == .awaitingLocalInfileData { state = .first }
    }

    private mutating func preparePhase(params: Int, columns: Int) -> Event {
        if params > 0 { state = .prepareParams(left: params, columns: columns); return .continues }
        if columns > 0 { state = .prepareColumns(left: columns); return .continues }
        return end(status: nil, warnings: 0, isError: false)
    }

    private mutating func terminator(status: ServerStatusFlags, warnings: UInt16) -> Event {
        self.warnings &+= warnings
        if status.contains(.moreResultsExist) { state = .first; return .continues }
        state = .done
        return .ended(status: status, warnings: self.warnings, isError: false)
    }

    private mutating func end(status: ServerStatusFlags?, warnings: UInt16, isError: Bool) -> Event {
        self.warnings &+= warnings
        state = .done
        return .ended(status: status, warnings: self.warnings, isError: isError)
    }

    private mutating func violation(_ message: String) -> Event {
        state = .done
        return .protocolViolation(message)
    }
}
