import SQLText

/// Key of `stats_mysql_query_digest`: where a normalised query ran, and for whom.
public struct DigestKey: Hashable, Sendable {
    public var hostgroup: Int
    public var schemaname: String
    public var username: String
    public var clientAddress: String
    public var digest: UInt64

    /// The digest first: keys that differ almost always differ there, and it is one comparison.
    public static func == (lhs: DigestKey, rhs: DigestKey) -> Bool {
        lhs.digest == rhs.digest && lhs.hostgroup == rhs.hostgroup && lhs.username == rhs.username
            && lhs.schemaname == rhs.schemaname && lhs.clientAddress == rhs.clientAddress
    }
}

/// One row of `stats_mysql_query_digest`. Times in microseconds, first/last seen in epoch seconds.
public struct DigestEntry: Sendable, Equatable {
    public var digestText: String
    /// The entry's `stats_mysql_commands_counters` class, found once per entry instead of once per query.
    public var commandType: String
    /// `commandType`'s place in `CommandType.all` (the loop's command counters are an array).
    var commandIndex: Int
    public var count = 0
    public var firstSeen = 0
    public var lastSeen = 0
    public var sumTime: UInt64 = 0
    public var minTime: UInt64 = .max
    public var maxTime: UInt64 = 0
    public var sumRowsAffected: UInt64 = 0
    public var sumRowsSent: UInt64 = 0

    init(digestText: String) {
        self.digestText = digestText
        self.commandType = CommandType.of(digestText)
        self.commandIndex = CommandType.all.firstIndex(of: commandType) ?? CommandType.all.count - 1
    }

    /// Counts one more query; returns the entry's command class (its place in `CommandType.all`).
    mutating func add(time: UInt64, at epoch: Int, rowsAffected: UInt64, rowsSent: UInt64) -> Int {
        if count == 0 { firstSeen = epoch }
        count += 1
        lastSeen = epoch
        sumTime &+= time
        minTime = min(minTime, time)
        maxTime = max(maxTime, time)
        sumRowsAffected &+= rowsAffected
        sumRowsSent &+= rowsSent
        return commandIndex
    }

    /// Folds another loop's entry for the same key into this one.
    mutating func merge(_ other: DigestEntry) {
        guard other.count > 0 else { return }
        firstSeen = count == 0 ? other.firstSeen : min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
        count += other.count
        sumTime &+= other.sumTime
        minTime = min(minTime, other.minTime)
        maxTime = max(maxTime, other.maxTime)
        sumRowsAffected &+= other.sumRowsAffected
        sumRowsSent &+= other.sumRowsSent
    }
}

/// `stats_mysql_commands_counters` for one command class.
public struct CommandCounter: Sendable, Equatable {
    public var totalTimeUs: UInt64 = 0
    public var count = 0
    /// One more than the bucket limits: the last is "slower than 10 s".
    public var buckets = [Int](repeating: 0, count: CommandType.bucketLimits.count + 1)

    public init() {}

    mutating func add(_ time: UInt64) {
        totalTimeUs &+= time
        count += 1
        buckets[CommandType.bucketLimits.firstIndex { time <= $0 } ?? CommandType.bucketLimits.count] += 1
    }

    mutating func merge(_ other: CommandCounter) {
        totalTimeUs &+= other.totalTimeUs
        count += other.count
        for index in buckets.indices { buckets[index] += other.buckets[index] }
    }
}

/// A backend server in a hostgroup, as `stats_mysql_connection_pool` keys it.
public struct ServerKey: Hashable, Sendable {
    public var hostgroup: Int
    public var endpoint: ServerEndpoint
}

/// Cumulative counters of one server in one hostgroup.
public struct ServerCounters: Sendable, Equatable {
    public var connectionsOK = 0
    public var connectionsFailed = 0
    public var queries = 0
    public var maxUsed = 0
    public var bytesSent = 0
    public var bytesReceived = 0
    /// How long its queries took (`stats_mysql_query_latency`, the metrics' histograms). Unlike the other
    /// counters, a read of `stats_mysql_connection_pool_reset` leaves it: Prometheus expects it never to go back.
    public var latency = CommandCounter()

    public init() {}

    mutating func noteInUse(_ inUse: Int) {
        if inUse > maxUsed { maxUsed = inUse }
    }

    mutating func countQuery(sent: Int, received: Int, timeUs: UInt64) {
        queries += 1
        bytesSent += sent
        bytesReceived += received
        latency.add(timeUs)
    }

    mutating func merge(_ other: ServerCounters) {
        connectionsOK += other.connectionsOK
        connectionsFailed += other.connectionsFailed
        queries += other.queries
        maxUsed += other.maxUsed
        bytesSent += other.bytesSent
        bytesReceived += other.bytesReceived
        latency.merge(other.latency)
    }

    /// What `stats_mysql_connection_pool_reset` leaves of these counters.
    var afterPoolReset: ServerCounters {
        var kept = ServerCounters()
        kept.latency = latency
        return kept
    }
}

/// The key of `stats_mysql_errors`.
public struct ErrorKey: Hashable, Sendable {
    public var hostgroup: Int
    public var endpoint: ServerEndpoint
    public var username: String
    public var schemaname: String
    public var errorCode: UInt16
}

public struct ErrorEntry: Sendable, Equatable {
    public var count = 0
    public var firstSeen = 0
    public var lastSeen = 0
    public var lastError = ""
    public var clientAddress = ""

    mutating func merge(_ other: ErrorEntry) {
        if other.lastSeen >= lastSeen { clientAddress = other.clientAddress }
        firstSeen = count == 0 ? other.firstSeen : min(firstSeen, other.firstSeen)
        if other.lastSeen >= lastSeen { lastError = other.lastError }
        lastSeen = max(lastSeen, other.lastSeen)
        count += other.count
    }
}

/// The counters one event loop keeps. Only that loop writes them (no lock on the query path); the
/// admin reads a copy by running a task on the loop, and merges the loops' copies.
final class LoopStatistics {
    var digests = CounterTable<DigestKey, DigestEntry>()
    /// By place in `CommandType.all`.
    var commandCounters = [CommandCounter](repeating: CommandCounter(), count: CommandType.all.count)
    var servers = CounterTable<ServerKey, ServerCounters>()
    var errors: [ErrorKey: ErrorEntry] = [:]
    /// Queries slower than `mysql-long_query_time`.
    var slowQueries = 0
    /// Pool requests answered with an idle connection, with any connection, or with ERR 9001.
    var getConnImmediate = 0
    var getConnSuccess = 0
    var getConnFailure = 0
    var global = GlobalCounters()

    func recordCommand(_ index: Int, time: UInt64) {
        commandCounters[index].add(time)
    }

    /// The command counters by class name, for the admin; classes never counted are left out.
    var commands: [String: CommandCounter] {
        var out: [String: CommandCounter] = [:]
        for (index, counter) in commandCounters.enumerated() where counter.count > 0 {
            out[CommandType.all[index]] = counter
        }
        return out
    }

    func recordError(_ key: ErrorKey, message: String, clientAddress: String, epoch: Int) {
        var entry = errors[key] ?? ErrorEntry(firstSeen: epoch)
        entry.clientAddress = clientAddress
        entry.count += 1
        entry.lastSeen = epoch
        entry.lastError = message
        errors[key] = entry
    }

    /// Counts a query in its digest entry and returns the entry's command class (see `recordCommand`).
    /// `memo` is the session's last entry: a session repeating a query shape skips hashing the key.
    func recordQuery(_ key: DigestKey, memo: inout SlotMemo<DigestKey>, text: () -> String, time: UInt64, epoch: Int,
                     rowsAffected: UInt64, rowsSent: UInt64) -> Int {
        let slot = digests.slot(for: key, memo: &memo) { DigestEntry(digestText: text()) }
        return digests[slot: slot].add(time: time, at: epoch, rowsAffected: rowsAffected, rowsSent: rowsSent)
    }
}

/// What the admin asks for: every loop's counters merged.
public struct ProxyStatistics: Sendable {
    public var digests: [DigestKey: DigestEntry] = [:]
    /// Rule hits by position in the current rule set, and the rule set they count for.
    public var ruleHits: [Int] = []
    public var ruleIDs: [Int] = []
    public var questions = 0
    public var clientConnectionsConnected = 0
    public var backendConnectionsFree = 0
    public var backendConnectionsUsed = 0
    public var connectionsPerUser: [String: Int] = [:]
    public var commands: [String: CommandCounter] = [:]
    public var servers: [ServerKey: ServerCounters] = [:]
    public var errors: [ErrorKey: ErrorEntry] = [:]
    /// Per server: connections in use and idle right now.
    public var serverConnections: [ServerKey: (used: Int, free: Int)] = [:]
    /// Server status by key, for the pool table.
    public var serverStatus: [ServerKey: String] = [:]
    public var processes: [ClientProcessInfo] = []
    public var freeConnections: [FreeConnectionInfo] = []
    public var activeTransactions = 0
    public var slowQueries = 0
    public var serversTableVersion = 0
    public var getConnImmediate = 0
    public var getConnSuccess = 0
    public var getConnFailure = 0
    public var global = GlobalCounters()
    /// Client sessions running a command right now.
    public var clientConnectionsNonIdle = 0
    public var clientStatementsTotal = 0
    public var clientStatementTexts = Set<String>()
    public var serverStatementsTotal = 0
    public var serverStatementTexts = Set<String>()

    public init() {}
}

/// One row of `stats_mysql_processlist`.
public struct ClientProcessInfo: Sendable {
    public var threadID: Int
    public var sessionID: UInt32
    public var user: String
    public var schema: String
    public var clientHost: String
    public var clientPort: Int
    public var hostgroup: Int?
    public var localBackendHost: String?
    public var localBackendPort: Int?
    public var backendHost: String?
    public var backendPort: Int?
    public var command: String
    public var timeMs: Int
    public var info: String?
}

/// One idle pooled connection (`stats_mysql_free_connections`) with the session state it carries.
public struct FreeConnectionInfo: Sendable {
    /// The server's thread id of the connection (Junction has no file descriptor to show).
    public var threadID: UInt32
    public var hostgroup: Int
    public var endpoint: ServerEndpoint
    public var user: String
    public var schema: String?
    public var timeZone: String?
    public var sqlMode: String?
    public var autocommit: String
    public var idleMs: Int
    /// Since the connection logged in.
    public var ageMs: Int
    public var serverVersion: String
}
