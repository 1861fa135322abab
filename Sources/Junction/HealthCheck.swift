import Foundation
import JunctionConfig
import MySQLClient
import NIOCore
import NIOPosix
import Proxy

/// `junction health`: whether this node should receive traffic — for keepalived's `vrrp_script` and load balancers.
/// Healthy when the client port answers with a greeting, the node is not stopping, and at least one ONLINE writer
/// (`JUNCTION HEALTH` on the admin port) answers with a greeting too. Addresses and credentials come from the
/// config file unless given.
public enum HealthCheck {
    public struct Options: Sendable {
        public var configPath: String?
        public var admin: String?
        public var client: String?
        public var user: String?
        public var password: String?
        public var timeoutMs: Int

        public init(configPath: String?, admin: String?, client: String?, user: String?, password: String?, timeoutMs: Int) {
            self.configPath = configPath
            self.admin = admin
            self.client = client
            self.user = user
            self.password = password
            self.timeoutMs = timeoutMs
        }
    }

    public struct Report: Sendable, Equatable {
        public var healthy: Bool
        public var message: String
    }

    public static let defaultConfigPath = "/etc/junction/junction.cnf"

    public static func run(_ options: Options) async -> Report {
        let targets: Targets
        do { targets = try Targets(options) } catch {
            return Report(healthy: false, message: "unhealthy: \(error)")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let timeout = options.timeoutMs

        let client = await outcome(ServerGreetingProbe.version(of: targets.client, on: loop, timeoutMs: timeout))
        if case .failure(let error) = client {
            return Report(healthy: false, message: "unhealthy: the client port \(targets.client) does not accept connections (\(describe(error)))")
        }
        let answer = await outcome(MySQLClientConnection.connect(host: targets.admin.host, port: targets.admin.port,
                                                                 username: targets.user, password: targets.password,
                                                                 timeoutMs: timeout, on: loop)
            .flatMap { connection in
                connection.query("JUNCTION HEALTH", timeoutMs: timeout).always { _ in connection.close() }
            })
        let rows: [[String?]]
        switch answer {
        case .failure(let error):
            return Report(healthy: false, message: "unhealthy: the admin port \(targets.admin) did not answer JUNCTION HEALTH (\(describe(error)))")
        case .success(let result):
            rows = result.rows
        }
        if rows.contains(where: { $0.first == "stopping" && $0.last == "1" }) {
            return Report(healthy: false, message: "unhealthy: stopping (SIGTERM received; still serving for its grace period)")
        }
        let writers = rows.filter { $0.first == "writer" }.compactMap { $0.last ?? nil }
        guard !writers.isEmpty else {
            return Report(healthy: false, message: "unhealthy: no ONLINE writer in the runtime configuration")
        }
        var failures: [String] = []
        for writer in writers {
            guard let endpoint = try? ListenAddress.parse(writer) else { continue }
            switch await outcome(ServerGreetingProbe.version(of: ServerEndpoint(host: endpoint.host, port: endpoint.port),
                                                             on: loop, timeoutMs: timeout)) {
            case .success:
                return Report(healthy: true, message: "healthy: clients accepted on \(targets.client), writer \(writer) reachable")
            case .failure(let error):
                failures.append("\(writer): \(describe(error))")
            }
        }
        return Report(healthy: false, message: "unhealthy: no ONLINE writer reachable (\(failures.joined(separator: "; ")))")
    }

    /// The part of a connection error a person needs ("connection refused"), else the whole text.
    static func describe(_ error: Error) -> String {
        let text = "\(error)"
        for known in ["Connection refused", "No route to host", "Network is unreachable", "Connection reset by peer"] where text.contains(known) {
            return known.lowercased()
        }
        return text
    }

    private static func outcome<T>(_ future: EventLoopFuture<T>) async -> Result<T, Error> {
        do { return .success(try await future.get()) } catch { return .failure(error) }
    }

    /// Where to look, from the options and the config file.
    struct Targets {
        var client: ServerEndpoint
        var admin: ServerEndpoint
        var user: String
        var password: String

        init(_ options: Options) throws {
            var adminVariables: [String: String] = [:], mysqlVariables: [String: String] = [:]
            let path = options.configPath ?? (FileManager.default.fileExists(atPath: HealthCheck.defaultConfigPath) ? HealthCheck.defaultConfigPath : nil)
            if let path {
                let file = try JunctionConfigFile.load(path: path)
                for (name, value) in file.adminVariables { adminVariables[name] = value }
                for (name, value) in file.mysqlVariables { mysqlVariables[name] = value }
            }
            func first(_ list: String?) -> String? {
                list?.split(whereSeparator: { $0 == ";" || $0 == "," }).first.map(String.init)
            }
            func endpoint(_ text: String) throws -> ServerEndpoint {
                let (host, port) = try ListenAddress.parse(text)
                // A wildcard listener is reached on this machine's loopback.
                return ServerEndpoint(host: ["0.0.0.0", "::", ""].contains(host) ? "127.0.0.1" : host, port: port)
            }
            client = try endpoint(options.client ?? first(Self.value(mysqlVariables, "interfaces")) ?? "127.0.0.1:6033")
            admin = try endpoint(options.admin ?? first(Self.value(adminVariables, "mysql_ifaces")) ?? "127.0.0.1:6032")
            let credential = first(Self.value(adminVariables, "admin_credentials")) ?? "admin:admin"
            let colon = credential.firstIndex(of: ":") ?? credential.endIndex
            user = options.user ?? String(credential[..<colon])
            password = options.password ?? (colon < credential.endIndex ? String(credential[credential.index(after: colon)...]) : "")
        }

        /// A variable as the config file names it, with or without its module prefix.
        static func value(_ variables: [String: String], _ name: String) -> String? {
            variables[name] ?? variables.first { $0.key.hasSuffix("-" + name) }?.value
        }
    }
}
