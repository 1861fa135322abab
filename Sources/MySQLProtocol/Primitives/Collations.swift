/// Collation ids of the handshake and their `SET NAMES` spelling, for the ids clients commonly send.
///
/// Junction needs the names only to restore a pooled backend connection's character set after a
/// session changed it; for an id not listed here such a connection is closed instead of reused.
public enum Collations {
    public struct Entry: Sendable, Equatable {
        public let characterSet: String
        public let collation: String
    }

    public static func entry(for id: UInt8) -> Entry? { table[id] }

    /// Every known collation, by id.
    public static var all: [(id: UInt8, entry: Entry)] {
        table.sorted { $0.key < $1.key }.map { (id: $0.key, entry: $0.value) }
    }

    /// The `SET NAMES` statement that restores collation `id`, if known.
    public static func setNamesStatement(for id: UInt8) -> String? {
        guard let e = table[id] else { return nil }
        return "SET NAMES \(e.characterSet) COLLATE \(e.collation)"
    }

    private static let table: [UInt8: Entry] = [
        8: Entry(characterSet: "latin1", collation: "latin1_swedish_ci"),
        11: Entry(characterSet: "ascii", collation: "ascii_general_ci"),
        28: Entry(characterSet: "gbk", collation: "gbk_chinese_ci"),
        33: Entry(characterSet: "utf8mb3", collation: "utf8mb3_general_ci"),
        45: Entry(characterSet: "utf8mb4", collation: "utf8mb4_general_ci"),
        46: Entry(characterSet: "utf8mb4", collation: "utf8mb4_bin"),
        47: Entry(characterSet: "latin1", collation: "latin1_bin"),
        48: Entry(characterSet: "latin1", collation: "latin1_general_ci"),
        63: Entry(characterSet: "binary", collation: "binary"),
        83: Entry(characterSet: "utf8mb3", collation: "utf8mb3_bin"),
        192: Entry(characterSet: "utf8mb3", collation: "utf8mb3_unicode_ci"),
        224: Entry(characterSet: "utf8mb4", collation: "utf8mb4_unicode_ci"),
        255: Entry(characterSet: "utf8mb4", collation: "utf8mb4_0900_ai_ci"),
    ]
}
