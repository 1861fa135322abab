/// Every `mysql-*` and `admin-*` global variable Junction knows, with defaults and validation (variables.md).
///
/// Names are matched case-insensitively, as ProxySQL does when loading variables to runtime; definitions carry the
/// canonical spelling (`mysql-query_cache_size_MB`).
public enum VariableCatalog {
    /// The value of the read-only `admin-version`: the ProxySQL version Junction is compatible with, then `junction`.
    public static let adminVersion = "2.7.1-junction"

    /// All definitions: the `mysql-*` ones, then the `admin-*` ones.
    public static let all: [VariableDefinition] = mysqlDefinitions + adminDefinitions

    private static let byLowercasedName: [String: VariableDefinition] = Dictionary(
        all.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first }
    )

    /// The definition of `name` (full name with prefix, any case), or nil if there is none.
    public static func definition(named name: String) -> VariableDefinition? {
        byLowercasedName[name.lowercased()]
    }

    /// The definitions of one module, `mysql` or `admin`.
    public static func definitions(module: String) -> [VariableDefinition] {
        all.filter { $0.module == module }
    }

    /// Full name → default value for every variable of one module, `mysql` or `admin`.
    public static func defaults(module: String) -> [String: String] {
        Dictionary(definitions(module: module).map { ($0.name, $0.defaultValue) }, uniquingKeysWith: { first, _ in first })
    }

    /// Checks `value` for the variable `name` and returns it normalised, as `global_variables` would show it after
    /// `LOAD ... TO RUNTIME`: booleans as `true`/`false`, integers in plain decimal, choices in their listed spelling.
    ///
    /// Stricter than ProxySQL on purpose: an integer must be a whole decimal number (ProxySQL's `atoi` turns `abc`
    /// into 0), and an unknown name is an error (ProxySQL logs and ignores it).
    /// - Throws: `VariableError`.
    public static func validate(name: String, value: String) throws -> String {
        guard let definition = definition(named: name) else { throw VariableError.unknownVariable(name) }
        let normalised = try definition.kind.normalise(value, definition: definition)
        return try VariableRules.apply(to: normalised, of: definition)
    }
}
