import Foundation
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
        let finished: FinishedFlag

        var isFinished: Bool { finished.value }
    }

    /// How long a stopping listener waits for requests in flight (a `/sync` script may run long) before it is cut.
    static let stopGrace: Duration = .seconds(5)

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
        let roles = [EndpointRole.restAPI, .dashboard]
        // Listeners whose task ended (their server failed) are started again.
        for role in roles where running[role]?.isFinished == true { running[role] = nil }
        let changed = roles.filter { role in
            guard let current = running[role] else { return settings.port(of: role) != nil }
            return current.port != settings.port(of: role) || current.host != settings.host
        }
        // All stopped first, so two listeners may swap ports.
        for role in changed { await stop(role) }
        for role in changed {
            if let port = settings.port(of: role) { await start(role, host: settings.host, port: port) }
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
        let finished = FinishedFlag()
        let task = Task {
            do {
                try await group.run()
            } catch {
                logger.error("cannot serve the \(role.rawValue)", metadata: ["address": "\(host):\(port)", "error": "\(error)"])
            }
            finished.set()
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
        running[role] = Running(port: port, host: host, group: group, task: task, finished: finished)
    }

    private func stop(_ role: EndpointRole) async {
        guard let current = running.removeValue(forKey: role) else { return }
        await current.group.triggerGracefulShutdown()
        let cut = Task {
            try await Task.sleep(for: Self.stopGrace)
            current.task.cancel()
        }
        await current.task.value
        cut.cancel()
        logger.notice("stopped the \(role.rawValue)", metadata: ["port": "\(current.port)"])
    }
}

/// Set once the listener's task has ended.
private final class FinishedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func set() { lock.withLock { done = true } }
    var value: Bool { lock.withLock { done } }
}
