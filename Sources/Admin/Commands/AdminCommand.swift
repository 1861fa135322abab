/// What an admin statement asks for, decided from its text alone (admin-commands.md).
public enum AdminCommand: Equatable, Sendable {
    /// MEMORY → RUNTIME.
    case loadToRuntime(AdminModule)
    /// RUNTIME → MEMORY.
    case saveToMemory(AdminModule)
    /// DISK → MEMORY.
    case loadFromDisk(AdminModule)
    /// MEMORY → DISK.
    case saveToDisk(AdminModule)
    /// config file → MEMORY.
    case loadFromConfig(AdminModule)
    /// `LOAD MYSQL USER <name> TO RUNTIME`.
    case loadUserToRuntime(String)
    /// `SAVE MYSQL DIGEST TO DISK`.
    case saveDigestToDisk
    case selectConfigFile
    case saveConfigToFile(path: String)
    /// `SET mysql-x = value` / `SET admin-x = value`: the value as written (quotes removed).
    case setVariable(name: String, value: String)
    /// Statements client libraries and dump tools send that mean nothing here (SET NAMES, BEGIN, USE …).
    case ignored
    case show(AdminShowCommand)
    /// `PROXYSQL …` (also accepted as `JUNCTION …`).
    case proxysql(ProxySQLCommand)
    /// `CHECKSUM [MEMORY|DISK] MYSQL <what>`: the tables to checksum, and in which schema.
    case checksum(schema: AdminSchemaName, tables: [String])
    case selectGlobalChecksum
    /// `PROXY_SELECT … FROM <table> …`: a cluster peer's fetch. Answered with the result set the node hashed for
    /// that table, whatever columns it names (as ProxySQL does); `sql` (as a SELECT) for any other table.
    case proxySelect(table: String, sql: String)
    /// `PROXYSQL CLUSTER_NODE_UUID <uuid> <admin interfaces>`: a cluster peer that polls this node says who it is.
    case clusterNodeUUID(uuid: String, adminInterfaces: String)
    /// `TRUNCATE [TABLE] [stats.]stats_mysql_query_digest[_reset]`.
    case truncateQueryDigest
    /// `KILL [CONNECTION] <id>`, `KILL QUERY <id>`: a client session by its id (`stats_mysql_processlist.SessionID`).
    case killConnection(Int)
    case killQuery(Int)
    /// `EXPLAIN ROUTING '<query>' [USER '<name>'] [SCHEMA '<schema>']`: how the rules would route a query.
    case explainRouting(query: String, user: String?, schema: String?)
    /// Anything else: run by SQLite as written.
    case sql(String)
}

public enum AdminShowCommand: Equatable, Sendable {
    case databases
    case tables(schema: String?, like: String?)
    case createTable(schema: String?, table: String)
    case fields(table: String)
    case tableStatus(like: String)
    /// SHOW [GLOBAL|ALL|MYSQL|ADMIN] VARIABLES [LIKE '…' | WHERE …]: prefix filter and the SQL condition.
    case variables(prefix: String?, like: String?, whereClause: String?)
    case mysqlStatus
    case mysqlUsers
    case mysqlServers
    case processlist(full: Bool)
    case charset
    case collation
}

public enum ProxySQLCommand: String, Equatable, Sendable {
    case start = "START", stop = "STOP", restart = "RESTART", pause = "PAUSE", resume = "RESUME"
    case shutdown = "SHUTDOWN", kill = "KILL", shutdownSlow = "SHUTDOWN SLOW"
    case flushLogs = "FLUSH LOGS", flushQueryCache = "FLUSH QUERY CACHE"
    case flushMySQLClientHosts = "FLUSH MYSQL CLIENT HOSTS", flushConfigDB = "FLUSH CONFIGDB"
    case reloadTLS = "RELOAD TLS", readOnly = "READONLY", readWrite = "READWRITE"
    /// Junction's own: what `junction health` needs (stopping or not, the ONLINE writers).
    case health = "HEALTH"
}
