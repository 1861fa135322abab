import Admin
import Cluster
import Foundation
import HTTPEndpoints
import Monitor
import JunctionConfig
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Proxy
import ServiceLifecycle

/// How Junction was asked to start (the command line).
public struct StartOptions: Sendable {
    public var configPath: String?
    public var datadir: String?
    public var initial: Bool
    public var reload: Bool

    public init(configPath: String?, datadir: String?, initial: Bool, reload: Bool) {
        self.configPath = configPath
        self.datadir = datadir
        self.initial = initial
        self.reload = reload
    }
}

/// A start-up problem worth one clear line (bad config file, port in use, …).
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum JunctionVersion {
    public static let string = "0.1.0"
}

/// Wires the services together and runs them until SIGTERM/SIGINT.
public struct JunctionApp {
    let options: StartOptions

    public init(options: StartOptions) {
        self.options = options
    }

    public func run() async throws {
        let trappedSignals = await StopSequence.trapSignals()
        let logger = Logger(label: "junction")
        let startup: StartupConfiguration
        do {
            startup = try StartupConfiguration.load(options)
        } catch let error as ConfigFileError {
            throw StartupError("\(error)")
        }
        let datadir = startup.datadir
        try FileManager.default.createDirectory(atPath: datadir, withIntermediateDirectories: true)
        let pidFile = (datadir as NSString).appendingPathComponent("junction.pid")
        try? "\(ProcessInfo.processInfo.processIdentifier)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: pidFile) }

        let store = ProxyConfigStore(ProxySnapshot(users: [], servers: [], settings: ProxySettings()))
        let target = ProxyRuntimeTarget(store: store)
        let executor = try openAdmin(startup, target: target, logger: logger)
        let variables = try executor.runtime.mysqlVariables()

        let threads = max(1, variables.threads)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let adminGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = ProxyServer(group: group, store: store, logger: logger)
        let monitorChecks = NIOLockedValueBox<[String: Int]>([:])
        executor.statsSource = ProxyStatsSource(server: server, store: store) {
            GlobalContext(threads: threads, monitorEnabled: executor.runtime.variables["mysql-monitor_enabled"] != "false",
                          monitorChecks: monitorChecks.withLockedValue { $0 },
                          sqliteBytes: ["junction.db", "junction_stats.db"].reduce(0) { total, name in
                              let path = (datadir as NSString).appendingPathComponent(name)
                              return total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
                          })
        }
        executor.killSession = { id, queryOnly in server.kill(connectionID: id, queryOnly: queryOnly) }
        executor.processControl = { command in
            switch command {
            case .flushQueryCache:
                store.queryCache.flush()
                return .ok()
            default:
                return .error(AdminError("Junction Admin Error: JUNCTION \(command.rawValue) is not supported by this build"))
            }
        }
        _ = ProcessUptime.start
        let openFiles = OpenFilesLimit.raise()
        if let openFiles, openFiles < variables.maxConnections * 2 {
            logger.warning("the open files limit is low for mysql-max_connections (each client needs a backend share too)",
                           metadata: ["open_files": "\(openFiles)", "max_connections": "\(variables.maxConnections)"])
        }
        logger.notice("Junction \(JunctionVersion.string) starting", metadata: [
            "datadir": "\(datadir)", "threads": "\(threads)", "open_files": "\(openFiles.map(String.init) ?? "?")",
            "servers": "\(executor.runtime.mysqlServers.count)", "users": "\(executor.runtime.mysqlUsers.count)",
        ])
        let stop = StopSequence(gracePeriodMs: startup.file.stopGracePeriodMs ?? 0,
                                drainTimeoutMs: startup.file.stopDrainTimeoutMs ?? 5_000, logger: logger)
        executor.isStopping = { stop.isStopping }
        let readiness = ReadinessGate(services: 2)
        let proxy = ProxyService(server: server, interfaces: variables.interfaces, drainTimeoutMs: stop.drainTimeoutMs,
                                 readiness: readiness, logger: logger)
        let adminLoop = adminGroup.next()
        let admin = AdminService(server: AdminServer(eventLoop: adminLoop, executor: executor, logger: logger),
                                 interfaces: executor.adminVariables.mysqlIfaces, readiness: readiness, logger: logger)
        // The HTTP listeners follow the admin variables; only the newest wanted state matters. Wired before the
        // services that use the executor on its loop start, so nothing here races them.
        let observation = AdminObservationSource(executor: executor, loop: adminLoop)
        executor.prometheusMetrics = { adminLoop.makeFutureWithTask { try await prometheusMetrics(from: observation) } }
        let http = HTTPEndpointsController(source: observation,
                                           eventLoopGroup: adminGroup, logger: Logger(label: "junction.http"))
        let (httpSettings, httpSettingsInput) = AsyncStream.makeStream(of: HTTPEndpointSettings.self, bufferingPolicy: .bufferingNewest(1))
        httpSettingsInput.yield(HTTPEndpointSettings(executor.adminVariables))
        executor.onAdminVariablesApplied = { httpSettingsInput.yield(HTTPEndpointSettings($0)) }
        let httpFollower = Task { for await settings in httpSettings { await http.apply(settings) } }
        let monitorHost = AdminMonitorHost(executor: executor, store: store, checkCounts: monitorChecks)
        let monitor = MonitorService(loop: adminLoop, host: monitorHost, logger: Logger(label: "junction.monitor"))
        monitor.start()
        let history = StatsHistoryService(loop: adminLoop, executor: executor, logger: Logger(label: "junction.stats_history"))
        history.start()
        let clusterHost = AdminClusterHost(executor: executor)  // held here: the service holds its host weakly
        let cluster = ClusterService(loop: adminLoop, host: clusterHost, logger: Logger(label: "junction.cluster"))
        cluster.start()
        store.connectFailureHandler.withLockedValue { $0 = { host, port in monitor.connectFailed(host: host, port: port) } }
        // Services stop in reverse order: the client port drains first, the admin port closes last.
        let services = ServiceGroup(configuration: .init(
            services: [.init(service: admin), .init(service: proxy)], logger: logger))
        let signals = Task { [configPath = startup.configPath] in
            await stop.handleSignals(trappedSignals, of: services) {
                adminLoop.execute { ConfigReload.reload(executor, configPath: configPath, logger: logger) }
            }
        }
        defer { signals.cancel() }
        do {
            try await services.run()
        } catch let error as IOError {
            throw StartupError("cannot listen: \(error)")
        }
        httpSettingsInput.finish()
        await httpFollower.value
        await http.stopAll()
        // The monitor stops on its loop before that loop shuts down (its timers would schedule on a dead loop).
        try? await monitor.stop().get()
        try? await cluster.stop().get()
        try? await history.stop().get()
        withExtendedLifetime((monitorHost, clusterHost)) {}
        try? await group.shutdownGracefully()
        try? await adminGroup.shutdownGracefully()
        logger.notice("Junction stopped")
    }

    /// Opens `junction.db` (renamed to `junction.db.bak` first with `--initial`) and loads the
    /// configuration to runtime by the start-up rules.
    private func openAdmin(_ startup: StartupConfiguration, target: ProxyRuntimeTarget, logger: Logger) throws -> AdminExecutor {
        let diskPath = (startup.datadir as NSString).appendingPathComponent("junction.db")
        let files = FileManager.default
        if options.initial, files.fileExists(atPath: diskPath) {
            let backup = diskPath + ".bak"
            try? files.removeItem(atPath: backup)
            try files.moveItem(atPath: diskPath, toPath: backup)
        }
        let existed = files.fileExists(atPath: diskPath)
        do {
            let database = try AdminDatabase(datadir: startup.datadir)
            let executor = try AdminExecutor(database: database, target: target, configFilePath: startup.configPath, logger: logger)
            if let version = startup.file.clusterPresentedVersion, !version.isEmpty { executor.presentVersion(version) }
            try executor.start(configFile: startup.file, databaseExisted: existed, reload: options.reload)
            return executor
        } catch let error as AdminError {
            throw StartupError(error.message)
        } catch let error as RuntimeValidationError {
            throw StartupError("configuration not loaded: \(error)")
        }
    }
}
