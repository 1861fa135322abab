@testable import Proxy
import Testing

@Suite struct ConnectPatienceTests {
    /// Queries hold a connection 100 µs, logins take 2 ms.
    func measured() -> ConnectPatience {
        var patience = ConnectPatience()
        patience.connectionReturned(afterNs: 100_000)
        patience.connected(inNs: 2_000_000)
        return patience
    }

    @Test func opensAConnectionWhileNothingIsKnownOrNothingIsInUse() {
        #expect(ConnectPatience().waitNs(inUse: 4, queued: 0) == nil)
        var onlyHolds = ConnectPatience()
        onlyHolds.connectionReturned(afterNs: 100_000)
        #expect(onlyHolds.waitNs(inUse: 4, queued: 0) == nil)
        #expect(measured().waitNs(inUse: 0, queued: 0) == nil)
    }

    @Test func waitsForAQuickReturnAtMostOneLoginTime() {
        #expect(measured().waitNs(inUse: 1, queued: 0) == 2_000_000)
        // 19 ahead on 1 connection: the 20th return comes after 2 ms, no sooner than a login.
        #expect(measured().waitNs(inUse: 1, queued: 18) == 2_000_000)
        #expect(measured().waitNs(inUse: 1, queued: 19) == nil)
        // Four connections in use come back four times as often.
        #expect(measured().waitNs(inUse: 4, queued: 70) == 2_000_000)
        #expect(measured().waitNs(inUse: 4, queued: 80) == nil)
    }

    @Test func longHoldsMeanOpening() {
        var patience = measured()
        for _ in 0..<40 { patience.connectionReturned(afterNs: 50_000_000) } // transactions held 50 ms
        #expect(patience.waitNs(inUse: 8, queued: 0) == nil)
    }

    @Test func averagesMoveAnEighthTowardsEachSample() {
        var patience = measured()
        patience.connectionReturned(afterNs: 900_000)
        #expect(patience.holdNs == 200_000)
        patience.connected(inNs: 400_000)
        #expect(patience.connectNs == 1_800_000)
        // A session pinning a connection for an hour counts as one second.
        patience.connectionReturned(afterNs: 3_600_000_000_000)
        #expect(patience.holdNs == 200_000 + (1_000_000_000 - 200_000) / 8)
    }
}
