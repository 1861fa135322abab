/// What values a global variable accepts, and so how `VariableCatalog.validate` normalises them.
public enum VariableKind: Sendable, Equatable {
    /// `true`/`false`/`1`/`0`, any case; shown as `true`/`false`.
    case bool
    /// A decimal integer within the range.
    case int(ClosedRange<Int64>)
    /// A decimal integer within the range, then snapped up to the next of 0, 1, 5, 10, 30, 60, 120, 300, 600 seconds.
    case roundedInt(ClosedRange<Int64>)
    /// Any text, the empty string included.
    case string
    /// Any text but the empty string.
    case nonEmptyString
    /// One of the listed words, matched case-insensitively and shown as listed.
    case choice([String])
    /// `user:password[;user:password...]`, not empty.
    case credentials
    /// Fixed by Junction; only the current value is accepted.
    case readOnly
}
