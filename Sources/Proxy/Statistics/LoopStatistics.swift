import SQLText

/// Key of `stats_mysql_query_digest`: where a normalised query ran, and for whom.
public struct DigestKey: Hashable, Sendable {
    public var hostgroup: Int
    public var schemaname: String
    public var username: String
    public var clientAddress: String
    public var digest: UInt64
}

/// One row of `stats_mysql_query_digest`. Times in microseconds, first/last seen in epoch seconds.
public struct DigestEntry: Sendable, Equatable {
    public var digestText: String
    public var count = 0
    public var firstSeen = 0
    public var lastSeen = 0
    public var sumTime: UInt64 = 0
    public var minTime: UInt64 = .max
    public var maxTime: UInt64 = 0
    public var sumRowsAffected: UInt64 = 0
    public var sumRowsSent: UInt64 = 0

    mutating func add(time: UInt64, at epoch: Int, rowsAffected: UInt64, rowsSent: UInt64) {
        if count == 0 { firstSeen = epoch }
        count += 1
        lastSeen = epoch
        sumTime &+= time
        minTime = min(minTime, time)
        maxTime = max(maxTime, time)
        sumRowsAffected &+= rowsAffected
        sumRowsSent &+= rowsSent
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

/// The counters one event loop keeps. Only that loop writes them (no lock on the query path); the
/// admin reads a copy by running a task on the loop, and merges the loops' copies.
final class LoopStatistics {
    var digests: [DigestKey: DigestEntry] = [:]

    func recordQuery(_ key: DigestKey, text: @autoclosure () -> String, time: UInt64, epoch: Int, rowsAffected: UInt64, rowsSent: UInt64) {
        if digests[key] == nil { digests[key] = DigestEntry(digestText: text()) }
        digests[key]!.add(time: time, at: epoch, rowsAffected: rowsAffected, rowsSent: rowsSent)
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

    public init() {}
}
