/// The `mysql-*` variables the proxy uses, typed; every other one is in `values`.
///
/// Times are in the unit their names say (`Ms`/`Msec` milliseconds, `Sec` seconds); the unsuffixed timeouts
/// (`connectTimeout*`, `waitTimeout`, `defaultQueryTimeout`, `pollTimeout`) are milliseconds too.
public struct MySQLVariables: Sendable, Equatable {
    /// The listener used when `mysql-interfaces` is empty, as in ProxySQL.
    public static let defaultInterface = "0.0.0.0:6033"

    /// Every `mysql-*` variable by full name, normalised: defaults overlaid with the given values.
    public let values: [String: String]

    /// Worker event loops (startup only).
    public let threads: Int
    /// Client listeners, `host:port` or a socket path; `defaultInterface` when the variable is empty (startup only).
    public let interfaces: [String]
    public let serverVersion: String
    /// Concurrent client connections accepted (error 1040 beyond).
    public let maxConnections: Int
    public let connectTimeoutServer: Int
    /// Overall time to get a backend connection across retries before error 9001.
    public let connectTimeoutServerMax: Int
    public let connectRetriesOnFailure: Int
    public let connectRetriesDelay: Int
    public let connectTimeoutClient: Int
    /// Share of a server's max_connections that may sit idle in the pool.
    public let freeConnectionsPct: Int
    /// Backend connections older than this are closed, not pooled; 0 = no limit.
    public let connectionMaxAgeMs: Int
    /// Schema for users without a default schema whose client names none.
    public let defaultSchema: String
    public let maxAllowedPacket: Int
    public let monitorUsername: String
    public let monitorPassword: String
    public let enableLoadDataLocalInfile: Bool
    /// `mysql-default_charset`: charset assumed for clients that name none.
    public let defaultCharset: String
    /// `mysql-default_collation_connection`: the collation that goes with `defaultCharset`.
    public let defaultCollationConnection: String
    public let queryRetriesOnFailure: Int
    public let multiplexing: Bool
    /// Idle pooled backend connections unused this long are pinged.
    public let pingIntervalServerMsec: Int
    /// Client idle timeout.
    public let waitTimeout: Int
    public let autocommitFalseIsTransaction: Bool
    public let enableClientDeprecateEOF: Bool
    public let enableServerDeprecateEOF: Bool
    /// Capability flags advertised to clients, before `have_ssl`/`have_compress` add theirs.
    public let serverCapabilities: UInt32
    public let haveSSL: Bool
    public let haveCompress: Bool
    /// `@@variables` whose SELECT keeps multiplexing on.
    public let keepMultiplexingVariables: [String]
    /// An unparsable SET locks the session to its hostgroup.
    public let setQueryLockOnHostgroup: Bool
    public let defaultQueryTimeout: Int
    /// Connection errors within one second that shun a server.
    public let shunOnFailures: Int
    public let shunRecoveryTimeSec: Int
    public let pollTimeout: Int
    public let sessionIdleMs: Int

    /// Builds the set from `mysql-*` values (full or short names) over the defaults.
    /// - Throws: `VariableError` for an unknown name or an invalid value.
    public init(_ values: [String: String] = [:]) throws {
        let resolved = try ResolvedVariables(module: "mysql", given: values)
        self.values = resolved.values
        threads = resolved.int("mysql-threads")
        let listeners = resolved.list("mysql-interfaces", separator: ";")
        interfaces = listeners.isEmpty ? [Self.defaultInterface] : listeners
        serverVersion = resolved.string("mysql-server_version")
        maxConnections = resolved.int("mysql-max_connections")
        connectTimeoutServer = resolved.int("mysql-connect_timeout_server")
        connectTimeoutServerMax = resolved.int("mysql-connect_timeout_server_max")
        connectRetriesOnFailure = resolved.int("mysql-connect_retries_on_failure")
        connectRetriesDelay = resolved.int("mysql-connect_retries_delay")
        connectTimeoutClient = resolved.int("mysql-connect_timeout_client")
        freeConnectionsPct = resolved.int("mysql-free_connections_pct")
        connectionMaxAgeMs = resolved.int("mysql-connection_max_age_ms")
        defaultSchema = resolved.string("mysql-default_schema")
        maxAllowedPacket = resolved.int("mysql-max_allowed_packet")
        monitorUsername = resolved.string("mysql-monitor_username")
        monitorPassword = resolved.string("mysql-monitor_password")
        enableLoadDataLocalInfile = resolved.bool("mysql-enable_load_data_local_infile")
        defaultCharset = resolved.string("mysql-default_charset")
        defaultCollationConnection = resolved.string("mysql-default_collation_connection")
        queryRetriesOnFailure = resolved.int("mysql-query_retries_on_failure")
        multiplexing = resolved.bool("mysql-multiplexing")
        pingIntervalServerMsec = resolved.int("mysql-ping_interval_server_msec")
        waitTimeout = resolved.int("mysql-wait_timeout")
        autocommitFalseIsTransaction = resolved.bool("mysql-autocommit_false_is_transaction")
        enableClientDeprecateEOF = resolved.bool("mysql-enable_client_deprecate_eof")
        enableServerDeprecateEOF = resolved.bool("mysql-enable_server_deprecate_eof")
        serverCapabilities = UInt32(resolved.string("mysql-server_capabilities")) ?? 0
        haveSSL = resolved.bool("mysql-have_ssl")
        haveCompress = resolved.bool("mysql-have_compress")
        keepMultiplexingVariables = resolved.list("mysql-keep_multiplexing_variables", separator: ",")
        setQueryLockOnHostgroup = resolved.int("mysql-set_query_lock_on_hostgroup") != 0
        defaultQueryTimeout = resolved.int("mysql-default_query_timeout")
        shunOnFailures = resolved.int("mysql-shun_on_failures")
        shunRecoveryTimeSec = resolved.int("mysql-shun_recovery_time_sec")
        pollTimeout = resolved.int("mysql-poll_timeout")
        sessionIdleMs = resolved.int("mysql-session_idle_ms")
    }

    /// The normalised value of a `mysql-*` variable by full name.
    public subscript(name: String) -> String? {
        values[name]
    }
}
