/// The full set of one module's variables: defaults overlaid with given values, each validated by the catalog.
///
/// `MySQLVariables` and `AdminVariables` read their typed properties from it; the values are already normalised,
/// so the typed reads cannot fail (they fall back to 0/false/"" only if the catalog and a property disagree).
struct ResolvedVariables: Sendable, Equatable {
    let values: [String: String]

    /// `given` may use full names (`mysql-threads`) or short ones (`threads`), in any case.
    init(module: String, given: [String: String]) throws {
        var values = VariableCatalog.defaults(module: module)
        let prefix = module + "-"
        for (key, value) in given {
            let name = key.lowercased().hasPrefix(prefix) ? key : prefix + key
            guard let definition = VariableCatalog.definition(named: name), definition.module == module else {
                throw VariableError.unknownVariable(key)
            }
            values[definition.name] = try VariableCatalog.validate(name: definition.name, value: value)
        }
        self.values = values
    }

    func string(_ name: String) -> String {
        values[name] ?? ""
    }

    func int(_ name: String) -> Int {
        Int(string(name)) ?? 0
    }

    func bool(_ name: String) -> Bool {
        string(name) == "true"
    }

    /// The value split on `separator`, pieces trimmed, empty pieces dropped.
    func list(_ name: String, separator: Character) -> [String] {
        string(name).split(separator: separator).map { String($0).trimmingBlanks() }.filter { !$0.isEmpty }
    }
}
