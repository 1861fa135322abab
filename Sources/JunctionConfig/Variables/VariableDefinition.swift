/// One global variable of `global_variables`: its full name, default and accepted values.
public struct VariableDefinition: Sendable, Equatable {
    /// Full name with its module prefix, spelled as ProxySQL does: `mysql-connect_timeout_server_max`.
    public var name: String
    /// The default as `global_variables` shows it (booleans as `true`/`false`).
    public var defaultValue: String
    public var kind: VariableKind
    /// True for the variables read only at startup (`mysql-threads`, `mysql-interfaces`, `mysql-stacksize`).
    public var needsRestart: Bool

    public init(name: String, defaultValue: String, kind: VariableKind, needsRestart: Bool = false) {
        self.name = name
        self.defaultValue = defaultValue
        self.kind = kind
        self.needsRestart = needsRestart
    }

    /// The module prefix without its dash: `mysql` or `admin`.
    public var module: String {
        String(name.prefix { $0 != "-" })
    }

    /// The name without the module prefix, as written in the config file: `connect_timeout_server_max`.
    public var shortName: String {
        guard let dash = name.firstIndex(of: "-") else { return name }
        return String(name[name.index(after: dash)...])
    }
}

// Compact constructors for the catalog tables.
extension VariableDefinition {
    static func bool(_ name: String, _ value: Bool, needsRestart: Bool = false) -> Self {
        Self(name: name, defaultValue: value ? "true" : "false", kind: .bool, needsRestart: needsRestart)
    }

    static func int(_ name: String, _ value: Int64, _ range: ClosedRange<Int64>, needsRestart: Bool = false) -> Self {
        Self(name: name, defaultValue: String(value), kind: .int(range), needsRestart: needsRestart)
    }

    static func roundedInt(_ name: String, _ value: Int64, _ range: ClosedRange<Int64>) -> Self {
        Self(name: name, defaultValue: String(value), kind: .roundedInt(range))
    }

    static func string(_ name: String, _ value: String, needsRestart: Bool = false) -> Self {
        Self(name: name, defaultValue: value, kind: .string, needsRestart: needsRestart)
    }

    static func nonEmptyString(_ name: String, _ value: String, needsRestart: Bool = false) -> Self {
        Self(name: name, defaultValue: value, kind: .nonEmptyString, needsRestart: needsRestart)
    }

    static func choice(_ name: String, _ value: String, _ options: [String]) -> Self {
        Self(name: name, defaultValue: value, kind: .choice(options))
    }

    static func credentials(_ name: String, _ value: String) -> Self {
        Self(name: name, defaultValue: value, kind: .credentials)
    }

    static func readOnly(_ name: String, _ value: String) -> Self {
        Self(name: name, defaultValue: value, kind: .readOnly)
    }
}
