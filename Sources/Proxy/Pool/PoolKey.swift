import MySQLProtocol

/// Backend connections are interchangeable only when these match: the hostgroup and server, the user they
/// logged in as, the capability flags that shape results, and the handshake collation. The hostgroup is part
/// of it because a server's status is per hostgroup (a writer drained with OFFLINE_SOFT may still be ONLINE
/// as a reader), and statistics count a connection's queries under the hostgroup it was opened for.
public struct PoolKey: Hashable, Sendable {
    public var hostgroup: Int
    public var endpoint: ServerEndpoint
    public var username: String
    public var capabilities: CapabilityFlags
    public var collation: UInt8

    public init(hostgroup: Int, endpoint: ServerEndpoint, username: String, capabilities: CapabilityFlags, collation: UInt8) {
        self.hostgroup = hostgroup
        self.endpoint = endpoint
        self.username = username
        self.capabilities = capabilities.intersection(.resultShaping)
        self.collation = collation
    }
}
