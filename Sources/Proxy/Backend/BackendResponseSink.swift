import MySQLProtocol
import NIOCore

/// Receives a forwarded response from a backend connection: the client session implements it.
protocol BackendResponseSink: AnyObject {
    /// Bytes of whole packets of the response, unchanged; written to the client without a flush.
    func backendForward(_ bytes: ByteBuffer)
    /// The backend read burst is over: flush what was written.
    func backendFlush()
    /// The response is complete; the connection is idle again.
    func backendResponseEnded(_ connection: BackendConnection, status: ServerStatusFlags?, warnings: UInt16, isError: Bool,
                              summary: ResponseSummary)
    /// The server asked for LOCAL INFILE data; the client's next packets go to the connection.
    func backendLocalInfileRequested(_ connection: BackendConnection)
    /// The connection broke during the response. `forwardedAnything` tells whether the client saw part of it.
    func backendFailed(_ connection: BackendConnection, error: any Error, forwardedAnything: Bool)
}

/// The reply to a command Junction sends on its own behalf (state replay, prepare).
enum InternalReply {
    case ok(status: ServerStatusFlags)
    case error(ErrPacket)
    /// Every packet of the response (a prepare's PREPARE_OK and definitions), copied.
    case packets([ByteBuffer])
}

/// Errors of the backend side.
enum BackendError: Error, CustomStringConvertible {
    init(_ failure: LoginFailure) {
        switch failure {
        case .authenticationFailed(let err): self = .authenticationFailed(err)
        case .unsupportedAuth(let why): self = .unsupportedAuth(why)
        case .protocolViolation(let why): self = .protocolViolation(why)
        }
    }

    case connectFailed(ServerEndpoint, String)
    case authenticationFailed(ErrPacket)
    case unsupportedAuth(String)
    case connectionLost(ServerEndpoint)
    case protocolViolation(String)
    case timeout(ServerEndpoint)

    var description: String {
        switch self {
        case .connectFailed(let e, let why): return "cannot connect to \(e): \(why)"
        case .authenticationFailed(let err): return err.description
        case .unsupportedAuth(let why): return why
        case .connectionLost(let e): return "lost connection to backend \(e)"
        case .protocolViolation(let why): return "backend protocol violation: \(why)"
        case .timeout(let e): return "timeout talking to backend \(e)"
        }
    }
}

/// What the statistics need from a finished response.
struct ResponseSummary {
    var lastInsertID: UInt64
    var affectedRows: UInt64
    var rowsSent: Int
    var resultSets: Int
    var error: (code: UInt16, message: String)?

    init(_ tracker: ResponseTracker) {
        resultSets = tracker.resultSets
        error = tracker.error
        lastInsertID = tracker.lastInsertID
        affectedRows = tracker.affectedRows
        rowsSent = tracker.rowsSent
    }
}
