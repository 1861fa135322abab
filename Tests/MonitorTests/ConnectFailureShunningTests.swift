import Monitor
import Testing

@Suite struct ConnectFailureShunningTests {
    let server = ReadOnlyPlacement.Endpoint(host: "10.0.0.5", port: 3306)

    func settings(onFailures: Int = 5, recovery: Int = 10, retries: Int = 10, connectMax: Int = 10_000) -> MonitorSettings {
        var s = MonitorSettings()
        s.shunOnFailures = onFailures
        s.shunRecoveryTimeSec = recovery
        s.connectRetriesOnFailure = retries
        s.connectTimeoutServerMaxMs = connectMax
        return s
    }

    @Test func failuresWithinOneSecondShunAtTheThreshold() {
        var shunning = ConnectFailureShunning()
        let s = settings(onFailures: 3)
        do { let shunned = shunning.failed(server, nowMs: 5_000, settings: s); #expect(!shunned) }
        do { let shunned = shunning.failed(server, nowMs: 5_400, settings: s); #expect(!shunned) }
        do { let shunned = shunning.failed(server, nowMs: 5_999, settings: s); #expect(shunned) }
        // Reported once: further failures in the same second do not shun again.
        do { let shunned = shunning.failed(server, nowMs: 5_999, settings: s); #expect(!shunned) }
    }

    @Test func failuresSpreadOverSecondsDoNotShun() {
        var shunning = ConnectFailureShunning()
        let s = settings(onFailures: 3)
        for second in 0..<10 {
            do { let shunned = shunning.failed(server, nowMs: Int64(second) * 1000 + 10, settings: s); #expect(!shunned) }
            do { let shunned = shunning.failed(server, nowMs: Int64(second) * 1000 + 900, settings: s); #expect(!shunned) }
        }
    }

    @Test func oneClientsRetriesAreEnoughWhenRetriesAreFewerThanTheThreshold() {
        // min(shun_on_failures, connect_retries_on_failure + 1)
        #expect(ConnectFailureShunning.threshold(settings(onFailures: 5, retries: 1)) == 2)
        #expect(ConnectFailureShunning.threshold(settings(onFailures: 5, retries: 10)) == 5)
        #expect(ConnectFailureShunning.threshold(settings(onFailures: 0)) == nil)
        var shunning = ConnectFailureShunning()
        do { let shunned = shunning.failed(server, nowMs: 1, settings: settings(onFailures: 1)); #expect(shunned) }
        do { let shunned = shunning.failed(server, nowMs: 1, settings: settings(onFailures: 0)); #expect(!shunned) }
    }

    @Test func recoveryWaitIsCappedBelowTheConnectTimeoutAndAtLeastOneSecond() {
        #expect(ConnectFailureShunning.recoverySeconds(settings(recovery: 2)) == 2)
        #expect(ConnectFailureShunning.recoverySeconds(settings(recovery: 10, connectMax: 10_000)) == 9)
        #expect(ConnectFailureShunning.recoverySeconds(settings(recovery: 30, connectMax: 1_000)) == 1)
        #expect(ConnectFailureShunning.recoverySeconds(settings(recovery: 0)) == nil)
    }

    @Test func recoveryCountsFromTheLastFailure() {
        var shunning = ConnectFailureShunning()
        let s = settings(onFailures: 1, recovery: 2)
        _ = shunning.failed(server, nowMs: 10_000, settings: s)
        _ = shunning.failed(server, nowMs: 10_500, settings: s)
        #expect(shunning.msUntilRecovery(server, nowMs: 11_000, settings: s) == 1_500)
        #expect(shunning.msUntilRecovery(server, nowMs: 13_000, settings: s) == 0)
        #expect(shunning.msUntilRecovery(server, nowMs: 13_000, settings: settings(recovery: 0)) == nil)
        shunning.recovered(server)
        do { let shunned = shunning.failed(server, nowMs: 13_100, settings: s); #expect(shunned) }
    }
}
