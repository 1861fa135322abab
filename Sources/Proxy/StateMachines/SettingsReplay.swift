import MySQLProtocol
import NIOCore

/// Brings a backend connection's session settings to those of the client session about to use it, one command at a
/// time. Pure: the client session sends each step's command and reports how it went (`ReplayPlan` says what differs;
/// this says in which order it is sent and what each success changes on the connection).
///
/// | event | state | action |
/// |---|---|---|
/// | start / a step succeeded | statements queued one by one | send the next; after the last, the connection has the session's SETs |
/// | start / a step succeeded | the plan from the connection's settings is empty | done |
/// | start / a step succeeded | the plan resets first | COM_RESET_CONNECTION (the connection's SETs and prepared statements go) |
/// | start / a step succeeded | multi-statements differ | COM_SET_OPTION |
/// | start / a step succeeded | the schema differs | COM_INIT_DB |
/// | start / a step succeeded | SETs differ | one COM_QUERY with all of them, or one per statement when the connection takes no multi-statements |
/// | a step failed | any | fail: the connection is closed, the client gets the server's error |
struct SettingsReplay {
    enum Step: Equatable, Sendable {
        case resetConnection
        case setMultiStatements(Bool)
        case initDB(String)
        case query(String)

        /// The command's payload.
        var payload: ByteBuffer {
            var payload = ByteBufferAllocator().buffer(capacity: 64)
            switch self {
            case .resetConnection:
                payload.writeInteger(CommandCode.resetConnection.rawValue)
            case .setMultiStatements(let on):
                payload.writeInteger(CommandCode.setOption.rawValue)
                payload.writeInteger(UInt16(on ? 0 : 1), endianness: .little)
            case .initDB(let schema):
                payload.writeInteger(CommandCode.initDB.rawValue)
                payload.writeString(schema)
            case .query(let sql):
                payload.writeInteger(CommandCode.query.rawValue)
                payload.writeString(sql)
            }
            return payload
        }

        /// How its response is read.
        var responseCommand: ResponseTracker.Command {
            if case .query = self { return .query }
            return .singlePacket
        }
    }

    enum Action: Equatable, Sendable {
        case send(Step)
        /// The connection now has the session's settings.
        case done
        /// The server refused a step: the connection's state is unknown, it must be closed.
        case fail
    }

    /// The connection's settings as far as the replay has brought them.
    private(set) var connection: SessionSettings
    let target: SessionSettings
    let defaultSchema: String
    /// SET statements still to send one per command (the connection takes no multi-statements).
    private var queued: [String] = []
    private var sending: Step?
    /// A bound on steps: a plan that does not shrink as its steps succeed is a bug, not a reason to loop.
    private var stepsLeft = 16

    init(connection: SessionSettings, target: SessionSettings, defaultSchema: String) {
        self.connection = connection
        self.target = target
        self.defaultSchema = defaultSchema
    }

    mutating func start() -> Action { next() }

    mutating func stepSucceeded() -> Action {
        switch sending {
        case .resetConnection: connection.settings = [:]
        case .setMultiStatements(let on): connection.multiStatements = on
        case .initDB(let schema): connection.schema = schema
        case .query: if queued.isEmpty { connection.settings = target.settings }
        case nil: break
        }
        sending = nil
        return next()
    }

    mutating func stepFailed() -> Action {
        sending = nil
        queued = []
        return .fail
    }

    private mutating func next() -> Action {
        if !queued.isEmpty { return send(.query(queued.removeFirst())) }
        let plan = ReplayPlan(from: connection, to: target, defaultSchema: defaultSchema)
        if plan.isEmpty { return .done }
        if plan.resetFirst { return send(.resetConnection) }
        if let on = plan.setMultiStatements { return send(.setMultiStatements(on)) }
        if let schema = plan.initDB { return send(.initDB(schema)) }
        if plan.statements.count > 1, !connection.multiStatements {
            queued = Array(plan.statements.dropFirst())
            return send(.query(plan.statements[0]))
        }
        return send(.query(plan.statements.joined(separator: ";")))
    }

    private mutating func send(_ step: Step) -> Action {
        guard stepsLeft > 0 else { return .fail }
        stepsLeft -= 1
        sending = step
        return .send(step)
    }
}
