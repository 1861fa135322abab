import MySQLProtocol

/// Backend connections are interchangeable only when these match: the server, the user they logged
/// in as, the capability flags that shape results, and the handshake collation.
public struct PoolKey: Hashable, Sendable {
    public var endpoint: ServerEndpoint
    public var username: String
    public var capabilities: CapabilityFlags
    public var collation: UInt8

    public init(endpoint: ServerEndpoint, username: String, capabilities: CapabilityFlags, collation: UInt8) {
        self.endpoint = endpoint
        self.username = username
        self.capabilities = capabilities.intersection(.resultShaping)
        self.collation = collation
    }
}
