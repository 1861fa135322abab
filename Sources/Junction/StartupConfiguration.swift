import Foundation
import JunctionConfig

/// What Junction reads before anything else: the config file (or the embedded default) and the
/// data directory. The configuration itself then comes from `junction.db` and the file, by the rules
/// of `AdminExecutor.start` (the saved database wins after the first start).
struct StartupConfiguration {
    var datadir: String
    var configPath: String?
    var file: JunctionConfigFile

    /// Used when Junction starts without `-c`: clients on 0.0.0.0:6033, admin on 127.0.0.1:6032.
    static let embeddedDefault = """
        datadir="./junction-data"
        admin_variables = { admin_credentials="admin:admin" mysql_ifaces="127.0.0.1:6032" }
        mysql_variables = { interfaces="0.0.0.0:6033" }
        """

    static func load(_ options: StartOptions) throws -> StartupConfiguration {
        let file: JunctionConfigFile
        if let path = options.configPath {
            guard FileManager.default.fileExists(atPath: path) else { throw StartupError("config file \(path) not found") }
            file = try JunctionConfigFile.load(path: path)
        } else {
            file = try JunctionConfigFile.parse(text: embeddedDefault, fileName: "embedded default")
        }
        let datadir = options.datadir ?? file.datadir ?? "./junction-data"
        return StartupConfiguration(datadir: datadir, configPath: options.configPath, file: file)
    }
}
