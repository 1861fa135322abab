import Foundation
import GRDB
import JunctionConfig
import MySQLProtocol

/// The admin's SQLite databases (admin-schema.md §1), through GRDB.
///
/// Two connections share the in-memory `stats` and `monitor` databases (SQLite shared cache):
/// - `admin`: `main` in memory (MEMORY layer and `runtime_*`), `disk` = `<datadir>/junction.db`,
///   `stats`, `monitor`, `stats_history` = `<datadir>/junction_stats.db`;
/// - `statsOnly`: `stats` as its `main`, with `monitor` and `stats_history`, read-only — what stats users see.
///
/// Not thread-safe by design: every admin statement runs on the admin's one executor (one statement at a
/// time across all admin sessions, as ProxySQL serialises them), which also keeps shared-cache locks from
/// ever conflicting.
public final class AdminDatabase {
    public let diskPath: String
    public let statsHistoryPath: String
    let admin: DatabaseQueue
    let statsOnly: DatabaseQueue

    /// Opens (creating if needed) the databases under `datadir`.
    /// - Throws: `AdminError` when a file cannot be opened or a table cannot be created.
    public init(datadir: String) throws {
        let diskPath = (datadir as NSString).appendingPathComponent("junction.db")
        let statsHistoryPath = (datadir as NSString).appendingPathComponent("junction_stats.db")
        self.diskPath = diskPath
        self.statsHistoryPath = statsHistoryPath
        let unique = UUID().uuidString
        let statsURI = "file:junction-stats-\(unique)?mode=memory&cache=shared"
        let monitorURI = "file:junction-monitor-\(unique)?mode=memory&cache=shared"
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        // ProxySQL's admin accepts "text" as a string (the tutorial inserts comments that way).
        configuration.acceptsDoubleQuotedStringLiterals = true
        do {
            let admin = try DatabaseQueue(configuration: configuration)
            self.admin = admin
            try admin.inDatabase { db in
                try db.execute(sql: "ATTACH DATABASE ? AS disk", arguments: [diskPath])
                try db.execute(sql: "ATTACH DATABASE ? AS stats", arguments: [statsURI])
                try db.execute(sql: "ATTACH DATABASE ? AS monitor", arguments: [monitorURI])
                try db.execute(sql: "ATTACH DATABASE ? AS stats_history", arguments: [statsHistoryPath])
                try Self.createTables(db)
            }
            let statsOnly = try DatabaseQueue(path: statsURI, configuration: configuration)
            self.statsOnly = statsOnly
            try statsOnly.inDatabase { db in
                try db.execute(sql: "ATTACH DATABASE ? AS monitor", arguments: [monitorURI])
                try db.execute(sql: "ATTACH DATABASE ? AS stats_history", arguments: [statsHistoryPath])
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS global_variables (variable_name VARCHAR NOT NULL PRIMARY KEY , variable_value VARCHAR NOT NULL)")
                try db.execute(sql: "INSERT OR REPLACE INTO global_variables VALUES ('mysql-max_allowed_packet', '4194304')")
                try db.execute(sql: "PRAGMA query_only = ON")
            }
        } catch let error as DatabaseError {
            throw AdminError.admin("cannot open the admin databases in \(datadir): \(error.message ?? "\(error)")")
        }
    }

    private static func createTables(_ db: Database) throws {
        for schema in AdminSchemaName.allCases {
            for table in AdminTableCatalog.tables(in: schema) {
                let exists = try Bool.fetchOne(db, sql: "SELECT count(*) > 0 FROM \(schema.rawValue).sqlite_master WHERE type = 'table' AND name = ?",
                                               arguments: [table.name]) ?? false
                guard !exists else { continue }
                let qualified = table.createSQL.replacingFirst("CREATE TABLE ", with: "CREATE TABLE \(schema.rawValue).")
                try db.execute(sql: qualified)
            }
        }
        for (schema, sql) in AdminTableCatalog.indexes {
            try db.execute(sql: sql.replacingFirst("IF NOT EXISTS ", with: "IF NOT EXISTS \(schema.rawValue)."))
        }
        try fillCollations(db)
    }

    private static func fillCollations(_ db: Database) throws {
        for schema in ["main", "disk"] {
            try db.execute(sql: "DELETE FROM \(schema).mysql_collations")
            for (id, entry) in Collations.all {
                let isDefault = entry.collation == entry.characterSet + "_general_ci" || entry.collation == "latin1_swedish_ci"
                    || entry.collation == "binary"
                try db.execute(sql: "INSERT INTO \(schema).mysql_collations VALUES (?, ?, ?, ?)",
                               arguments: [Int(id), entry.collation, entry.characterSet, isDefault ? "Yes" : ""])
            }
        }
    }

    // MARK: Access for the executor

    /// Runs `body` on the admin connection.
    func withAdmin<T>(_ body: (Database) throws -> T) throws -> T {
        try admin.inDatabase { try Self.closingTransactions(body, in: $0) }
    }

    /// Runs `body` on the read-only stats connection.
    func withStatsOnly<T>(_ body: (Database) throws -> T) throws -> T {
        try statsOnly.inDatabase { try Self.closingTransactions(body, in: $0) }
    }

    /// Every admin session, the monitor and the statistics share one SQLite connection, so a transaction may
    /// not outlive the statement text that opened it: one left open (`BEGIN TRANSACTION`, `SAVEPOINT a`, …) is
    /// rolled back and the statement refused. (GRDB traps on an access that ends inside a transaction.)
    /// `BEGIN; …; COMMIT` in one statement text works as in SQLite.
    static func closingTransactions<T>(_ body: (Database) throws -> T, in db: Database) throws -> T {
        let result: T
        do { result = try body(db) } catch {
            if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
            throw error
        }
        guard db.isInsideTransaction else { return result }
        try? db.execute(sql: "ROLLBACK")
        throw AdminError.transactionLeftOpen
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
