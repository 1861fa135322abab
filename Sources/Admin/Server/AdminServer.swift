import Logging
import NIOCore
import NIOPosix

/// The admin port (`admin-mysql_ifaces`): accepts admin clients on one event loop, where the
/// executor lives.
/// Its mutable state (the connection counter) is only touched on `eventLoop`.
public final class AdminServer: @unchecked Sendable {
    public let eventLoop: EventLoop
    private let executor: AdminExecutor
    private let logger: Logger
    private var nextConnectionID: UInt32 = 1

    public init(eventLoop: EventLoop, executor: AdminExecutor, logger: Logger) {
        self.eventLoop = eventLoop
        self.executor = executor
        self.logger = logger
    }

    public func bind(host: String, port: Int) -> EventLoopFuture<Channel> {
        ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                let id = nextConnectionID
                nextConnectionID &+= 1
                return channel.pipeline.addHandler(AdminConnectionHandler(executor: executor, connectionID: id, logger: logger))
            }
            .bind(host: host, port: port)
    }
}
