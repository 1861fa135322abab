/// Which samples are due: each kind runs when its interval has passed since its last sample (pure).
public struct StatsHistorySchedule: Sendable {
    private var lastRun: [StatsHistoryKind: Int] = [:]
    private var lastDigestDump: Int?

    public init() {}

    /// The kinds due at `now` (epoch seconds) under `intervals` (seconds, 0 = off); they count as run.
    public mutating func due(now: Int, intervals: [StatsHistoryKind: Int]) -> [StatsHistoryKind] {
        var out: [StatsHistoryKind] = []
        for kind in StatsHistoryKind.allCases {
            let interval = intervals[kind] ?? 0
            guard interval > 0 else { lastRun[kind] = nil; continue }
            // Aligned to the interval, as ProxySQL samples (a 60 s interval writes at whole minutes).
            if let last = lastRun[kind], now / interval == last / interval { continue }
            if lastRun[kind] == nil, now % interval != 0 { lastRun[kind] = now; continue }
            lastRun[kind] = now
            out.append(kind)
        }
        return out
    }

    /// Whether the digest statistics are due to be saved to disk (`admin-stats_mysql_query_digest_to_disk`).
    public mutating func digestDumpDue(now: Int, interval: Int) -> Bool {
        guard interval > 0 else { lastDigestDump = nil; return false }
        guard let last = lastDigestDump else { lastDigestDump = now; return false }
        guard now - last >= interval else { return false }
        lastDigestDump = now
        return true
    }
}
