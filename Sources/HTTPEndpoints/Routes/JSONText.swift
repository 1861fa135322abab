/// A small JSON value with its members in order (columns stay in the order the table has them).
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.text == rhs.text
    }

    public init(_ cell: Cell) {
        switch cell {
        case .null: self = .null
        case .integer(let value): self = .number(Double(value))
        case .real(let value): self = .number(value)
        case .text(let text): self = .string(text)
        }
    }

    /// A table as an array of objects, one per row, keyed by column name.
    public static func rows(_ table: ResultTable) -> JSONValue {
        .array(table.rows.map { row in .object(zip(table.columns, row).map { ($0, JSONValue($1)) }) })
    }

    public var text: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let value):
            if value.isNaN || value.isInfinite {
                out += "null"
            } else if value == value.rounded(), abs(value) < 9e15 {
                out += String(Int64(value))
            } else {
                out += String(value)
            }
        case .string(let text): JSONValue.writeString(text, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                JSONValue.writeString(member.0, into: &out)
                out += ":"
                member.1.write(into: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // "<" escaped too, so JSON placed inside the dashboard's HTML can never close its script element.
            case "<": out += "\\u003c"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
