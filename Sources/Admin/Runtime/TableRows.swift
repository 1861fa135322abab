import GRDB

/// The rows of one table as SQLite holds them, with the column names they are read by.
public struct TableRows: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[DatabaseValue]]

    public init(columns: [String], rows: [[DatabaseValue]]) {
        self.columns = columns
        self.rows = rows
    }

    /// Reads `schema.table` ordered by its first columns, so equal content gives equal rows.
    static func read(_ table: String, schema: String, in db: Database) throws -> TableRows {
        let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?, ?) ORDER BY cid", arguments: [table, schema])
        let order = (1...max(1, columns.count)).map(String.init).joined(separator: ", ")
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(schema).\(table) ORDER BY \(order)").map { Array($0.databaseValues) }
        return TableRows(columns: columns, rows: rows)
    }

    /// Replaces the content of `schema.table` with these rows.
    func write(to table: String, schema: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM \(schema).\(table)")
        guard !rows.isEmpty else { return }
        let names = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let insert = try db.makeStatement(sql: "INSERT INTO \(schema).\(table) (\(names)) VALUES (\(marks))")
        for row in rows {
            try insert.execute(arguments: StatementArguments(row))
        }
    }

    /// Each row as column name → value, for decoding into typed rows.
    var namedRows: [NamedRow] {
        let index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return rows.map { NamedRow(values: $0, index: index) }
    }
}

/// One row with access by column name.
struct NamedRow {
    let values: [DatabaseValue]
    let index: [String: Int]

    func value(_ column: String) -> DatabaseValue {
        index[column].map { values[$0] } ?? .null
    }

    /// The integer in `column`; NULL gives `fallback`. Text that is not a whole number is an error, though
    /// SQLite's type affinity lets it through some CHECKs (`'lots' >= 0` is true for SQLite).
    func int(_ column: String, default fallback: Int = 0) throws -> Int {
        switch value(column).storage {
        case .int64(let int): return Int(int)
        case .double(let double) where double == double.rounded(): return Int(double)
        case .string(let text):
            if let int = Int(text.trimmingCharacters(in: .whitespaces)) { return int }
            throw RuntimeValidationError("\(column): expected an integer, got '\(text)'")
        case .null: return fallback
        default: throw RuntimeValidationError("\(column): expected an integer")
        }
    }

    func string(_ column: String) -> String? {
        switch value(column).storage {
        case .null: return nil
        case .int64(let int): return String(int)
        case .double(let double): return String(double)
        case .string(let text): return text
        case .blob(let data): return String(decoding: data, as: UTF8.self)
        }
    }
}
