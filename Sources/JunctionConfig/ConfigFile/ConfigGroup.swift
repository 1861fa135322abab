/// A `{ ... }` group, or the whole file: settings in the order they were written, names unique and case-sensitive.
public struct ConfigGroup: Sendable, Equatable {
    public var settings: [ConfigSetting]
    /// 1-based line of the opening `{` (1 for the file itself).
    public var line: Int
    /// The file the group was written in.
    public var fileName: String

    public init(settings: [ConfigSetting] = [], line: Int = 1, fileName: String = "") {
        self.settings = settings
        self.line = line
        self.fileName = fileName
    }

    /// The value of the setting called `name`, if any.
    public subscript(name: String) -> ConfigValue? {
        setting(named: name)?.value
    }

    public func setting(named name: String) -> ConfigSetting? {
        settings.first { $0.name == name }
    }

    public var names: [String] { settings.map(\.name) }
    public var count: Int { settings.count }
    public var isEmpty: Bool { settings.isEmpty }

    /// Groups are equal when their settings are, in order; positions do not matter.
    public static func == (lhs: ConfigGroup, rhs: ConfigGroup) -> Bool {
        lhs.settings == rhs.settings
    }
}
