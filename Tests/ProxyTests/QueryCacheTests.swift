import NIOCore
import Testing
@testable import Proxy

/// The query cache's rules (query-processing.md §7) with explicit clock values.
struct QueryCacheTests {
    private let key = QueryCache.Key(username: "app", schema: "db", query: "select 1", deprecateEOF: true)
    private let ms: UInt64 = 1_000_000

    private func packets(_ size: Int) -> ByteBuffer {
        ByteBuffer(bytes: [UInt8](repeating: 7, count: size))
    }

    @Test func hitWithinTTLMissAfter() {
        let cache = QueryCache(shardCount: 1)
        #expect(cache.lookup(key, ttlMs: 1000, now: 0) == nil)
        cache.store(key, packets: packets(10), ttlMs: 1000, now: 0)
        #expect(cache.lookup(key, ttlMs: 1000, now: 999 * ms)?.readableBytes == 10)
        #expect(cache.lookup(key, ttlMs: 1000, now: 1000 * ms) == nil)
        let counters = cache.counters
        #expect(counters.gets == 3 && counters.getsOK == 1 && counters.sets == 1 && counters.purged == 1 && counters.entries == 0)
    }

    @Test func aShorterTTLOfTheAskingRuleSeesTheEntryAsExpired() {
        let cache = QueryCache(shardCount: 1)
        cache.store(key, packets: packets(10), ttlMs: 10_000, now: 0)
        #expect(cache.lookup(key, ttlMs: 100, now: 200 * ms) == nil)
        #expect(cache.lookup(key, ttlMs: 10_000, now: 200 * ms) != nil)
    }

    @Test func usersSchemasTextAndEOFStyleAreSeparate() {
        let cache = QueryCache(shardCount: 4)
        cache.store(key, packets: packets(10), ttlMs: 1000, now: 0)
        for other in [
            QueryCache.Key(username: "other", schema: "db", query: "select 1", deprecateEOF: true),
            QueryCache.Key(username: "app", schema: "db2", query: "select 1", deprecateEOF: true),
            QueryCache.Key(username: "app", schema: "db", query: "SELECT 1", deprecateEOF: true),
            QueryCache.Key(username: "app", schema: "db", query: "select 1", deprecateEOF: false),
        ] {
            #expect(cache.lookup(other, ttlMs: 1000, now: 1) == nil)
        }
    }

    @Test func theLimitEvictsExpiredThenLeastRecentlyRead() {
        let cache = QueryCache(shardCount: 1)
        cache.setLimit(megabytes: 1)
        let half = 400_000
        let a = QueryCache.Key(username: "u", schema: "s", query: "a", deprecateEOF: true)
        let b = QueryCache.Key(username: "u", schema: "s", query: "b", deprecateEOF: true)
        let c = QueryCache.Key(username: "u", schema: "s", query: "c", deprecateEOF: true)
        cache.store(a, packets: packets(half), ttlMs: 60_000, now: 0)
        cache.store(b, packets: packets(half), ttlMs: 60_000, now: 1)
        _ = cache.lookup(a, ttlMs: 60_000, now: 2) // a read more recently than b
        cache.store(c, packets: packets(half), ttlMs: 60_000, now: 3)
        #expect(cache.lookup(a, ttlMs: 60_000, now: 4) != nil)
        #expect(cache.lookup(b, ttlMs: 60_000, now: 4) == nil)
        #expect(cache.lookup(c, ttlMs: 60_000, now: 4) != nil)
        #expect(cache.counters.memoryBytes == 2 * half)
        cache.store(QueryCache.Key(username: "u", schema: "s", query: "huge", deprecateEOF: true), packets: packets(2 << 20), ttlMs: 1, now: 5)
        #expect(cache.counters.entries == 2, "an entry larger than the cache is not stored")
    }

    @Test func softTTLSendsOneClientToRefresh() {
        let cache = QueryCache(shardCount: 1)
        cache.store(key, packets: packets(10), ttlMs: 1000, now: 0)
        #expect(cache.lookup(key, ttlMs: 1000, now: 400 * ms, softTTLPercent: 50) != nil)
        #expect(cache.lookup(key, ttlMs: 1000, now: 600 * ms, softTTLPercent: 50) == nil, "the first after 50% refreshes")
        #expect(cache.lookup(key, ttlMs: 1000, now: 700 * ms, softTTLPercent: 50) != nil, "the others keep the entry")
        cache.store(key, packets: packets(12), ttlMs: 1000, now: 800 * ms)
        #expect(cache.lookup(key, ttlMs: 1000, now: 900 * ms, softTTLPercent: 50)?.readableBytes == 12)
    }

    @Test func flushEmptiesEverything() {
        let cache = QueryCache()
        cache.store(key, packets: packets(10), ttlMs: 1000, now: 0)
        #expect(cache.flush() == 1)
        #expect(cache.lookup(key, ttlMs: 1000, now: 1) == nil)
        #expect(cache.counters.memoryBytes == 0)
    }
}

extension QueryCacheTests {
    /// Found by the wire fuzzer: `/* cache_ttl=18446744073710 */ SELECT 1` overflowed the TTL arithmetic and trapped.
    @Test func anyTTLAClientWritesIsSafe() {
        let cache = QueryCache(shardCount: 1)
        for ttl in [Int.max, 18_446_744_073_710, -5] {
            cache.store(key, packets: packets(10), ttlMs: ttl, now: UInt64.max - 10)
            _ = cache.lookup(key, ttlMs: ttl, now: UInt64.max - 5)
        }
        #expect(QueryCache.deadline(UInt64.max - 1, plusMs: 1) == .max)
        #expect(QueryCache.deadline(5, plusMs: 2) == 5 + 2 * ms)
    }
}
