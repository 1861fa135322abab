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
        version: JunctionVersion.string)

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
