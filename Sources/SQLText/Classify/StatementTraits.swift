/// What the proxy needs to know about a statement before it runs: its kind, and whether it creates
/// state that ties the session to one backend connection (ProxySQL's multiplexing blockers).
public struct StatementTraits: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case select, insert, update, delete, replace, set, use, show, call
        case begin, commit, rollback, savepoint
        case lockTables, unlockTables, flushTablesWithReadLock
        case createTemporaryTable
        /// CREATE / ALTER / DROP / TRUNCATE / RENAME (other than CREATE TEMPORARY TABLE).
        case ddl
        /// `PREPARE`, `EXECUTE`, `DEALLOCATE PREPARE` (SQL-level prepared statements).
        case sqlPrepare
        /// `LOAD DATA LOCAL INFILE`: the server will ask the client for a file.
        case loadDataLocal
        case other
    }

    public var kind: Kind = .other
    /// Reads or writes a user variable (`@x`).
    public var usesUserVariables = false
    /// Calls `GET_LOCK(`.
    public var usesAdvisoryLock = false
    /// Uses `SQL_CALC_FOUND_ROWS` (FOUND_ROWS() must run on the same connection).
    public var usesFoundRows = false
    /// Mentions `LAST_INSERT_ID` or `@@IDENTITY`.
    public var usesLastInsertID = false
    /// Reads what the previous statement left on its connection: `ROW_COUNT()`, `FOUND_ROWS()`, `@@warning_count`,
    /// `@@error_count` (and `LAST_INSERT_ID`, see `usesLastInsertID`).
    public var readsPreviousResult = false
    /// Reads `@@autocommit`: it must run with the session's own autocommit to see it.
    public var readsAutocommit = false
    /// More than one statement separated by `;`.
    public var isMultiStatement = false
    /// A later statement of a multi-statement text changes session state (SET, USE, LOCK, PREPARE,
    /// CREATE TEMPORARY): Junction cannot track it, so the connection stays with the session.
    public var laterStatementChangesSession = false
    /// `SELECT … FOR UPDATE`, `… FOR SHARE`, `… LOCK IN SHARE MODE`: a read that takes row locks.
    public var isLockingRead = false
    /// For `USE db`: the schema.
    public var useSchema: String?

    public init() {}

    /// True when running this statement leaves state on the backend connection that the next
    /// statement of the session must find there, so the connection stays attached.
    public var pinsConnection: Bool {
        usesUserVariables || usesAdvisoryLock || usesFoundRows || laterStatementChangesSession
            || kind == .createTemporaryTable || kind == .lockTables || kind == .flushTablesWithReadLock || kind == .sqlPrepare
    }
}
