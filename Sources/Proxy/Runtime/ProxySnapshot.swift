import QueryRouting
import SQLText

/// The immutable view of the runtime configuration the query path reads: users, hostgroups and the
/// variables that shape sessions and pools. A new snapshot is published on every LOAD … TO RUNTIME;
/// sessions pick it up at their next command.
public final class ProxySnapshot: Sendable {
    public let users: [String: ProxyUser]
    public let hostgroups: [Int: [BackendServer]]
    public let settings: ProxySettings
    /// The compiled `mysql_query_rules` and fast-routing map.
    public let queryRules: QueryRuleSet

    public init(users: [ProxyUser], servers: [BackendServer], settings: ProxySettings, queryRules: QueryRuleSet = .empty) {
        var byName: [String: ProxyUser] = [:]
        for user in users where user.active { byName[user.username] = user }
        self.users = byName
        self.hostgroups = Dictionary(grouping: servers, by: \.hostgroup)
        self.settings = settings
        self.queryRules = queryRules
    }

    /// The server row for `endpoint` in `hostgroup`, if it is configured there.
    public func server(_ endpoint: ServerEndpoint, in hostgroup: Int) -> BackendServer? {
        hostgroups[hostgroup]?.first { $0.endpoint == endpoint }
    }
}

/// host:port of a backend server.
public struct ServerEndpoint: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// host and port hashed once: endpoints are part of the pool's and the statistics' dictionary keys,
    /// looked up several times per query.
    private let hashKey: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
        var hasher = Hasher()
        hasher.combine(host)
        hasher.combine(port)
        hashKey = hasher.finalize()
    }

    public static func == (lhs: ServerEndpoint, rhs: ServerEndpoint) -> Bool {
        lhs.port == rhs.port && lhs.host == rhs.host
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(hashKey) }
    public var description: String { "\(host):\(port)" }
}

/// A backend server of a hostgroup (a runtime `mysql_servers` row).
public struct BackendServer: Hashable, Sendable {
    public enum Status: String, Sendable { case online = "ONLINE", shunned = "SHUNNED", offlineSoft = "OFFLINE_SOFT", offlineHard = "OFFLINE_HARD" }
    public var hostgroup: Int
    public var endpoint: ServerEndpoint
    public var status: Status
    public var weight: Int
    public var maxConnections: Int

    public init(hostgroup: Int, endpoint: ServerEndpoint, status: Status = .online, weight: Int = 1, maxConnections: Int = 1000) {
        self.hostgroup = hostgroup
        self.endpoint = endpoint
        self.status = status
        self.weight = weight
        self.maxConnections = maxConnections
    }
}

/// A user of the client port (a runtime `mysql_users` row). The same credentials log in to backends.
public struct ProxyUser: Sendable, Equatable {
    public var username: String
    public var password: String
    public var active: Bool
    public var defaultHostgroup: Int
    public var defaultSchema: String?
    public var transactionPersistent: Bool
    public var maxConnections: Int
    public var frontend: Bool
    public var backend: Bool

    public init(username: String, password: String, active: Bool = true, defaultHostgroup: Int = 0,
                defaultSchema: String? = nil, transactionPersistent: Bool = true, maxConnections: Int = 10000,
                frontend: Bool = true, backend: Bool = true) {
        self.username = username
        self.password = password
        self.active = active
        self.defaultHostgroup = defaultHostgroup
        self.defaultSchema = defaultSchema
        self.transactionPersistent = transactionPersistent
        self.maxConnections = maxConnections
        self.frontend = frontend
        self.backend = backend
    }
}

/// The `mysql-*` variables the query path uses, in their runtime form.
public struct ProxySettings: Sendable, Equatable {
    public var serverVersion = ProxySettings.defaultServerVersion
    /// `mysql-server_version`'s default; while it is in force Junction shows the backends' own version.
    public static let defaultServerVersion = "8.0.11"
    public var maxConnections = 2048
    public var connectTimeoutServerMs = 3000
    public var connectTimeoutServerMaxMs = 10000
    public var connectRetriesOnFailure = 10
    public var connectRetriesDelayMs = 1
    public var connectTimeoutClientMs = 10000
    public var freeConnectionsPct = 10
    public var connectionMaxAgeMs = 0
    /// `mysql-ping_interval_server_msec`: idle pooled connections unused this long are pinged.
    public var pingIntervalServerMs = 10_000
    /// `mysql-ping_timeout_server`: how long those pings (and the check before reusing an idle connection) wait.
    public var pingTimeoutServerMs = 200
    public var defaultSchema = "information_schema"
    public var maxAllowedPacket = 67_108_864
    public var enableLoadDataLocalInfile = false
    public var queryRetriesOnFailure = 1
    public var multiplexing = true
    public var autocommitFalseIsTransaction = false
    /// `mysql-enforce_autocommit_on_reads`: under autocommit=0 a read outside a transaction opens one too.
    public var enforceAutocommitOnReads = false
    public var enableClientDeprecateEOF = true
    public var defaultCollation: UInt8 = 33
    /// `mysql-auto_increment_delay_multiplex`.
    public var autoIncrementDelayMultiplex = 5
    public var versionComment = "Junction"
    /// `mysql-query_digests`: digests are computed for statistics and digest rules.
    public var queryDigests = true
    /// `mysql-query_digests_track_hostname`: the client address is part of the digest key.
    public var digestsTrackHostname = false
    /// The other `mysql-query_digests_*` variables.
    public var digestOptions = DigestOptions()
    /// `mysql-default_query_timeout`.
    public var defaultQueryTimeoutMs = ProxySettings.defaultQueryTimeoutDefault
    public static let defaultQueryTimeoutDefault = 86_400_000
    /// `mysql-long_query_time`: slower queries count in Slow_queries.
    public var longQueryTimeMs = 1000
    /// `mysql-query_processor_iterations`.
    public var queryProcessorIterations = 0
    /// `mysql-mirror_max_concurrency`, across all loops.
    public var mirrorMaxConcurrency = 16
    /// `mysql-commands_stats`: per-command counters and latency histogram.
    public var commandsStats = true
    /// `mysql-query_cache_soft_ttl_pct`.
    public var queryCacheSoftTTLPercent = 0
    /// `mysql-query_cache_stores_empty_result`.
    public var queryCacheStoresEmptyResult = true
    /// `mysql-query_cache_handle_warnings`: results with warnings may be cached.
    public var queryCacheHandleWarnings = false
    /// `mysql-threshold_resultset_size`: larger results are streamed, not cached.
    public var thresholdResultsetSize = 4_194_304

    public init() {}
}
