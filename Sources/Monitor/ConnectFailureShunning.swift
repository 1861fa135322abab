/// When failed backend connects from the query path shun a server, and when it is tried again
/// (sessions-and-pooling.md §8). Pure: the caller passes the clock.
public struct ConnectFailureShunning: Sendable {
    /// Failures per server within the current wall-clock second.
    private var windows: [ReadOnlyPlacement.Endpoint: (second: Int64, count: Int)] = [:]
    /// The last failure per server (epoch milliseconds).
    private(set) var lastFailureMs: [ReadOnlyPlacement.Endpoint: Int64] = [:]

    public init() {}

    /// Failures within one second that shun a server: `min(shun_on_failures, connect_retries_on_failure + 1)`,
    /// so that one client's retries alone can shun it; nil when `mysql-shun_on_failures` is 0 (never).
    public static func threshold(_ settings: MonitorSettings) -> Int? {
        guard settings.shunOnFailures > 0 else { return nil }
        return max(1, min(settings.shunOnFailures, settings.connectRetriesOnFailure + 1))
    }

    /// How long a shunned server waits before it is tried again, in seconds; nil = never by time
    /// (`shun_recovery_time_sec=0`). Capped below `connect_timeout_server_max` so that a client waiting
    /// for a connection sees the server come back, and at least one second.
    public static func recoverySeconds(_ settings: MonitorSettings) -> Int? {
        guard settings.shunRecoveryTimeSec > 0 else { return nil }
        var seconds = settings.shunRecoveryTimeSec
        if seconds * 1000 >= settings.connectTimeoutServerMaxMs { seconds = settings.connectTimeoutServerMaxMs / 1000 - 1 }
        return max(1, seconds)
    }

    /// Counts a failure; true when it brings the server to the threshold within this second.
    public mutating func failed(_ endpoint: ReadOnlyPlacement.Endpoint, nowMs: Int64, settings: MonitorSettings) -> Bool {
        guard let threshold = Self.threshold(settings) else { return false }
        let second = nowMs / 1000
        var window = windows[endpoint] ?? (second, 0)
        if window.second != second { window = (second, 0) }
        window.count += 1
        windows[endpoint] = window
        lastFailureMs[endpoint] = nowMs
        return window.count == threshold
    }

    /// Milliseconds until a server shunned for failures may be tried again (0 = now); nil = not by time.
    public func msUntilRecovery(_ endpoint: ReadOnlyPlacement.Endpoint, nowMs: Int64, settings: MonitorSettings) -> Int64? {
        guard let seconds = Self.recoverySeconds(settings) else { return nil }
        let last = lastFailureMs[endpoint] ?? 0
        return max(0, last + Int64(seconds) * 1000 - nowMs)
    }

    /// Forgets a server's failures once it is back.
    public mutating func recovered(_ endpoint: ReadOnlyPlacement.Endpoint) {
        windows[endpoint] = nil
        lastFailureMs[endpoint] = nil
    }
}
