/// Reads the keys of one table entry `{ ... }` of the config file and turns every problem into a `ConfigFileError`
/// naming the entry (`mysql_servers[1]`), the key and its line.
///
/// Missing keys take the caller's default. Where ProxySQL would skip the entry or ignore a value of the wrong type,
/// this throws: a config file that loads is one that means what it says.
struct ConfigEntryReader {
    let group: ConfigGroup
    /// Where the entry is, e.g. `mysql_servers[1]` (0-based, like libconfig's own paths).
    let path: String

    /// The entries of a table section, which must be a list of groups (an empty `[]` counts as an empty list).
    static func entries(of section: ConfigSetting) throws -> [ConfigEntryReader] {
        let elements: [ConfigValue]
        switch section.value {
        case .list(let values): elements = values
        case .array(let values) where values.isEmpty: elements = []
        default:
            throw ConfigFileError(fileName: section.fileName, line: section.line, keyPath: section.name,
                                  message: "expected a list of groups '( { ... }, ... )', got \(section.value.typeDescription)")
        }
        return try elements.enumerated().map { index, element in
            let path = "\(section.name)[\(index)]"
            guard case .group(let group) = element else {
                throw ConfigFileError(fileName: section.fileName, line: section.line, keyPath: path,
                                      message: "expected a group '{ ... }', got \(element.typeDescription)")
            }
            return ConfigEntryReader(group: group, path: path)
        }
    }

    /// An error at `key` (its line if the entry has it, else the entry's opening line).
    func error(_ message: String, key: String? = nil) -> ConfigFileError {
        let setting = key.flatMap { group.setting(named: $0) }
        return ConfigFileError(fileName: setting?.fileName ?? group.fileName, line: setting?.line ?? group.line,
                               keyPath: key.map { "\(path).\($0)" } ?? path, message: message)
    }

    // MARK: - Typed keys; several names are aliases of one key (`address` / `hostname`)

    func int(_ names: String..., default value: Int) throws -> Int {
        try optionalInt(names) ?? value
    }

    func requiredInt(_ names: String...) throws -> Int {
        guard let value = try optionalInt(names) else { throw missing(names) }
        return value
    }

    func string(_ names: String..., default value: String) throws -> String {
        try optionalString(names) ?? value
    }

    func requiredString(_ names: String...) throws -> String {
        guard let value = try optionalString(names) else { throw missing(names) }
        return value
    }

    /// Runs a row's `validate()` and reports a broken CHECK at the key written for that column; `aliases` maps a
    /// column to its config keys where they differ (`hostgroup_id` → `hostgroup`, `hostgroup_id`).
    func validate(_ validation: () throws -> Void, aliases: [String: [String]] = [:]) throws {
        do {
            try validation()
        } catch let failure as TableValidationError {
            let keys = aliases[failure.column] ?? [failure.column]
            throw error(failure.reason, key: keys.first { group.setting(named: $0) != nil } ?? keys[0])
        }
    }

    // MARK: - Helpers

    private func optionalInt(_ names: [String]) throws -> Int? {
        guard let setting = try presentSetting(names) else { return nil }
        guard case .int(let value) = setting.value else {
            throw error("expected an integer, got \(setting.value.typeDescription)", key: setting.name)
        }
        guard let int = Int(exactly: value) else { throw error("integer out of range", key: setting.name) }
        return int
    }

    private func optionalString(_ names: [String]) throws -> String? {
        guard let setting = try presentSetting(names) else { return nil }
        guard case .string(let value) = setting.value else {
            throw error("expected a string, got \(setting.value.typeDescription)", key: setting.name)
        }
        return value
    }

    /// The setting for one of the alias `names`; giving two aliases at once is an error.
    private func presentSetting(_ names: [String]) throws -> ConfigSetting? {
        let present = names.compactMap { group.setting(named: $0) }
        if present.count > 1 {
            throw error("give only one of " + present.map { "'\($0.name)'" }.joined(separator: " and "), key: present[1].name)
        }
        return present.first
    }

    private func missing(_ names: [String]) -> ConfigFileError {
        let alternatives = names.dropFirst().map { " (or '\($0)')" }.joined()
        return error("missing required key '\(names[0])'\(alternatives)")
    }
}
