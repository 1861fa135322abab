import NIOConcurrencyHelpers
import NIOCore

/// Result sets of queries whose rule set `cache_ttl` (query-processing.md §7), shared by all loops.
///
/// Only queries a rule marked for caching touch it, so its locks are off the common path; the entries
/// are split over shards so loops rarely wait for each other. Keys are the exact query text with the
/// user and schema (different users or schemas never share an entry) and the client's EOF style
/// (the stored packets are sent back as they are).
public final class QueryCache: Sendable {
    struct Key: Hashable, Sendable {
        var username: String
        var schema: String
        var query: String
        var deprecateEOF: Bool
    }

    struct Entry {
        var packets: ByteBuffer
        var createdNanos: UInt64
        var expiresNanos: UInt64
        var lastAccessNanos: UInt64
        /// A client already went to the backend to refresh it after its soft TTL.
        var refreshing = false
    }

    /// Counters for `stats_mysql_global` (`Query_Cache_*`).
    public struct Counters: Sendable, Equatable {
        public var gets = 0
        public var getsOK = 0
        public var sets = 0
        public var bytesIn = 0
        public var bytesOut = 0
        public var purged = 0
        public var entries = 0
        public var memoryBytes = 0
    }

    private struct Shard {
        var entries: [Key: Entry] = [:]
        var bytes = 0
        var counters = Counters()
    }

    private let shards: [NIOLockedValueBox<Shard>]
    private let limitBytes = NIOLockedValueBox<Int>(256 << 20)

    public init(shardCount: Int = 16) {
        shards = (0..<max(1, shardCount)).map { _ in NIOLockedValueBox(Shard()) }
    }

    /// `mysql-query_cache_size_MB`.
    public func setLimit(megabytes: Int) {
        limitBytes.withLockedValue { $0 = megabytes << 20 }
    }

    private func shard(for key: Key) -> NIOLockedValueBox<Shard> {
        shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))]
    }

    /// The stored packets if an entry is younger than its own TTL and than `ttlMs` of the asking rule.
    /// With `softTTLPercent` p (1…99), the first lookup after p% of the entry's TTL is a miss (that
    /// client refreshes the entry) while the others keep getting it (`mysql-query_cache_soft_ttl_pct`).
    func lookup(_ key: Key, ttlMs: Int, now: UInt64, softTTLPercent: Int = 0) -> ByteBuffer? {
        shard(for: key).withLockedValue { shard in
            shard.counters.gets += 1
            guard var entry = shard.entries[key] else { return nil }
            guard now < entry.expiresNanos, now < Self.deadline(entry.createdNanos, plusMs: ttlMs) else {
                if now >= entry.expiresNanos { remove(key, from: &shard, purged: true) }
                return nil
            }
            entry.lastAccessNanos = now
            if softTTLPercent > 0, softTTLPercent < 100, !entry.refreshing,
               now >= entry.createdNanos &+ (entry.expiresNanos &- entry.createdNanos) / 100 * UInt64(softTTLPercent) {
                entry.refreshing = true
                shard.entries[key] = entry
                return nil
            }
            shard.entries[key] = entry
            shard.counters.getsOK += 1
            shard.counters.bytesOut += entry.packets.readableBytes
            return entry.packets
        }
    }

    /// `start` plus `ms` milliseconds, saturating: a TTL from a client's comment (`/* cache_ttl=… */`) may be any
    /// number, and an overflow would trap.
    static func deadline(_ start: UInt64, plusMs ms: Int) -> UInt64 {
        let (nanos, overflowed) = UInt64(clamping: max(ms, 0)).multipliedReportingOverflow(by: 1_000_000)
        guard !overflowed else { return .max }
        let (sum, wrapped) = start.addingReportingOverflow(nanos)
        return wrapped ? .max : sum
    }

    func store(_ key: Key, packets: ByteBuffer, ttlMs: Int, now: UInt64) {
        let limit = limitBytes.withLockedValue { $0 } / shards.count
        let size = packets.readableBytes
        guard size <= limit else { return }
        shard(for: key).withLockedValue { shard in
            if shard.entries[key] != nil { remove(key, from: &shard, purged: false) }
            if shard.bytes + size > limit { evict(&shard, toFit: size, limit: limit, now: now) }
            shard.entries[key] = Entry(packets: packets, createdNanos: now, expiresNanos: Self.deadline(now, plusMs: ttlMs),
                                       lastAccessNanos: now)
            shard.bytes += size
            shard.counters.sets += 1
            shard.counters.bytesIn += size
        }
    }

    /// `PROXYSQL FLUSH QUERY CACHE`: every entry goes; returns how many there were.
    @discardableResult
    public func flush() -> Int {
        shards.reduce(0) { total, box in
            total + box.withLockedValue { shard in
                let count = shard.entries.count
                shard.counters.purged += count
                shard.entries = [:]
                shard.bytes = 0
                return count
            }
        }
    }

    public var counters: Counters {
        shards.reduce(into: Counters()) { total, box in
            box.withLockedValue { shard in
                total.gets += shard.counters.gets
                total.getsOK += shard.counters.getsOK
                total.sets += shard.counters.sets
                total.bytesIn += shard.counters.bytesIn
                total.bytesOut += shard.counters.bytesOut
                total.purged += shard.counters.purged
                total.entries += shard.entries.count
                total.memoryBytes += shard.bytes
            }
        }
    }

    private func remove(_ key: Key, from shard: inout Shard, purged: Bool) {
        guard let entry = shard.entries.removeValue(forKey: key) else { return }
        shard.bytes -= entry.packets.readableBytes
        if purged { shard.counters.purged += 1 }
    }

    /// Expired entries first, then the least recently read, until `size` more bytes fit.
    private func evict(_ shard: inout Shard, toFit size: Int, limit: Int, now: UInt64) {
        for (key, entry) in shard.entries where entry.expiresNanos <= now { remove(key, from: &shard, purged: true) }
        guard shard.bytes + size > limit else { return }
        for (key, _) in shard.entries.sorted(by: { $0.value.lastAccessNanos < $1.value.lastAccessNanos }) {
            remove(key, from: &shard, purged: true)
            if shard.bytes + size <= limit { return }
        }
    }
}
