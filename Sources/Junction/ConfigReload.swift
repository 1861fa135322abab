import Admin
import JunctionConfig
import Logging

/// SIGHUP (`systemctl reload junction`): the config file is merged as a restart with `--reload` would merge it —
/// DISK, then the file, into MEMORY, saved to DISK, everything loaded to RUNTIME — without dropping a connection.
/// A file that does not parse changes nothing; a module whose rows do not validate keeps its running configuration.
/// Either is logged.
enum ConfigReload {
    /// Runs on the admin's loop.
    static func reload(_ executor: AdminExecutor, configPath: String?, logger: Logger) {
        guard let configPath else {
            logger.warning("reload: Junction was started without a config file (-c); nothing to reload")
            return
        }
        SystemdNotifier.notify("RELOADING=1")
        defer { SystemdNotifier.notify("READY=1") }
        do {
            let file = try JunctionConfigFile.load(path: configPath)
            try executor.start(configFile: file, databaseExisted: true, reload: true)
            logger.notice("reload: the config file was merged and loaded to runtime", metadata: ["file": "\(configPath)"])
        } catch {
            logger.error("reload: the config file was not (fully) loaded; what did not load keeps running as it was", metadata: [
                "file": "\(configPath)", "error": "\(error)"])
        }
    }
}
