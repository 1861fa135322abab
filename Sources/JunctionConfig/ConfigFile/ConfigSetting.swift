/// One `name = value` of a libconfig file, with the place it was written.
public struct ConfigSetting: Sendable, Equatable {
    public var name: String
    public var value: ConfigValue
    /// 1-based line of the setting's name.
    public var line: Int
    /// The file the setting was written in (differs from the main file inside an `@include`).
    public var fileName: String

    public init(name: String, value: ConfigValue, line: Int = 0, fileName: String = "") {
        self.name = name
        self.value = value
        self.line = line
        self.fileName = fileName
    }

    /// Settings are equal when their names and values are; where they were written does not matter.
    public static func == (lhs: ConfigSetting, rhs: ConfigSetting) -> Bool {
        lhs.name == rhs.name && lhs.value == rhs.value
    }
}
