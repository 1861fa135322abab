/// Whether a request that found no idle connection should wait for one in use to come back instead of
/// opening a new one.
///
/// A pooled connection usually comes back within a query's time (tens to hundreds of microseconds), while a
/// new one costs a TCP handshake, a login and a server thread (a millisecond or more). Opening one per
/// request that misses turns every burst of queries into a burst of logins, and the pool keeps them
/// afterwards. So a request waits when the returns it would need are expected sooner than a new connection
/// would log in — and never longer than that login time: then it opens its own.
///
/// Pure arithmetic on two running averages, kept per event loop.
struct ConnectPatience {
    /// Average time a connection stays out of the pool (hand-out to return), nanoseconds; 0 = unknown.
    private(set) var holdNs: UInt64 = 0
    /// Average time a new connection takes to log in, nanoseconds; 0 = unknown.
    private(set) var connectNs: UInt64 = 0

    /// A hold longer than this counts as this much: one session pinning a connection for minutes must not
    /// make the estimate useless for a long time.
    static let longestSampleNs: UInt64 = 1_000_000_000

    mutating func connectionReturned(afterNs hold: UInt64) {
        holdNs = Self.average(holdNs, min(hold, Self.longestSampleNs))
    }

    mutating func connected(inNs duration: UInt64) {
        connectNs = Self.average(connectNs, min(duration, Self.longestSampleNs))
    }

    /// How long to wait for a returning connection, or nil to open one now.
    /// - Parameters:
    ///   - inUse: connections to the server out of the pool on this loop (the ones that can come back).
    ///   - queued: requests already waiting ahead of this one.
    func waitNs(inUse: Int, queued: Int) -> UInt64? {
        guard inUse > 0, holdNs > 0, connectNs > 0 else { return nil }
        // The k-th return among `inUse` connections busy for `holdNs` each comes after about k·holdNs/inUse.
        let (product, overflow) = UInt64(queued + 1).multipliedReportingOverflow(by: holdNs)
        guard !overflow, product / UInt64(inUse) < connectNs else { return nil }
        return connectNs
    }

    /// An exponentially weighted average (1/8 weight to the new sample); the first sample sets it.
    private static func average(_ current: UInt64, _ sample: UInt64) -> UInt64 {
        guard current > 0 else { return max(sample, 1) }
        return sample >= current ? current + (sample - current) / 8 : current - (current - sample) / 8
    }
}
