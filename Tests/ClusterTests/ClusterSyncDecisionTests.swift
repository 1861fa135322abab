import Cluster
import Testing

@Suite struct PeerModuleStateTests {
    let advertised = PeerModuleState.Advertised(version: 2, epoch: 1_000, checksum: "0xAB")

    @Test func diffCheckCountsPollsThatFindTheSameDifferentChecksum() {
        var state = PeerModuleState.polled(nil, advertised: advertised, localChecksum: "0x01", now: 10)
        #expect(state.diffCheck == 1 && state.changedAt == 10)
        state = PeerModuleState.polled(state, advertised: advertised, localChecksum: "0x01", now: 11)
        state = PeerModuleState.polled(state, advertised: advertised, localChecksum: "0x01", now: 12)
        #expect(state.diffCheck == 3 && state.changedAt == 10 && state.updatedAt == 12)
        // The peer changed again: counting starts over.
        let newer = PeerModuleState.Advertised(version: 3, epoch: 1_005, checksum: "0xCD")
        state = PeerModuleState.polled(state, advertised: newer, localChecksum: "0x01", now: 13)
        #expect(state.diffCheck == 1 && state.changedAt == 13 && state.version == 3 && state.epoch == 1_005)
        // This node took the peer's configuration: no difference left.
        state = PeerModuleState.polled(state, advertised: newer, localChecksum: "0xCD", now: 14)
        #expect(state.diffCheck == 0)
    }
}

@Suite struct ClusterSyncDecisionTests {
    let a = PeerAddress(hostname: "10.0.0.1", port: 6032)
    let b = PeerAddress(hostname: "10.0.0.2", port: 6032)
    let local = ClusterSyncDecision.Local(version: 3, epoch: 1_000, checksum: "0x11")

    func peer(version: Int = 2, epoch: Int, checksum: String = "0x22", diffCheck: Int) -> PeerModuleState {
        PeerModuleState(version: version, epoch: epoch, checksum: checksum, changedAt: 0, updatedAt: 0, diffCheck: diffCheck)
    }

    @Test func aNewerPeerIsFollowedAfterDiffsBeforeSyncPolls() {
        #expect(ClusterSyncDecision.decide(local: local, peers: [a: peer(epoch: 1_001, diffCheck: 2)], diffsBeforeSync: 3) == .none)
        let ready = peer(epoch: 1_001, diffCheck: 3)
        #expect(ClusterSyncDecision.decide(local: local, peers: [a: ready], diffsBeforeSync: 3) == .sync(from: a, expected: ready))
        #expect(ClusterSyncDecision.decide(local: local, peers: [a: ready], diffsBeforeSync: 0) == .none, "0 turns syncing off")
    }

    @Test func theNewestOfSeveralPeersIsTheSource() {
        let older = peer(epoch: 1_001, checksum: "0x22", diffCheck: 5)
        let newer = peer(epoch: 1_002, checksum: "0x33", diffCheck: 4)
        #expect(ClusterSyncDecision.decide(local: local, peers: [a: older, b: newer], diffsBeforeSync: 3) == .sync(from: b, expected: newer))
    }

    @Test func anOlderPeerOrOneWithOurChecksumIsNotASource() {
        #expect(ClusterSyncDecision.decide(local: local, peers: [a: peer(epoch: 999, diffCheck: 9)], diffsBeforeSync: 3) == .none)
        #expect(ClusterSyncDecision.decide(local: local, peers: [a: peer(epoch: 2_000, checksum: "0x11", diffCheck: 9)],
                                           diffsBeforeSync: 3) == .none)
    }

    @Test func aFreshlyStartedNodeTakesAnyLoadedConfigurationButNobodyTakesItsOwn() {
        let fresh = ClusterSyncDecision.Local(version: 1, epoch: 5_000, checksum: "0x99")
        let loaded = peer(epoch: 1_000, diffCheck: 3)
        #expect(ClusterSyncDecision.decide(local: fresh, peers: [a: loaded], diffsBeforeSync: 3) == .sync(from: a, expected: loaded))
        // The other way round: a peer at version 1 is never a source, and says so every 10 × D polls.
        #expect(ClusterSyncDecision.decide(local: local, peers: [a: peer(version: 1, epoch: 9_999, diffCheck: 29)], diffsBeforeSync: 3) == .none)
        #expect(ClusterSyncDecision.decide(local: local, peers: [a: peer(version: 1, epoch: 9_999, diffCheck: 30)], diffsBeforeSync: 3)
                == .peerNeverLoaded(a))
    }

    @Test func sameEpochDifferentChecksumIsAConflictNotAFlipFlop() {
        let rival = peer(epoch: 1_000, diffCheck: 30)
        #expect(ClusterSyncDecision.decide(local: local, peers: [a: rival], diffsBeforeSync: 3) == .conflict(with: a))
        #expect(ClusterSyncDecision.decide(local: local, peers: [a: peer(epoch: 1_000, diffCheck: 31)], diffsBeforeSync: 3) == .none)
    }
}
