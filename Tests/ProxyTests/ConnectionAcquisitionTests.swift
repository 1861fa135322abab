@testable import Proxy
import Testing

@Suite struct ConnectionAcquisitionTests {
    /// A hostgroup with a server that has room, nothing idle, 200 ms into a request.
    func facts(_ change: (inout ConnectionAcquisition.Facts) -> Void = { _ in }) -> ConnectionAcquisition.Facts {
        var facts = ConnectionAcquisition.Facts(serverChosen: true, hostgroupHasServers: true, elapsedMs: 200,
                                                connectTimeoutServerMs: 1_000, connectTimeoutServerMaxMs: 10_000,
                                                connectsInFlight: 0, maxConnectsInFlight: 4)
        change(&facts)
        return facts
    }

    @Test func aFullHostgroupWaitsWhileTimeIsLeftThenFails() {
        #expect(ConnectionAcquisition.next(facts { $0.serverChosen = false }) == .waitForRoom)
        #expect(ConnectionAcquisition.next(facts { $0.serverChosen = false; $0.elapsedMs = 10_000 }) == .fail(elapsedMs: 10_000))
        // An empty hostgroup (or no server there at all): nothing to wait for.
        #expect(ConnectionAcquisition.next(facts { $0.serverChosen = false; $0.hostgroupHasServers = false }) == .fail(elapsedMs: 200))
    }

    @Test func anIdleConnectionIsHandedOutOrCheckedFirst() {
        #expect(ConnectionAcquisition.next(facts { $0.idle = .ready; $0.patienceNs = 5 }) == .handOut)
        #expect(ConnectionAcquisition.next(facts { $0.idle = .stale; $0.connectsInFlight = 9 }) == .checkThenHandOut)
    }

    @Test func withNothingIdleItWaitsForReturnsOrLoginsElseConnectsWithinTheTimeLeft() {
        #expect(ConnectionAcquisition.next(facts { $0.patienceNs = 2_000_000 }) == .waitPatiently(ns: 2_000_000))
        #expect(ConnectionAcquisition.next(facts { $0.connectsInFlight = 4 }) == .waitForConnects)
        #expect(ConnectionAcquisition.next(facts()) == .connect(timeoutMs: 1_000))
        #expect(ConnectionAcquisition.next(facts { $0.elapsedMs = 9_700 }) == .connect(timeoutMs: 300))
        #expect(ConnectionAcquisition.next(facts { $0.elapsedMs = 9_999 }) == .connect(timeoutMs: 1))
    }

    @Test func aFailedConnectIsRetriedOnlyWhenTheServerWasUnreachableAndRetriesAndTimeAreLeft() {
        func after(_ failure: ConnectionAcquisition.ConnectFailure, attempt: Int, elapsedMs: Int = 100) -> ConnectionAcquisition.AfterFailure {
            ConnectionAcquisition.afterConnectFailure(failure, attempt: attempt, elapsedMs: elapsedMs, retriesOnFailure: 10,
                                                      connectTimeoutServerMaxMs: 10_000, retryDelayMs: 1)
        }
        #expect(after(.refusedByServer, attempt: 0) == .failWithServerError)
        #expect(after(.unsupportedAuthentication, attempt: 0) == .failWithServerError)
        #expect(after(.unreachable, attempt: 0) == .retry(afterMs: 1))
        #expect(after(.unreachable, attempt: 9) == .retry(afterMs: 1))
        #expect(after(.unreachable, attempt: 10) == .fail(elapsedMs: 100))
        #expect(after(.unreachable, attempt: 3, elapsedMs: 10_000) == .fail(elapsedMs: 10_000))
    }
}
