extension JunctionConfigFile {
    /// A `<module>_variables = { name = value ... }` group as (short name, text) pairs.
    ///
    /// Values of known variables are validated here, so that a bad value is reported with its line instead of being
    /// reset at `LOAD ... TO RUNTIME`; they are kept as written (only booleans become `true`/`false`), as ProxySQL
    /// stores them in MEMORY. Unknown names pass through; the read-only `admin-version` is not checked, because
    /// files written by `SAVE CONFIG TO FILE` contain the writer's version.
    static func variables(of section: ConfigSetting, module: String) throws -> [(name: String, value: String)] {
        guard case .group(let group) = section.value else {
            throw ConfigFileError(fileName: section.fileName, line: section.line, keyPath: section.name,
                                  message: "expected a group '{ name = value ... }', got \(section.value.typeDescription)")
        }
        return try group.settings.map { variable in
            func failure(_ message: String) -> ConfigFileError {
                ConfigFileError(fileName: variable.fileName, line: variable.line,
                                keyPath: "\(section.name).\(variable.name)", message: message)
            }
            let text: String
            switch variable.value {
            case .bool(let value): text = value ? "true" : "false"
            case .int(let value): text = String(value)
            case .float(let value): text = String(value)
            case .string(let value): text = value
            case .array, .list, .group:
                throw failure("expected a boolean, an integer or a string, got \(variable.value.typeDescription)")
            }
            if let definition = VariableCatalog.definition(named: "\(module)-\(variable.name)"), definition.kind != .readOnly {
                do {
                    _ = try VariableCatalog.validate(name: definition.name, value: text)
                } catch let error as VariableError {
                    throw failure("invalid value '\(text)': \(error.reason)")
                }
            }
            return (variable.name, text)
        }
    }
}
