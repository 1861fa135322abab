import MySQLProtocol
import NIOCore
import QueryRouting

/// The query cache on the session's path: answer a hit, or capture the result to store it.
extension ClientSession {
    /// A result being captured for the cache while it is forwarded.
    struct CacheCapture {
        var key: QueryCache.Key
        var ttlMs: Int
        var storeEmpty: Bool
        var packets: ByteBuffer
    }

    /// For a query whose rules set `cache_ttl`: answers it from the cache (true), or arranges for the
    /// result to be captured (false).
    func answerFromCache(_ decision: QueryRoutingDecision, query: String) -> Bool {
        guard let ttl = decision.cacheTTL, ttl > 0, let user else { return false }
        let settings = loopContext.snapshot.settings
        let key = QueryCache.Key(username: user.username, schema: self.settings.schema ?? settings.defaultSchema, query: query,
                                 deprecateEOF: deprecateEOF)
        let now = NIODeadline.now().uptimeNanoseconds
        if let packets = loopContext.store.queryCache.lookup(key, ttlMs: ttl, now: now, softTTLPercent: settings.queryCacheSoftTTLPercent) {
            writeAndFlush(packets)
            recordAnsweredLocally()
            return true
        }
        let storeEmpty = decision.cacheEmptyResult.map { $0 == 1 } ?? settings.queryCacheStoresEmptyResult
        cacheCapture = CacheCapture(key: key, ttlMs: ttl, storeEmpty: storeEmpty,
                                    packets: ByteBufferAllocator().buffer(capacity: 1024))
        return false
    }

    /// Called with every slice forwarded to the client.
    func captureForCache(_ bytes: ByteBuffer) {
        guard cacheCapture != nil else { return }
        var slice = bytes
        if cacheCapture!.packets.readableBytes + slice.readableBytes > loopContext.snapshot.settings.thresholdResultsetSize {
            cacheCapture = nil // too large to keep: streamed only
            return
        }
        cacheCapture!.packets.writeBuffer(&slice)
    }

    /// The response ended: store the captured result if it qualifies.
    func finishCacheCapture(isError: Bool, warnings: UInt16, summary: ResponseSummary) {
        guard let capture = cacheCapture else { return }
        cacheCapture = nil
        let settings = loopContext.snapshot.settings
        guard !isError, summary.resultSets > 0, warnings == 0 || settings.queryCacheHandleWarnings,
              summary.rowsSent > 0 || capture.storeEmpty else { return }
        loopContext.store.queryCache.store(capture.key, packets: capture.packets, ttlMs: capture.ttlMs,
                                           now: NIODeadline.now().uptimeNanoseconds)
    }
}
