import Foundation
import JunctionConfig
import Logging
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
        let logger = Logger(label: "junction")
        let configuration: StartupConfiguration
        do {
            configuration = try StartupConfiguration.load(options)
        } catch let error as ConfigFileError {
            throw StartupError("\(error)")
        }
        try FileManager.default.createDirectory(atPath: configuration.datadir, withIntermediateDirectories: true)
        let pidFile = (configuration.datadir as NSString).appendingPathComponent("junction.pid")
        try? "\(ProcessInfo.processInfo.processIdentifier)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: pidFile) }

        let threads = max(1, configuration.variables.threads)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let store = ProxyConfigStore(configuration.snapshot)
        let server = ProxyServer(group: group, store: store, logger: logger)
        logger.notice("Junction \(JunctionVersion.string) starting", metadata: [
            "datadir": "\(configuration.datadir)", "threads": "\(threads)",
            "servers": "\(configuration.snapshot.hostgroups.values.reduce(0) { $0 + $1.count })",
            "users": "\(configuration.snapshot.users.count)",
        ])
        let proxy = ProxyService(server: server, interfaces: configuration.variables.interfaces, logger: logger)
        let group_ = ServiceGroup(configuration: .init(
            services: [.init(service: proxy)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group_.run()
        } catch let error as IOError {
            throw StartupError("cannot listen: \(error)")
        }
        try? await group.shutdownGracefully()
        logger.notice("Junction stopped")
    }
}
