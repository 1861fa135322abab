/// The checksums a cluster compares, computed as ProxySQL 2.7 computes them, so that Junction and ProxySQL nodes
/// agree on a configuration (docs/notes/cluster-checksums.md gives each rule with its source; the unit tests check
/// them against values recorded from ProxySQL 2.7.1).
///
/// Rows are given as their text (SQLite's rendering: integers in decimal), NULL as nil, already in the order and
/// with the columns the module's fetch query returns (`ClusterRowSets`).
public enum ClusterChecksum {
    /// A result set's hash: SpookyHash(19, 3) over every field's bytes in row then column order, with nothing between
    /// fields; NULL adds nothing (like ''); no rows hash to 0.
    public static func rows(_ rows: [[String?]]) -> UInt64 {
        guard !rows.isEmpty else { return 0 }
        var hasher = SpookyHash(seed1: 19, seed2: 3)
        for row in rows {
            for field in row {
                if let field { hasher.update(field) }
            }
        }
        return hasher.finalize().0
    }

    /// `mysql_query_rules`: the rules' hash plus the fast-routing map's, wrapping.
    public static func queryRules(rules: [[String?]], fastRouting: [[String?]]) -> UInt64 {
        rows(rules) &+ rows(fastRouting)
    }

    /// `mysql_servers_v2`: a hash of the seven tables' hashes (servers, then replication, group replication, Galera,
    /// Aurora hostgroups, hostgroup attributes, SSL parameters); an empty table leaves no trace, all empty is 0.
    public static func serversV2(tables: [[[String?]]]) -> UInt64 {
        var hasher: SpookyHash?
        for table in tables {
            let hash = rows(table)
            guard hash != 0 else { continue }
            if hasher == nil { hasher = SpookyHash(seed1: 19, seed2: 3) }
            hasher?.update(littleEndian: hash)
        }
        return hasher?.finalize().0 ?? 0
    }

    /// `mysql_users`, from rows of `username, password, use_ssl, default_hostgroup, default_schema, schema_locked,
    /// transaction_persistent, fast_forward, backend, frontend, max_connections, attributes, comment`: the accounts
    /// go into a backend and a frontend map keyed by a hash of the username (a later row for the same name replaces
    /// an earlier one's fields), each map is hashed in key order, and the two hashes are added.
    public static func users(_ rows: [[String?]]) -> UInt64 {
        var backends: [UInt64: Account] = [:], frontends: [UInt64: Account] = [:]
        for row in rows where row.count >= 13 {
            let account = Account(row)
            let key = SpookyHash.hash64(Array((row[0] ?? "").utf8), seed1: 1, seed2: 2)
            if row[8] == "1" { backends[key] = account }
            if row[9] == "1" { frontends[key] = account }
        }
        return accountsHash(backends) &+ accountsHash(frontends)
    }

    /// `GLOBAL_CHECKSUM()`: SpookyHash(9, 5) over each loaded module's checksum text and version (8 bytes), in
    /// `RuntimeChecksums.moduleNames` order, halved.
    public static func global(_ modules: [(checksum: String, version: Int)]) -> UInt64 {
        var hasher = SpookyHash(seed1: 9, seed2: 5)
        for module in modules where module.version != 0 {
            hasher.update(module.checksum)
            hasher.update(littleEndian: UInt64(truncatingIfNeeded: module.version))
        }
        return hasher.finalize().0 >> 1
    }

    /// `0x` + the low then the high 32 bits in upper-case hex, each unpadded, then right-padded with '0' to 18
    /// characters (so different values can render alike: peers compare these strings).
    public static func render(_ value: UInt64) -> String {
        let low = UInt32(truncatingIfNeeded: value), high = UInt32(truncatingIfNeeded: value >> 32)
        let text = "0x" + String(low, radix: 16, uppercase: true) + String(high, radix: 16, uppercase: true)
        return text + String(repeating: "0", count: max(0, 18 - text.count))
    }

    struct Account {
        var useSSL: Bool, defaultHostgroup: Int32, schemaLocked: Bool, transactionPersistent: Bool, fastForward: Bool
        var maxConnections: Int32
        var username: String, password: String, defaultSchema: String, comment: String, attributes: String

        init(_ row: [String?]) {
            useSSL = row[2] == "1"
            defaultHostgroup = Self.leadingInteger(row[3])
            defaultSchema = row[4] ?? ""
            schemaLocked = row[5] == "1"
            transactionPersistent = row[6] == "1"
            fastForward = row[7] == "1"
            maxConnections = max(0, Self.leadingInteger(row[10]))
            username = row[0] ?? ""
            password = row[1] ?? ""
            attributes = row[11] ?? ""
            comment = row[12] ?? ""
        }

        /// C's `atoi`: optional sign, then the leading digits; anything else is 0.
        static func leadingInteger(_ text: String?) -> Int32 {
            var digits = Substring((text ?? "").drop { $0 == " " })
            var sign: Int64 = 1
            if let first = digits.first, first == "-" || first == "+" {
                sign = first == "-" ? -1 : 1
                digits = digits.dropFirst()
            }
            let number = digits.prefix { $0.isASCII && $0.isNumber }.prefix(18)
            return Int32(truncatingIfNeeded: sign * (Int64(number) ?? 0))
        }
    }

    private static func accountsHash(_ accounts: [UInt64: Account]) -> UInt64 {
        var hasher = SpookyHash(seed1: 13, seed2: 4)
        var hashedAny = false
        for key in accounts.keys.sorted() {
            let a = accounts[key]!
            guard a.defaultHostgroup >= 0 else { continue }
            hashedAny = true
            hasher.update(littleEndian: UInt8(a.useSSL ? 1 : 0))
            hasher.update(littleEndian: a.defaultHostgroup)
            hasher.update(littleEndian: UInt8(a.schemaLocked ? 1 : 0))
            hasher.update(littleEndian: UInt8(a.transactionPersistent ? 1 : 0))
            hasher.update(littleEndian: UInt8(a.fastForward ? 1 : 0))
            hasher.update(littleEndian: a.maxConnections)
            for text in [a.username, a.password, a.defaultSchema, a.comment, a.attributes] { hasher.update(text) }
        }
        return hashedAny ? hasher.finalize().0 : 0
    }
}
