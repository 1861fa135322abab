import Foundation
import GRDB
import JunctionConfig

/// Start-up (admin-commands.md §7) and LOAD … FROM CONFIG.
extension AdminExecutor {
    /// Brings MEMORY and DISK up to date and loads everything to RUNTIME:
    /// defaults, then DISK → MEMORY; the config file on a first start (no `junction.db` before), with
    /// `--initial` or with `--reload`, then MEMORY → DISK; finally MEMORY → RUNTIME, variables first.
    /// - Throws: `AdminError` / `RuntimeValidationError` with a message for the start-up error line.
    public func start(configFile: JunctionConfigFile?, databaseExisted: Bool, reload: Bool) throws {
        try database.withAdmin { db in
            // A first start stopped before it saved anything left a DISK without variables: still a first start.
            let databaseExisted = try databaseExisted && (Int.fetchOne(db, sql: "SELECT count(*) FROM disk.global_variables") ?? 0) > 0
            let defaults = VariableCatalog.all.filter { $0.name != "admin-version" }
            for definition in defaults {
                try db.execute(sql: "INSERT OR REPLACE INTO main.global_variables VALUES (?, ?)", arguments: [definition.name, definition.defaultValue])
                try db.execute(sql: "INSERT OR IGNORE INTO disk.global_variables VALUES (?, ?)", arguments: [definition.name, definition.defaultValue])
            }
            try db.execute(sql: "INSERT OR REPLACE INTO main.global_variables VALUES ('admin-version', ?)", arguments: [version])
            for module in AdminModule.allCases where module.persists {
                try copy(module, from: "disk", to: "main", in: db)
            }
            if let configFile, reload || !databaseExisted {
                for module in ConfigFileImporter.startupModules {
                    _ = try ConfigFileImporter.importModule(module, from: configFile, in: db)
                }
                try db.inTransaction {
                    for module in AdminModule.allCases where module.persists {
                        try copy(module, from: "main", to: "disk", in: db)
                    }
                    return .commit
                }
            }
            for module in [AdminModule.adminVariables, .mysqlVariables, .mysqlUsers, .mysqlServers, .mysqlQueryRules,
                           .scheduler, .restapi, .proxysqlServers, .mysqlFirewall] {
                _ = try loadToRuntime(module, in: db)
            }
        }
    }

    func loadFromConfig(_ module: AdminModule, in db: Database) throws -> AdminResult {
        guard let path = configFilePath else { throw AdminError.admin("Config file unknown") }
        let file: JunctionConfigFile
        do { file = try JunctionConfigFile.load(path: path) } catch {
            throw AdminError.admin("Unable to open or parse config file \(path): \(error)")
        }
        return .ok(affectedRows: try ConfigFileImporter.importModule(module, from: file, in: db))
    }
}
