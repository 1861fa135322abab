import Foundation
import GRDB

/// Runs SQL text as SQLite would and turns the outcome into an `AdminResult`.
enum SQLiteRunner {
    /// Runs every statement of `sql`; the answer is the last statement's (rows, or OK with its changes).
    static func run(_ sql: String, in db: Database) -> AdminResult {
        do {
            var result = AdminResult.done
            let statements = try db.allStatements(sql: sql)
            var ranAny = false
            while let statement = try statements.next() {
                ranAny = true
                if let refusal = SchemaGuard.refusal(of: statement.sql) { return .error(refusal) }
                result = try run(statement, in: db)
            }
            return ranAny ? result : .error(AdminError.admin("not an error: empty statement"))
        } catch let error as DatabaseError {
            return .error(translate(error))
        } catch {
            return .error(AdminError.admin("\(error)"))
        }
    }

    static func run(_ statement: Statement, in db: Database) throws -> AdminResult {
        if statement.columnCount > 0 {
            let columns = statement.columnNames
            var rows: [[String?]] = []
            let cursor = try Row.fetchCursor(statement)
            while let row = try cursor.next() {
                rows.append(row.databaseValues.map(text))
            }
            return .rows(columns: columns, rows: rows)
        }
        try statement.execute()
        return .ok(affectedRows: db.changesCount)
    }

    /// Rows of a query whose SQL Junction wrote itself.
    static func query(_ sql: String, arguments: StatementArguments = [], in db: Database) throws -> AdminResult {
        let statement = try db.makeStatement(sql: sql)
        statement.arguments = arguments
        return try run(statement, in: db)
    }

    /// SQL NULL → nil; numbers and text as SQLite prints them.
    static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: return nil
        case .int64(let int): return String(int)
        case .double(let double):
            if double == double.rounded(), abs(double) < 1e15 { return String(format: "%.1f", double) }
            return String(double)
        case .string(let string): return string
        case .blob(let data): return String(decoding: data, as: UTF8.self)
        }
    }

    /// SQLite's message under the admin prefix; "database is locked" keeps MySQL's lock-timeout code.
    static func translate(_ error: DatabaseError) -> AdminError {
        let message = error.message ?? "\(error.resultCode)"
        if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return AdminError("Junction Admin Error: " + message, code: 1205, sqlState: "HY000")
        }
        return AdminError.admin(message)
    }
}
