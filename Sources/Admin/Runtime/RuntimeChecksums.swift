import Foundation
import GRDB

/// Version, epoch and checksum of every synchronised module (`runtime_checksums_values`, cluster.md §2).
///
/// The checksum is a 64-bit FNV-1a hash over every field of the module's runtime rows in key order
/// (NULL hashed as empty, each field length-prefixed so that field boundaries count). Junction peers
/// only need the same function on every node, which this is.
public struct RuntimeChecksums: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var version: Int
        public var epoch: Int
        public var checksum: String
    }

    public static let moduleNames = [
        "admin_variables", "mysql_query_rules", "mysql_servers", "mysql_servers_v2", "mysql_users",
        "mysql_variables", "proxysql_servers",
    ]

    /// Per-node settings left out of the variables checksum: peers listen on their own addresses.
    public static let nodeLocalVariables: Set<String> = [
        "mysql-threads", "mysql-interfaces", "admin-mysql_ifaces", "admin-restapi_port", "admin-web_port",
        "admin-cluster_username", "admin-cluster_password", "admin-version",
    ]

    public private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Records a load of `module`: version + 1 (1 for the first load), new checksum. A configuration taken from a
    /// cluster peer keeps the peer's epoch (`peerEpoch`); a local load gets the current second, or one more than the
    /// module's epoch when that is not earlier (a peer's configuration taken this same second): a local load is always
    /// newer than what the node had, so peers take it instead of seeing two loads of one second in conflict.
    mutating func recordLoad(of module: AdminModule, runtime: RuntimeConfiguration, now: Int, peerEpoch: Int? = nil) {
        for name in module.checksumNames {
            let checksum = Self.checksum(of: name, in: runtime)
            let previous = entries[name]
            let epoch = peerEpoch ?? max(now, (previous?.epoch ?? 0) + 1)
            entries[name] = Entry(version: (previous?.version ?? 0) + 1, epoch: epoch, checksum: checksum)
        }
    }

    /// `SELECT GLOBAL_CHECKSUM()`: one hash over every module's checksum and version.
    public var global: UInt64 {
        var hasher = FNV1a()
        for name in Self.moduleNames {
            guard let entry = entries[name], entry.version > 0 else { continue }
            hasher.add(entry.checksum)
            hasher.add(String(entry.version))
        }
        return hasher.value
    }

    static func checksum(of name: String, in runtime: RuntimeConfiguration) -> String {
        if let prefix = variablePrefix(of: name) {
            return checksum(ofVariables: runtime.variables.map { ($0.key, $0.value) }, prefix: prefix)
        }
        return checksum(ofTables: tables(of: name).map { table in
            (runtime.renderedRows(of: table)?.rows ?? []).map { row in row.map { SQLiteRunner.text($0) } }
        })
    }

    /// "mysql-" or "admin-" for the variables modules.
    static func variablePrefix(of name: String) -> String? {
        switch name {
        case "mysql_variables": return "mysql-"
        case "admin_variables": return "admin-"
        default: return nil
        }
    }

    /// The runtime tables a module's checksum covers, in order: what a peer fetches (`runtime_<table>`) to take it.
    public static func tables(of name: String) -> [String] {
        switch name {
        case "mysql_servers": return ["mysql_servers"]
        case "mysql_servers_v2": return AdminModule.mysqlServers.tables
        case "mysql_query_rules": return AdminModule.mysqlQueryRules.tables
        case "mysql_users": return AdminModule.mysqlUsers.tables
        case "proxysql_servers": return AdminModule.proxysqlServers.tables
        default: return []
        }
    }

    /// The checksum of a table module from its rows as the runtime tables show them (NULL hashed as empty).
    public static func checksum(ofTables tables: [[[String?]]]) -> String {
        var hasher = FNV1a()
        for rows in tables {
            for row in rows {
                for value in row { hasher.add(value ?? "") }
            }
        }
        return render(hasher.value)
    }

    /// The checksum of a variables module: its variables by name, the per-node ones left out.
    public static func checksum(ofVariables variables: [(String, String)], prefix: String) -> String {
        var hasher = FNV1a()
        for (key, value) in variables.sorted(by: { $0.0 < $1.0 }) where key.hasPrefix(prefix) && !nodeLocalVariables.contains(key) {
            hasher.add(key)
            hasher.add(value)
        }
        return render(hasher.value)
    }

    /// `0x` + the two 32-bit halves, low half first, upper-case hex without padding (cluster.md).
    static func render(_ value: UInt64) -> String {
        let low = UInt32(truncatingIfNeeded: value)
        let high = UInt32(truncatingIfNeeded: value >> 32)
        return "0x" + String(low, radix: 16, uppercase: true) + String(high, radix: 16, uppercase: true)
    }

    /// The rows of `runtime_checksums_values`.
    var tableRows: TableRows {
        TableRows(columns: ["name", "version", "epoch", "checksum"], rows: Self.moduleNames.compactMap { name in
            let entry = entries[name] ?? Entry(version: 0, epoch: 0, checksum: "")
            return [name.databaseValue, entry.version.databaseValue, entry.epoch.databaseValue, entry.checksum.databaseValue]
        })
    }
}

/// 64-bit FNV-1a with a length prefix per field.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        var length = UInt32(text.utf8.count)
        withUnsafeBytes(of: &length) { for byte in $0 { mix(byte) } }
        for byte in text.utf8 { mix(byte) }
    }

    private mutating func mix(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01b3
    }
}
