import NIOConcurrencyHelpers
import Synchronization

/// Holds the published `ProxySnapshot`. Publishing bumps a generation; event loops compare it with
/// their own copy before each client command (one atomic load when nothing changed).
public final class ProxyConfigStore: Sendable {
    private let box: NIOLockedValueBox<ProxySnapshot>
    private let generationCounter = Atomic<UInt64>(1)
    /// Client connections open on the client port, across all loops.
    let clientConnections = Atomic<Int>(0)
    /// The version string a backend announced, shown to clients when `mysql-server_version` is left at
    /// its default: clients then pick charsets and features the real server has (a MySQL 8 version in
    /// front of MariaDB makes MySQL 8 drivers ask for collations MariaDB lacks).
    let learnedServerVersion = NIOLockedValueBox<String?>(nil)
    /// Open client connections per user, for `mysql_users.max_connections`.
    let connectionsPerUser = NIOLockedValueBox<[String: Int]>([:])

    /// The monitor's last ping time per server, in microseconds.
    public let serverLatencies = NIOLockedValueBox<[ServerEndpoint: Int]>([:])
    /// Result sets of queries whose rules set `cache_ttl`.
    public let queryCache = QueryCache()

    public init(_ initial: ProxySnapshot) {
        box = NIOLockedValueBox(initial)
    }

    private let serversVersion = Atomic<Int>(0)

    /// `Servers_table_version`: how many times the servers were loaded to runtime.
    public var serversTableVersion: Int { serversVersion.load(ordering: .relaxed) }

    public func serversLoaded() {
        serversVersion.add(1, ordering: .relaxed)
    }

    public func publish(_ snapshot: ProxySnapshot) {
        box.withLockedValue { $0 = snapshot }
        generationCounter.add(1, ordering: .releasing)
        for observer in publishObservers.withLockedValue({ $0 }) { observer() }
    }

    /// Called after every publish (the proxy's loops pick a new snapshot up at once, to close
    /// connections to servers that went OFFLINE_HARD).
    private let publishObservers = NIOLockedValueBox<[@Sendable () -> Void]>([])

    func observePublish(_ observer: @escaping @Sendable () -> Void) {
        publishObservers.withLockedValue { $0.append(observer) }
    }

    /// Asks every loop to close its connections to a server, idle and in use.
    public func closeConnections(to endpoint: ServerEndpoint) {
        for observer in closeObservers.withLockedValue({ $0 }) { observer(endpoint) }
    }

    private let closeObservers = NIOLockedValueBox<[@Sendable (ServerEndpoint) -> Void]>([])

    func observeCloseRequests(_ observer: @escaping @Sendable (ServerEndpoint) -> Void) {
        closeObservers.withLockedValue { $0.append(observer) }
    }

    /// Told about every failed backend connect of the query path (host, port): the monitor counts them
    /// for `mysql-shun_on_failures`.
    public let connectFailureHandler = NIOLockedValueBox<(@Sendable (String, Int) -> Void)?>(nil)

    func reportConnectFailure(_ endpoint: ServerEndpoint) {
        connectFailureHandler.withLockedValue { $0 }?(endpoint.host, endpoint.port)
    }

    public var current: ProxySnapshot { box.withLockedValue { $0 } }

    var generation: UInt64 { generationCounter.load(ordering: .acquiring) }

    /// Open client connections right now.
    public var openClientConnections: Int { clientConnections.load(ordering: .relaxed) }
}
