import Foundation
import GRDB
import JunctionConfig

/// LOAD / SAVE between the layers (admin-commands.md §4.1).
extension AdminExecutor {
    /// DISK → MEMORY: tables replaced, variables merged.
    func loadFromDisk(_ module: AdminModule, in db: Database) throws -> AdminResult {
        try copy(module, from: "disk", to: "main", in: db)
        return .done
    }

    /// MEMORY → DISK, in one transaction so the file is never half-written. Saving variables answers how many
    /// were written, as ProxySQL does (the tutorial's `136 rows affected`); tables answer 0.
    func saveToDisk(_ module: AdminModule, in db: Database) throws -> AdminResult {
        var written = 0
        try db.inTransaction {
            try copy(module, from: "main", to: "disk", in: db)
            if module.variablePrefix != nil { written = db.changesCount }
            return .commit
        }
        return .ok(affectedRows: written)
    }

    func copy(_ module: AdminModule, from source: String, to destination: String, in db: Database) throws {
        if let prefix = module.variablePrefix {
            try db.execute(sql: "INSERT OR REPLACE INTO \(destination).global_variables SELECT * FROM \(source).global_variables WHERE variable_name LIKE ?",
                           arguments: [prefix + "%"])
            return
        }
        for table in module.tables {
            try db.execute(sql: "DELETE FROM \(destination).\(table)")
            try db.execute(sql: "INSERT INTO \(destination).\(table) SELECT * FROM \(source).\(table)")
        }
    }

    /// MEMORY → RUNTIME: read MEMORY, then `goLive`.
    /// - Parameter peer: the epoch and checksum of the cluster peer's load it was taken from; the epoch is kept when
    ///   the configuration hashes here to the same checksum.
    func loadToRuntime(_ module: AdminModule, in db: Database, peer: (epoch: Int, checksum: String)? = nil) throws -> AdminResult {
        var candidate = runtime
        if let prefix = module.variablePrefix {
            let rows = try Row.fetchAll(db, sql: "SELECT variable_name, variable_value FROM main.global_variables WHERE variable_name LIKE ?",
                                        arguments: [prefix + "%"])
            for row in rows {
                let name: String = row[0]
                let value: String = row[1] ?? ""
                guard let definition = VariableCatalog.definition(named: name), definition.name != "admin-version" else { continue }
                do {
                    candidate.variables[definition.name] = try VariableCatalog.validate(name: definition.name, value: value)
                } catch {
                    throw RuntimeValidationError("global_variables \(name): \((error as? VariableError)?.reason ?? "\(error)")")
                }
            }
        } else {
            for table in module.tables {
                candidate.tables[table] = try TableRows.read(table, schema: "main", in: db)
            }
        }
        try goLive(candidate, changed: module, as: .load(peer: peer))
        if let prefix = module.variablePrefix {
            // MEMORY shows what is live, normalised (`1` → `true`), as after ProxySQL's re-dump.
            try writeVariables(prefix: prefix, to: "main", in: db)
        }
        return .done
    }

    /// RUNTIME → MEMORY.
    func saveToMemory(_ module: AdminModule, in db: Database) throws -> AdminResult {
        if let prefix = module.variablePrefix {
            try db.execute(sql: "DELETE FROM main.global_variables WHERE variable_name LIKE ?", arguments: [prefix + "%"])
            try writeVariables(prefix: prefix, to: "main", in: db)
            return .done
        }
        for table in module.tables {
            try (runtime.renderedRows(of: table) ?? TableRows.read(table, schema: "main", in: db).emptied()).write(to: table, schema: "main", in: db)
        }
        return .done
    }

    func writeVariables(prefix: String, to schema: String, in db: Database) throws {
        let insert = try db.makeStatement(sql: "INSERT OR REPLACE INTO \(schema).global_variables VALUES (?, ?)")
        for (name, value) in runtime.variables.sorted(by: { $0.key < $1.key }) where name.hasPrefix(prefix) {
            try insert.execute(arguments: [name, value])
        }
    }

    /// Re-renders every `runtime_*` table whose name the statement mentions (admin-schema.md §1).
    func refreshRuntimeTables(mentionedIn sql: String, in db: Database) throws {
        guard sql.containsASCIICaseInsensitive("runtime_") else { return }
        for definition in AdminTableCatalog.tables(in: .main) {
            guard let source = definition.configTableName, sql.containsASCIICaseInsensitive(definition.name) else { continue }
            switch source {
            case "global_variables":
                try db.execute(sql: "DELETE FROM main.runtime_global_variables")
                let insert = try db.makeStatement(sql: "INSERT INTO main.runtime_global_variables VALUES (?, ?)")
                for (name, value) in runtime.variables.sorted(by: { $0.key < $1.key }) {
                    try insert.execute(arguments: [name, value])
                }
            case "checksums_values":
                try checksums.tableRows.write(to: definition.name, schema: "main", in: db)
            default:
                let rows = try runtime.renderedRows(of: source) ?? TableRows.read(source, schema: "main", in: db).emptied()
                try rows.write(to: definition.name, schema: "main", in: db)
            }
        }
    }
}

extension TableRows {
    func emptied() -> TableRows { TableRows(columns: columns, rows: []) }
}
