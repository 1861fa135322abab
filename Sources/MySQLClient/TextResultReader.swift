import MySQLProtocol
import NIOCore

/// The answer to a text-protocol query: rows as text (nil = NULL), or an OK's affected rows.
public struct MySQLTextResult: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String?]]
    public var affectedRows: UInt64

    /// The value of `column` in the first row, if any.
    public func first(_ column: String) -> String? {
        guard let index = columns.firstIndex(where: { $0.caseInsensitiveCompare(column) == .orderedSame }),
              let row = rows.first else { return nil }
        return row[index]
    }
}

/// Reads a COM_QUERY response packet by packet (classic EOF terminators; the client does not ask
/// for CLIENT_DEPRECATE_EOF). Pure: fed payloads, it says when the result is complete.
struct TextResultReader {
    enum Step {
        case needMore
        case done(MySQLTextResult)
        case failed(MySQLClientError)
    }

    private enum State { case first, columns(left: Int), columnsEOF, rows }
    private var state = State.first
    private var result = MySQLTextResult(columns: [], rows: [], affectedRows: 0)
    private var resultBytes = 0
    static let maxColumns: UInt64 = 4_096
    /// Junction's own queries (monitor checks, cluster fetches) read small results: a server or peer that sends
    /// more is refused rather than buffered without end.
    static let maxResultBytes = 64 << 20

    mutating func packetReceived(_ payload: ByteBuffer) -> Step {
        let kind = ResponsePacketKind.peek(payload)
        if kind == .err {
            let err = (try? ErrPacket.decode(from: payload, capabilities: .protocol41)) ?? MySQLErrorCode.general.packet("error")
            return .failed(.server(err))
        }
        switch state {
        case .first:
            if kind == .ok {
                result.affectedRows = OKPacket.peekStatus(payload)?.affectedRows ?? 0
                return .done(result)
            }
            var copy = payload
            // A server has at most 4,096 columns; a larger count is a lie, not a reason to trap converting it.
            guard let count = copy.readLengthEncodedInteger(), count > 0, count <= Self.maxColumns else {
                return .failed(.protocolViolation("bad column count"))
            }
            state = .columns(left: Int(count))
            return .needMore
        case .columns(let left):
            guard let column = try? ColumnDefinition41.decode(from: payload) else { return .failed(.protocolViolation("bad column")) }
            result.columns.append(column.name)
            state = left > 1 ? .columns(left: left - 1) : .columnsEOF
            return .needMore
        case .columnsEOF:
            guard kind == .eof else { return .failed(.protocolViolation("expected EOF after columns")) }
            state = .rows
            return .needMore
        case .rows:
            if kind == .eof { return .done(result) }
            resultBytes += payload.readableBytes
            guard resultBytes <= Self.maxResultBytes else { return .failed(.protocolViolation("result larger than \(Self.maxResultBytes) bytes")) }
            var copy = payload
            var row: [String?] = []
            row.reserveCapacity(result.columns.count)
            for _ in 0..<result.columns.count {
                if copy.getInteger(at: copy.readerIndex, as: UInt8.self) == 0xFB {
                    copy.moveReaderIndex(forwardBy: 1)
                    row.append(nil)
                } else {
                    guard let value = copy.readLengthEncodedString() else { return .failed(.protocolViolation("bad row")) }
                    row.append(value)
                }
            }
            result.rows.append(row)
            return .needMore
        }
    }
}

/// Why a monitor-style client call failed.
public enum MySQLClientError: Error, Equatable, Sendable, CustomStringConvertible {
    case connectFailed(String)
    case login(LoginFailure)
    case server(ErrPacket)
    case timeout
    case closed
    /// A command was sent while another was still running on the connection (a caller's bug, not the server's).
    case busy
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .connectFailed(let why): return "cannot connect: \(why)"
        case .login(.authenticationFailed(let err)): return err.description
        case .login(.unsupportedAuth(let why)), .login(.protocolViolation(let why)): return why
        case .server(let err): return err.description
        case .timeout: return "timed out"
        case .closed: return "connection closed"
        case .busy: return "connection busy with another command"
        case .protocolViolation(let why): return "protocol violation: \(why)"
        }
    }
}
