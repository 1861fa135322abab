import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Which HTTP listeners should run, from the admin variables: `admin-restapi_enabled`/`_port`, `admin-web_enabled`/`_port`.
public struct HTTPEndpointSettings: Equatable, Sendable {
    public var restAPIPort: Int?
    public var dashboardPort: Int?
    /// Both listen on every address, as ProxySQL's do (Prometheus scrapes from another host).
    public var host: String

    public init(restAPIPort: Int?, dashboardPort: Int?, host: String = "0.0.0.0") {
        self.restAPIPort = restAPIPort
        self.dashboardPort = dashboardPort
        self.host = host
    }

    func port(of role: EndpointRole) -> Int? {
        role == .restAPI ? restAPIPort : dashboardPort
    }
}

/// Starts and stops the HTTP listeners as `LOAD ADMIN VARIABLES TO RUNTIME` changes them, as ProxySQL does.
public actor HTTPEndpointsController {
    private struct Running {
        let port: Int
        let host: String
        let group: ServiceGroup
        let task: Task<Void, Never>
    }

    private let source: any ObservationSource
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private var running: [EndpointRole: Running] = [:]

    public init(source: any ObservationSource, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.source = source
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// The port each listener is bound to now.
    public var boundPorts: [EndpointRole: Int] { running.mapValues(\.port) }

    public func apply(_ settings: HTTPEndpointSettings) async {
        for role in [EndpointRole.restAPI, .dashboard] {
            let wanted = settings.port(of: role)
            if let current = running[role], current.port == wanted, current.host == settings.host { continue }
            await stop(role)
            if let port = wanted { await start(role, host: settings.host, port: port) }
        }
    }

    public func stopAll() async {
        for role in Array(running.keys) { await stop(role) }
    }

    private func start(_ role: EndpointRole, host: String, port: Int) async {
        let bound = AsyncStream<Bool>.makeStream()
        let app = Application(
            router: EndpointRoutes.router(role, source: source),
            configuration: .init(address: .hostname(host, port: port), serverName: "Junction", reuseAddress: true),
            onServerRunning: { _ in bound.continuation.yield(true) },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let logger = self.logger
        let task = Task {
            do {
                try await group.run()
            } catch {
                logger.error("cannot serve the \(role.rawValue)", metadata: ["address": "\(host):\(port)", "error": "\(error)"])
            }
            bound.continuation.yield(false)
            bound.continuation.finish()
        }
        var started = false
        for await outcome in bound.stream {
            started = outcome
            break
        }
        guard started else { return }
        logger.notice("serving the \(role.rawValue)", metadata: ["address": "\(host):\(port)"])
        running[role] = Running(port: port, host: host, group: group, task: task)
    }

    private func stop(_ role: EndpointRole) async {
        guard let current = running.removeValue(forKey: role) else { return }
        await current.group.triggerGracefulShutdown()
        await current.task.value
        logger.notice("stopped the \(role.rawValue)", metadata: ["port": "\(current.port)"])
    }
}
