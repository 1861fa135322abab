/// A global variable name or value that `VariableCatalog` rejects.
public enum VariableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `mysql-*` or `admin-*` variable has this name.
    case unknownVariable(String)
    /// The value does not fit the variable; `reason` says what would (`must be between 1 and 255`).
    case invalidValue(name: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .unknownVariable(let name):
            return "unknown variable '\(name)'"
        case .invalidValue(let name, let value, let reason):
            return "invalid value '\(value)' for \(name): \(reason)"
        }
    }

    /// What is wrong, without naming the variable (for messages that already name it).
    public var reason: String {
        switch self {
        case .unknownVariable: return "unknown variable"
        case .invalidValue(_, _, let reason): return reason
        }
    }
}
