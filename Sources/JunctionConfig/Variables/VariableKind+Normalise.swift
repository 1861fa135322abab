extension VariableKind {
    /// The snapping points of `roundedInt` variables (seconds between stats samples).
    static let roundingSteps: [Int64] = [0, 1, 5, 10, 30, 60, 120, 300, 600]

    /// `value` checked against this kind and normalised; throws `VariableError.invalidValue` naming `definition`.
    func normalise(_ value: String, definition: VariableDefinition) throws -> String {
        func invalid(_ reason: String) -> VariableError {
            .invalidValue(name: definition.name, value: value, reason: reason)
        }
        switch self {
        case .bool:
            switch value.trimmingBlanks().lowercased() {
            case "true", "1": return "true"
            case "false", "0": return "false"
            default: throw invalid("expected true, false, 1 or 0")
            }
        case .int(let range), .roundedInt(let range):
            guard let number = Int64(value.trimmingBlanks()) else { throw invalid("expected an integer") }
            guard range.contains(number) else {
                throw invalid("must be between \(range.lowerBound) and \(range.upperBound)")
            }
            guard case .roundedInt = self else { return String(number) }
            return String(Self.roundingSteps.first { $0 >= number } ?? number)
        case .string:
            return value
        case .nonEmptyString:
            guard !value.isEmpty else { throw invalid("must not be empty") }
            return value
        case .choice(let options):
            guard let option = options.first(where: { $0.lowercased() == value.trimmingBlanks().lowercased() }) else {
                throw invalid("must be one of " + options.joined(separator: ", "))
            }
            return option
        case .credentials:
            guard AdminCredential.parseList(value) != nil else {
                throw invalid("expected user:password pairs separated by ';'")
            }
            return value
        case .readOnly:
            guard value == definition.defaultValue else { throw invalid("is read-only") }
            return value
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    func trimmingBlanks() -> String {
        let blanks: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
        guard let first = firstIndex(where: { !blanks.contains($0) }),
              let last = lastIndex(where: { !blanks.contains($0) }) else { return "" }
        return String(self[first...last])
    }
}
