import ArgumentParser
import Foundation
import Junction
import Logging

/// `junction`: the command line. Everything else lives in the Junction target.
@main
struct JunctionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junction",
        abstract: "Junction — a MySQL proxy compatible with ProxySQL's admin interface and configuration.",
        usage: """
            junction [serve] [--config FILE] [--datadir DIR] [--foreground] [--initial] [--reload] [--log-level LEVEL]
            junction health [--config FILE] [--admin HOST:PORT] [--client HOST:PORT] [--user NAME] [--password PW] [--timeout-ms MS]
            """,
        version: JunctionVersion.string,
        subcommands: [Serve.self, Health.self],
        defaultSubcommand: Serve.self)
}

/// `junction [serve] -f -c FILE`: runs the proxy (what `junction` alone does).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run Junction (the default).")

    @Option(name: [.short, .customLong("config")], help: "Configuration file (libconfig format).")
    var config: String?

    @Option(name: [.customShort("D"), .customLong("datadir")], help: "Data directory (default: the config file's datadir, else ./junction-data).")
    var datadir: String?

    @Flag(name: [.short, .customLong("foreground")], help: "Run in the foreground (Junction always does; accepted for compatibility).")
    var foreground = false

    @Flag(name: .customLong("initial"), help: "Start from the config file, discarding the saved configuration database.")
    var initial = false

    @Flag(name: .customLong("reload"), help: "Merge the config file into the saved configuration database at start.")
    var reload = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let options = StartOptions(configPath: config, datadir: datadir, initial: initial, reload: reload)
        do {
            try await JunctionApp(options: options).run()
        } catch let error as StartupError {
            FileHandle.standardError.write(Data("junction: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `junction health`: exit 0 when this node should receive traffic, 1 when not; one line says why.
struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that this node accepts clients, is not stopping and reaches an ONLINE writer (for keepalived and load balancers).")

    @Option(name: [.short, .customLong("config")], help: "Config file to read the addresses and admin credentials from (default \(HealthCheck.defaultConfigPath) when it exists).")
    var config: String?

    @Option(help: "Admin address host:port (default: the first of admin-mysql_ifaces).")
    var admin: String?

    @Option(help: "Client address host:port (default: the first of mysql-interfaces; 0.0.0.0 is checked on 127.0.0.1).")
    var client: String?

    @Option(help: "Admin user (default: the first of admin-admin_credentials).")
    var user: String?

    @Option(help: "Admin password.")
    var password: String?

    @Option(name: .customLong("timeout-ms"), help: "Time allowed for each step.")
    var timeoutMs: Int = 1000

    func run() async throws {
        let report = await HealthCheck.run(.init(configPath: config, admin: admin, client: client, user: user, password: password,
                                                 timeoutMs: max(1, timeoutMs)))
        print(report.message)
        if !report.healthy { throw ExitCode(1) }
    }
}
