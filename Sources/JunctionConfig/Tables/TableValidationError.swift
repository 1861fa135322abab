/// A row breaks one of the CHECK constraints of its table's `CREATE TABLE`.
public struct TableValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The admin table, e.g. `mysql_servers`.
    public var table: String
    /// The column at fault, spelled as in the table, e.g. `port`.
    public var column: String
    /// What is wrong, without the column: `must be between 0 and 65535, got 70000`.
    public var reason: String

    public init(table: String, column: String, reason: String) {
        self.table = table
        self.column = column
        self.reason = reason
    }

    public var description: String { "\(table).\(column) \(reason)" }
}

/// The checks that CHECK constraints are made of, each throwing a `TableValidationError` for `table`.
struct RowChecker {
    let table: String

    func fail(_ column: String, _ reason: String) -> TableValidationError {
        TableValidationError(table: table, column: column, reason: reason)
    }

    func range(_ column: String, _ value: Int, _ allowed: ClosedRange<Int>) throws {
        guard allowed.contains(value) else {
            throw fail(column, "must be between \(allowed.lowerBound) and \(allowed.upperBound), got \(value)")
        }
    }

    func atLeast(_ column: String, _ value: Int, _ minimum: Int) throws {
        guard value >= minimum else { throw fail(column, "must be \(minimum) or more, got \(value)") }
    }

    func oneOf(_ column: String, _ value: Int, _ allowed: [Int]) throws {
        guard allowed.contains(value) else {
            let list = allowed.map(String.init)
            let text = list.count == 2 ? "\(list[0]) or \(list[1])" : "one of " + list.joined(separator: ", ")
            throw fail(column, "must be \(text), got \(value)")
        }
    }

    /// A 0/1 flag column: `INT CHECK (x IN (0,1))`.
    func flag(_ column: String, _ value: Int) throws {
        try oneOf(column, value, [0, 1])
    }
}
