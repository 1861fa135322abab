import SQLText

/// The session state a client builds with SET, USE and COM_SET_OPTION, which a backend connection
/// must match before it runs the client's next statement.
///
/// Both the client session and every backend connection hold one; `ReplayPlan` computes what to
/// send to a borrowed connection so that its settings equal the session's.
public struct SessionSettings: Equatable, Sendable {
    /// Current schema; nil when none was chosen.
    public var schema: String?
    /// Remembered SET assignments by key (`sql_mode`, `names`, `autocommit`, …).
    public var settings: [String: SetStatementParser.Setting] = [:] {
        didSet { autocommitOff = settings["autocommit"] != nil }
    }
    /// CLIENT_MULTI_STATEMENTS as the client last set it (handshake or COM_SET_OPTION).
    public var multiStatements = true

    public init(schema: String? = nil, multiStatements: Bool = true) {
        self.schema = schema
        self.multiStatements = multiStatements
    }

    /// Autocommit is off (SET autocommit=0 was remembered); kept with `settings`, read on every command.
    public private(set) var autocommitOff = false

    public mutating func apply(_ new: [SetStatementParser.Setting]) {
        for setting in new {
            if setting.replay == nil { settings[setting.key] = nil } else { settings[setting.key] = setting }
        }
    }
}

/// What to send to a backend connection so that its settings match a session's.
public struct ReplayPlan: Equatable, Sendable {
    /// The connection holds settings the session does not have: reset it first (COM_RESET_CONNECTION).
    public var resetFirst = false
    /// COM_SET_OPTION with this value (true = multi-statements on).
    public var setMultiStatements: Bool?
    /// COM_INIT_DB with this schema.
    public var initDB: String?
    /// SET statements, in order.
    public var statements: [String] = []

    public var isEmpty: Bool { !resetFirst && setMultiStatements == nil && initDB == nil && statements.isEmpty }

    /// The plan that turns `connection` into `session`. A session without a schema gets
    /// `defaultSchema` (`mysql-default_schema`) when the connection has another session's schema.
    public init(from connection: SessionSettings, to session: SessionSettings, defaultSchema: String = "information_schema") {
        var base = connection
        var plain: [String] = []
        if connection.autocommitOff, !session.autocommitOff {
            // Autocommit back on is a SET, not a reset: sessions under autocommit=0 switch a connection back and
            // forth for their reads, and a reset would also drop the statements prepared on it.
            plain.append("autocommit=1")
            base.settings["autocommit"] = nil
        }
        if base.settings.keys.contains(where: { session.settings[$0] == nil }) {
            resetFirst = true
            // After a reset the server's session is at its defaults; the schema is kept.
            base.settings = [:]
            plain = []
        }
        if base.multiStatements != session.multiStatements { setMultiStatements = session.multiStatements }
        if let schema = session.schema, schema != base.schema { initDB = schema }
        if session.schema == nil, let current = base.schema, current != defaultSchema { initDB = defaultSchema }
        for key in session.settings.keys.sorted() {
            let wanted = session.settings[key]!
            guard base.settings[key] != wanted, let replay = wanted.replay else { continue }
            if wanted.standalone { statements.append("SET " + replay) } else { plain.append(replay) }
        }
        if !plain.isEmpty { statements.append("SET " + plain.joined(separator: ", ")) }
    }

    init() {}
}
