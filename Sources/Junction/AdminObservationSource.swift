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
            let needsStats = statements.contains { $0.contains("stats.") }
            return (needsStats ? self.refreshedStats() : self.loop.makeSucceededVoidFuture()).flatMapThrowing {
                try executor.withObservedTables(mentionedIn: statements) { db in
                    try statements.map { try Self.table(sql: $0, in: db) }
                }
            }
        }.get()
    }

    /// Readers arriving while a collection runs share it, so many scrapers or open dashboards at once cost the
    /// proxy's loops one copy of their counters (no reader gets numbers older than its own arrival by more than
    /// that collection's run).
    private var refreshing: EventLoopFuture<Void>?

    private func refreshedStats() -> EventLoopFuture<Void> {
        if let refreshing { return refreshing }
        guard let source = executor.statsSource else { return loop.makeSucceededVoidFuture() }
        let refresh = source.collect(reset: []).hop(to: loop).map { [executor] tables in
            executor.storeStats(tables)
        }
        refreshing = refresh
        refresh.whenComplete { [self] _ in refreshing = nil }
        return refresh
    }

    func access() async -> HTTPAccess {
        (try? await loop.submit { [executor] in
            let variables = executor.adminVariables
            var accounts: [String: HTTPAccount] = [:]
            for credential in variables.statsCredentials {
                accounts[credential.user] = HTTPAccount(password: credential.password, role: .stats, localOnly: credential.user == "stats")
            }
            for credential in variables.adminCredentials {
                accounts[credential.user] = HTTPAccount(password: credential.password, role: .admin, localOnly: credential.user == "admin")
            }
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
