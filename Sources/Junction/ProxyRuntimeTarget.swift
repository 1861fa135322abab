import Admin
import JunctionConfig
import Proxy
import QueryRouting
import SQLText

/// Makes a loaded runtime configuration live on the client port: builds the proxy's snapshot and
/// publishes it. Sessions pick it up at their next command; queries in flight finish on what they had.
final class ProxyRuntimeTarget: RuntimeTarget {
    let store: ProxyConfigStore
    /// Compiled once per LOAD MYSQL QUERY RULES; other loads keep it (and its hit counters).
    private var queryRules = QueryRuleSet.empty

    init(store: ProxyConfigStore) {
        self.store = store
    }

    func apply(_ compiled: CompiledRuntime, changed module: AdminModule) throws {
        guard let proxy = compiled.proxy else { return }
        store.queryCache.setLimit(megabytes: Int(proxy.variables["mysql-query_cache_size_MB"] ?? "256") ?? 256)
        let rules = proxy.queryRules ?? queryRules
        store.publish(RuntimeBuilder.snapshot(servers: proxy.servers, users: proxy.users, variables: proxy.variables, queryRules: rules))
        queryRules = rules
        if module == .mysqlServers { store.serversLoaded() }
    }
}

/// Turns runtime rows into the proxy's snapshot.
enum RuntimeBuilder {
    static func snapshot(servers: [MySQLServerRow], users: [MySQLUserRow], variables: MySQLVariables,
                         queryRules: QueryRuleSet = .empty) -> ProxySnapshot {
        let backendServers = servers.map { row in
            BackendServer(hostgroup: row.hostgroupID, endpoint: ServerEndpoint(host: row.hostname, port: row.port),
                          status: BackendServer.Status(rawValue: row.status.rawValue) ?? .online,
                          weight: row.weight, maxConnections: row.maxConnections)
        }
        let proxyUsers = users.filter { $0.frontend != 0 }.map { row in
            ProxyUser(username: row.username, password: row.password, active: row.active != 0,
                      defaultHostgroup: row.defaultHostgroup,
                      defaultSchema: row.defaultSchema.flatMap { $0.isEmpty ? nil : $0 },
                      transactionPersistent: row.transactionPersistent != 0, maxConnections: row.maxConnections,
                      frontend: row.frontend != 0, backend: row.backend != 0)
        }
        return ProxySnapshot(users: proxyUsers, servers: backendServers, settings: settings(variables), queryRules: queryRules)
    }

    static func settings(_ v: MySQLVariables) -> ProxySettings {
        var s = ProxySettings()
        s.serverVersion = v.serverVersion
        s.maxConnections = v.maxConnections
        s.connectTimeoutServerMs = v.connectTimeoutServer
        s.connectTimeoutServerMaxMs = v.connectTimeoutServerMax
        s.connectRetriesOnFailure = v.connectRetriesOnFailure
        s.connectRetriesDelayMs = v.connectRetriesDelay
        s.connectTimeoutClientMs = v.connectTimeoutClient
        s.freeConnectionsPct = v.freeConnectionsPct
        s.connectionMaxAgeMs = v.connectionMaxAgeMs
        s.pingIntervalServerMs = v.pingIntervalServerMsec
        s.pingTimeoutServerMs = Int(v["mysql-ping_timeout_server"] ?? "") ?? 200
        s.defaultSchema = v.defaultSchema
        s.maxAllowedPacket = v.maxAllowedPacket
        s.enableLoadDataLocalInfile = v.enableLoadDataLocalInfile
        s.queryRetriesOnFailure = v.queryRetriesOnFailure
        s.multiplexing = v.multiplexing
        s.autocommitFalseIsTransaction = v.autocommitFalseIsTransaction
        s.enforceAutocommitOnReads = v["mysql-enforce_autocommit_on_reads"] == "true"
        s.enableClientDeprecateEOF = v.enableClientDeprecateEOF
        s.autoIncrementDelayMultiplex = Int(v["mysql-auto_increment_delay_multiplex"] ?? "5") ?? 5
        s.queryDigests = v["mysql-query_digests"] != "false"
        s.digestsTrackHostname = v["mysql-query_digests_track_hostname"] == "true"
        var digest = DigestOptions()
        digest.lowercase = v["mysql-query_digests_lowercase"] == "true"
        digest.replaceNull = v["mysql-query_digests_replace_null"] == "true"
        digest.noDigits = v["mysql-query_digests_no_digits"] == "true"
        digest.keepComment = v["mysql-query_digests_keep_comment"] == "true"
        digest.groupingLimit = Int(v["mysql-query_digests_grouping_limit"] ?? "") ?? 3
        digest.groupsGroupingLimit = Int(v["mysql-query_digests_groups_grouping_limit"] ?? "") ?? 10
        digest.maxQueryLength = Int(v["mysql-query_digests_max_query_length"] ?? "") ?? 65000
        digest.maxDigestLength = Int(v["mysql-query_digests_max_digest_length"] ?? "") ?? 2048
        s.digestOptions = digest
        s.commandsStats = v["mysql-commands_stats"] != "false"
        s.mirrorMaxConcurrency = Int(v["mysql-mirror_max_concurrency"] ?? "") ?? 16
        s.defaultQueryTimeoutMs = Int(v["mysql-default_query_timeout"] ?? "") ?? ProxySettings.defaultQueryTimeoutDefault
        s.longQueryTimeMs = Int(v["mysql-long_query_time"] ?? "") ?? 1000
        s.queryProcessorIterations = Int(v["mysql-query_processor_iterations"] ?? "") ?? 0
        s.queryCacheSoftTTLPercent = Int(v["mysql-query_cache_soft_ttl_pct"] ?? "") ?? 0
        s.queryCacheStoresEmptyResult = v["mysql-query_cache_stores_empty_result"] != "false"
        s.queryCacheHandleWarnings = v["mysql-query_cache_handle_warnings"] == "1"
        s.thresholdResultsetSize = Int(v["mysql-threshold_resultset_size"] ?? "") ?? 4_194_304
        return s
    }
}
