/// One value of a libconfig file: a scalar, an array of scalars, a list of anything, or a group of settings.
public enum ConfigValue: Sendable, Equatable {
    /// An integer; libconfig's 32-bit and 64-bit (`L` suffix) integers are both kept as `Int64`.
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    /// `[ ... ]`: scalars, all of one type.
    case array([ConfigValue])
    /// `( ... )`: values of any type, groups included.
    case list([ConfigValue])
    /// `{ ... }`: named settings.
    case group(ConfigGroup)

    /// The type with its article, for messages such as "expected an integer, got a string".
    public var typeDescription: String {
        switch self {
        case .int: return "an integer"
        case .float: return "a float"
        case .bool: return "a boolean"
        case .string: return "a string"
        case .array: return "an array"
        case .list: return "a list"
        case .group: return "a group"
        }
    }

    public var isScalar: Bool {
        switch self {
        case .int, .float, .bool, .string: return true
        case .array, .list, .group: return false
        }
    }

    public var intValue: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The number as a `Double`, for a float or an integer.
    public var doubleValue: Double? {
        switch self {
        case .float(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements of an array or a list.
    public var elements: [ConfigValue]? {
        switch self {
        case .array(let values), .list(let values): return values
        default: return nil
        }
    }

    public var groupValue: ConfigGroup? {
        if case .group(let group) = self { return group }
        return nil
    }
}
