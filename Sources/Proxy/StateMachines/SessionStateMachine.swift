import MySQLProtocol

/// What ties a client session to backend connections, and where each of its statements may run. Pure: the
/// client session (`ClientSession`, the I/O shell) tells it what happened and carries out what it answers.
///
/// Between commands a session keeps at most one backend connection (`kept`):
/// - **bound** — a transaction is open on it, or state that cannot move lives there (user variables,
///   temporary tables, locks, cursors, SQL PREPARE, a SET Junction cannot replay): every statement runs there,
///   whatever the rules say, until the state is gone (COMMIT/ROLLBACK; COM_RESET_CONNECTION, COM_CHANGE_USER);
/// - **held** — its last statements left something a later one may read (an insert id for
///   `mysql-auto_increment_delay_multiplex` statements, a row count or warnings for one): statements that read
///   it (`LAST_INSERT_ID()`, `ROW_COUNT()`, `FOUND_ROWS()`, `SHOW WARNINGS`…) and statements for its hostgroup run
///   there; all others go where the rules send them, and the held connection waits aside until its reads expire.
///
/// A user with `transaction_persistent = 0` lets the rules send a transaction's plain reads elsewhere (a replica):
/// the read runs with autocommit on, on a pooled connection, while the transaction's connection waits aside and
/// stays bound. Everything else in the transaction — writes, locking reads, statements with session effects — stays
/// on the transaction's connection.
///
/// Under autocommit=0 a plain read outside a transaction runs with autocommit on (as ProxySQL does unless
/// `mysql-enforce_autocommit_on_reads`), so it opens no transaction on a replica; the first write opens the
/// transaction where the rules send it, and the session stays there until it ends.
///
/// Transitions (events → state → actions):
///
/// | event | state | next state | action |
/// |---|---|---|---|
/// | plain read for another hostgroup, only a transaction binds, `transaction_persistent = 0` | bound | bound | run on a pooled connection with autocommit on; the kept one waits aside |
/// | other statement | bound | bound | run on the kept connection |
/// | statement that reads the last result, or for the held hostgroup | held | held | run on the kept connection |
/// | other statement | held, n reads left | held, n-1 (none at 0) | run on a pooled connection of the rules' hostgroup; at 0 release the held one |
/// | statement | none | none | run on a pooled connection of the rules' hostgroup |
/// | response to a read run aside | bound | bound | release the command's connection, go back to the kept one |
/// | response: transaction open, pins, multiplexing off | any | bound | keep the command's connection (release another held one) |
/// | response: insert id / row count / warnings to read | not bound | held | keep the command's connection (release another held one) |
/// | response: nothing to read | not bound | unchanged | release the command's connection (unless it is the held one with reads left) |
/// | the kept connection died | bound | none | report the lost state (transaction, pins) |
/// | reset (COM_RESET_CONNECTION, COM_CHANGE_USER) | any | none | close the kept connection if bound, else release it |
struct SessionStateMachine {
    /// Why a session is bound to its connection (besides an open transaction).
    struct Pins: OptionSet, Sendable {
        let rawValue: UInt16
        static let userVariables = Pins(rawValue: 1 << 0)
        static let advisoryLock = Pins(rawValue: 1 << 1)
        static let foundRows = Pins(rawValue: 1 << 2)
        static let temporaryTable = Pins(rawValue: 1 << 3)
        static let tableLocks = Pins(rawValue: 1 << 4)
        static let sqlPrepare = Pins(rawValue: 1 << 5)
        /// A SET Junction cannot replay, or a multi-statement text that changes session state.
        static let untrackedSessionChange = Pins(rawValue: 1 << 6)
        /// A prepared statement's open cursor (COM_STMT_FETCH needs its connection).
        static let cursor = Pins(rawValue: 1 << 7)
        /// A query rule with `multiplex = 0`.
        static let multiplexingOffByRule = Pins(rawValue: 1 << 8)
    }

    /// The connection a session keeps between commands.
    enum Kept: Equatable, Sendable {
        case none
        case bound(hostgroup: Int)
        case held(hostgroup: Int)
    }

    /// What the machine knows of a statement before it runs.
    struct Statement: Equatable, Sendable {
        /// A SELECT/SHOW without locks or session effects: it need not open a transaction under autocommit=0.
        var isPlainRead = false
        /// Reads what the previous statement left on its connection (insert id, row count, found rows, warnings).
        var readsPreviousStatement = false
        /// A write whose row count (`ROW_COUNT()`) a following statement may read.
        var leavesRowCount = false
        /// Leaves warnings to read again (SHOW WARNINGS does not clear them).
        var leavesWarnings = false
        /// What it binds the session to its connection with, once it succeeded.
        var pins: Pins = []

        /// Commands that change nothing the machine tracks (COM_INIT_DB, COM_FIELD_LIST, COM_STMT_PREPARE…).
        static let neutral = Statement()
    }

    /// Settings of the proxy that change the machine's answers.
    struct Policy: Equatable, Sendable {
        var multiplexing = true
        var autocommitFalseIsTransaction = false
        var enforceAutocommitOnReads = false
        var autoIncrementDelayMultiplex = 5
        /// The user's `transaction_persistent`: a transaction keeps all its statements on its connection.
        var transactionPersistent = true
    }

    enum Route: Equatable, Sendable {
        /// On the connection the session keeps.
        case kept
        /// On a connection of this hostgroup from the pool (a held connection waits aside).
        case pool(hostgroup: Int)
    }

    struct Decision: Equatable, Sendable {
        var route: Route
        /// Run it with autocommit on, whatever the session's autocommit (a read outside a transaction).
        var autocommitForRead = false
        /// The held connection's reads expired: give it back to the pool.
        var releaseHeld = false
    }

    /// What to do with the connection the command ran on once its response ended.
    struct ResponseAction: Equatable, Sendable {
        /// Keep it (bound or held); false gives it back to the pool.
        var keepCommandConnection: Bool
        /// A held connection that waited aside is no longer needed.
        var releaseHeldAside: Bool
    }

    private(set) var kept: Kept = .none
    /// Statements during which what the kept connection's last statements left may still be read.
    private(set) var readsLeft = 0
    private(set) var transactionOpen = false
    private(set) var pins: Pins = []
    /// The session's autocommit is off (SET autocommit=0).
    var autocommitOff = false
    /// Where the running command went, and what it is.
    private var running: (route: Route, statement: Statement)?

    /// The kept connection carries state of the session: losing it loses that state.
    var holdsState: Bool { if case .bound = kept { return true } else { return false } }
    var isBound: Bool { holdsState }

    // MARK: Events

    /// A statement is about to run: where it goes.
    mutating func statementReceived(_ statement: Statement, hostgroup: Int, policy: Policy) -> Decision {
        var decision: Decision
        switch kept {
        case .bound(let boundHostgroup):
            if !policy.transactionPersistent, transactionOpen, pins.isEmpty, statement.isPlainRead, hostgroup != boundHostgroup {
                running = (.pool(hostgroup: hostgroup), statement)
                return Decision(route: .pool(hostgroup: hostgroup), autocommitForRead: true)
            }
            decision = Decision(route: .kept)
        case .held(let heldHostgroup):
            if statement.readsPreviousStatement || heldHostgroup == hostgroup {
                decision = Decision(route: .kept)
            } else {
                decision = Decision(route: .pool(hostgroup: hostgroup))
                readsLeft -= 1
                if readsLeft <= 0 {
                    kept = .none
                    readsLeft = 0
                    decision.releaseHeld = true
                }
            }
        case .none:
            decision = Decision(route: .pool(hostgroup: hostgroup))
        }
        if autocommitOff, !transactionOpen, !isBound, statement.isPlainRead, !policy.enforceAutocommitOnReads,
           !policy.autocommitFalseIsTransaction {
            decision.autocommitForRead = true
        }
        running = (decision.route, statement)
        return decision
    }

    /// The running command's response ended on a connection of `hostgroup`. `status` is nil for an ERR.
    /// `serverServes`: the connection's server is still ONLINE (one set OFFLINE_SOFT gets no new holds).
    mutating func responseEnded(status: ServerStatusFlags?, warnings: UInt16, isError: Bool, insertID: UInt64,
                                hostgroup: Int, serverServes: @autoclosure () -> Bool, policy: Policy) -> ResponseAction {
        let (route, statement) = running ?? (.kept, .neutral)
        running = nil
        if case .pool = route, case .bound = kept {
            // A transaction's read ran aside: the transaction and its connection are as they were.
            return ResponseAction(keepCommandConnection: false, releaseHeldAside: false)
        }
        if let status { transactionOpen = status.contains(.inTransaction) }
        if !isError { pins.formUnion(statement.pins) }
        var heldAside = false
        var left = 0
        switch route {
        case .pool: if case .held = kept { heldAside = true }
        case .kept: left = readsLeft - 1
        }
        if insertID > 0 {
            left = max(left, policy.autoIncrementDelayMultiplex)
        } else if warnings > 0 || isError || statement.leavesWarnings || statement.leavesRowCount {
            left = max(left, 1)
        }
        left = max(left, 0)
        if transactionOpen || !pins.isEmpty || !policy.multiplexing || (autocommitOff && policy.autocommitFalseIsTransaction) {
            kept = .bound(hostgroup: hostgroup)
            readsLeft = left
            return ResponseAction(keepCommandConnection: true, releaseHeldAside: heldAside)
        }
        if left > 0, serverServes() {
            kept = .held(hostgroup: hostgroup)
            readsLeft = left
            return ResponseAction(keepCommandConnection: true, releaseHeldAside: heldAside)
        }
        if route == .kept {
            kept = .none
            readsLeft = 0
        }
        return ResponseAction(keepCommandConnection: false, releaseHeldAside: false)
    }

    /// The command ended without a response from its connection (an error before it ran, a prepare answered
    /// from the connection's cache): its connection stays only if the session was bound to it.
    mutating func commandEndedWithoutResponse() -> ResponseAction {
        let route = running?.route ?? .kept
        running = nil
        if case .bound = kept, route == .kept { return ResponseAction(keepCommandConnection: true, releaseHeldAside: false) }
        if route == .kept {
            kept = .none
            readsLeft = 0
        }
        return ResponseAction(keepCommandConnection: false, releaseHeldAside: false)
    }

    /// The kept connection is gone. Returns true when state of the session went with it (a transaction, pins):
    /// the client must be told.
    mutating func keptConnectionLost() -> Bool {
        let lost = holdsState && (transactionOpen || !pins.isEmpty)
        kept = .none
        readsLeft = 0
        transactionOpen = false
        pins = []
        return lost
    }

    /// COM_RESET_CONNECTION / COM_CHANGE_USER: the session starts clean.
    mutating func reset() {
        kept = .none
        readsLeft = 0
        transactionOpen = false
        pins = []
        autocommitOff = false
        running = nil
    }

    /// A rule turned multiplexing off for this session (`multiplex = 0`).
    mutating func pin(_ reason: Pins) {
        pins.insert(reason)
    }
}
