import MySQLProtocol

/// Backend connections are interchangeable only when these match: the hostgroup and server, the user they
/// logged in as, the capability flags that shape results, and the handshake collation. The hostgroup is part
/// of it because a server's status is per hostgroup (a writer drained with OFFLINE_SOFT may still be ONLINE
/// as a reader), and statistics count a connection's queries under the hostgroup it was opened for.
public struct PoolKey: Hashable, Sendable {
    public let hostgroup: Int
    public let endpoint: ServerEndpoint
    public let username: String
    public let capabilities: CapabilityFlags
    public let collation: UInt8
    /// The fields hashed once: a query looks its key up several times (idle list, room, waiters).
    private let hashKey: Int

    public init(hostgroup: Int, endpoint: ServerEndpoint, username: String, capabilities: CapabilityFlags, collation: UInt8) {
        self.hostgroup = hostgroup
        self.endpoint = endpoint
        self.username = username
        self.capabilities = capabilities.intersection(.resultShaping)
        self.collation = collation
        var hasher = Hasher()
        hasher.combine(hostgroup)
        hasher.combine(endpoint)
        hasher.combine(username)
        hasher.combine(self.capabilities)
        hasher.combine(collation)
        hashKey = hasher.finalize()
    }

    public static func == (lhs: PoolKey, rhs: PoolKey) -> Bool {
        lhs.hostgroup == rhs.hostgroup && lhs.endpoint == rhs.endpoint && lhs.collation == rhs.collation
            && lhs.capabilities == rhs.capabilities && lhs.username == rhs.username
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(hashKey) }
}
