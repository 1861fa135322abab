import GRDB
import JunctionConfig

extension AdminExecutor {
    /// Runs Junction's own read-only statements (the HTTP endpoints') on the admin database, after rendering the
    /// `runtime_*` tables they name. Call on the admin's loop, after `storeStats` when they read stats tables.
    public func withObservedTables<T>(mentionedIn statements: [String], _ body: (Database) throws -> T) throws -> T {
        try database.withAdmin { db in
            for statement in statements { try refreshRuntimeTables(mentionedIn: statement, in: db) }
            return try body(db)
        }
    }

    /// The active `runtime_restapi_routes` rows: (id, method, uri, script, timeout_ms).
    public var restAPIRoutes: [(id: Int, method: String, uri: String, script: String, timeoutMs: Int)] {
        guard let table = runtime.tables["restapi_routes"] else { return [] }
        let index = Dictionary(table.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        func value(_ row: [DatabaseValue], _ column: String) -> DatabaseValue { index[column].map { row[$0] } ?? .null }
        return table.rows.compactMap { row in
            guard Int.fromDatabaseValue(value(row, "active")) == 1,
                  let method = String.fromDatabaseValue(value(row, "method")),
                  let uri = String.fromDatabaseValue(value(row, "uri")),
                  let script = String.fromDatabaseValue(value(row, "script")) else { return nil }
            return (Int.fromDatabaseValue(value(row, "id")) ?? 0, method.uppercased(), uri, script,
                    Int.fromDatabaseValue(value(row, "timeout_ms")) ?? 1_000)
        }
    }
}
