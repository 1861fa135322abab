import Admin
import GRDB
import HTTPEndpoints
import JunctionConfig
import NIOCore

/// What the HTTP endpoints read, through the admin on its loop: the stats tables are refreshed from the proxy's
/// merged counters (as for an admin SELECT), then Junction's statements run on the admin database.
final class AdminObservationSource: ObservationSource, @unchecked Sendable {
    // Used only on `loop`, like the executor itself.
    private let executor: AdminExecutor
    private let loop: EventLoop

    init(executor: AdminExecutor, loop: EventLoop) {
        self.executor = executor
        self.loop = loop
    }

    func read(_ statements: [String]) async throws -> [ResultTable] {
        try await loop.flatSubmit { [executor] () -> EventLoopFuture<[ResultTable]> in
            let refreshed: EventLoopFuture<Void>
            if let source = executor.statsSource, statements.contains(where: { $0.contains("stats.") }) {
                refreshed = source.collect(reset: []).hop(to: self.loop).map { executor.storeStats($0) }
            } else {
                refreshed = self.loop.makeSucceededVoidFuture()
            }
            return refreshed.flatMapThrowing {
                try executor.withObservedTables(mentionedIn: statements) { db in
                    try statements.map { try Self.table(sql: $0, in: db) }
                }
            }
        }.get()
    }

    func access() async -> HTTPAccess {
        (try? await loop.submit { [executor] in
            let variables = executor.adminVariables
            var accounts: [String: String] = [:]
            for credential in variables.statsCredentials + variables.adminCredentials { accounts[credential.user] = credential.password }
            let routes = executor.restAPIRoutes.map {
                RestRoute(id: $0.id, method: $0.method, uri: $0.uri, script: $0.script, timeoutMs: $0.timeoutMs)
            }
            return HTTPAccess(accounts: accounts, routes: routes, version: executor.version)
        }.get()) ?? HTTPAccess(accounts: [:], routes: [], version: "")
    }

    private static func table(sql: String, in db: Database) throws -> ResultTable {
        let statement = try db.makeStatement(sql: sql)
        let rows = try Row.fetchAll(statement).map { row in Array(row.databaseValues.map(cell)) }
        return ResultTable(columns: statement.columnNames, rows: rows)
    }

    private static func cell(_ value: DatabaseValue) -> Cell {
        switch value.storage {
        case .null: return .null
        case .int64(let int): return .integer(int)
        case .double(let double): return .real(double)
        case .string(let string): return .text(string)
        case .blob(let data): return .text(String(decoding: data, as: UTF8.self))
        }
    }
}

extension HTTPEndpointSettings {
    /// The listeners the admin variables ask for.
    init(_ variables: AdminVariables) {
        self.init(restAPIPort: variables["admin-restapi_enabled"] == "true" ? Int(variables["admin-restapi_port"] ?? "") : nil,
                  dashboardPort: variables["admin-web_enabled"] == "true" ? Int(variables["admin-web_port"] ?? "") : nil)
    }
}
