/// A value of a stats row, typed as SQLite stored it, so JSON keeps numbers as numbers.
public enum Cell: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var number: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .real(let value): return value
        case .text(let text): return Double(text)
        case .null: return nil
        }
    }

    public var string: String? {
        switch self {
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .text(let text): return text
        case .null: return nil
        }
    }
}

/// The answer to one read-only statement over the admin's tables.
public struct ResultTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[Cell]]

    public init(columns: [String], rows: [[Cell]]) {
        self.columns = columns
        self.rows = rows
    }

    public static let empty = ResultTable(columns: [], rows: [])

    /// Each row by column name (case-insensitive lookups go through `value`).
    public var records: [Record] {
        let index = Dictionary(columns.enumerated().map { ($1.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        return rows.map { Record(index: index, cells: $0) }
    }

    public struct Record: Sendable {
        let index: [String: Int]
        let cells: [Cell]

        public subscript(_ column: String) -> Cell {
            guard let position = index[column.lowercased()], position < cells.count else { return .null }
            return cells[position]
        }

        public func number(_ column: String) -> Double { self[column].number ?? 0 }
        public func text(_ column: String) -> String { self[column].string ?? "" }
    }
}

/// An account of `admin-admin_credentials` or `admin-stats_credentials`, as the HTTP side checks it.
public struct HTTPAccount: Sendable, Equatable {
    public enum Role: Sendable, Equatable {
        /// May also run `/sync` scripts.
        case admin
        /// Reads only.
        case stats
    }

    public var password: String
    public var role: Role
    /// The built-in `admin` and `stats` accounts, accepted from loopback addresses only (as on the admin port).
    public var localOnly: Bool

    public init(password: String, role: Role, localOnly: Bool) {
        self.password = password
        self.role = role
        self.localOnly = localOnly
    }
}

/// Who may use the authenticated endpoints, and the REST routes to serve, as the runtime has them now.
public struct HTTPAccess: Sendable {
    /// By user name.
    public var accounts: [String: HTTPAccount]
    /// Active rows of `runtime_restapi_routes`.
    public var routes: [RestRoute]
    /// The version the admin reports.
    public var version: String

    public init(accounts: [String: HTTPAccount], routes: [RestRoute], version: String) {
        self.accounts = accounts
        self.routes = routes
        self.version = version
    }
}

/// One row of `runtime_restapi_routes`: `/sync/<uri>` runs `script`.
public struct RestRoute: Sendable, Equatable {
    public var id: Int
    public var method: String
    public var uri: String
    public var script: String
    public var timeoutMs: Int

    public init(id: Int, method: String, uri: String, script: String, timeoutMs: Int) {
        self.id = id
        self.method = method
        self.uri = uri
        self.script = script
        self.timeoutMs = timeoutMs
    }
}

/// What the HTTP side reads Junction through. Junction's app implements it over the admin (on the admin's loop).
public protocol ObservationSource: Sendable {
    /// Refreshes the stats tables from the proxy's counters once, then answers each statement in order.
    func read(_ statements: [String]) async throws -> [ResultTable]
    func access() async -> HTTPAccess
}
