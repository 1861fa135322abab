import GRDB

/// Version, epoch and checksum of every synchronised module (`runtime_checksums_values`, cluster.md §2), and the
/// result sets each checksum was computed from: what the admin serves to a cluster peer's fetch queries, so that a
/// peer always receives exactly the rows that hash to the checksum it was shown.
///
/// Checksums are computed as ProxySQL 2.7 computes them (`ClusterChecksum`), so mixed clusters agree.
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

    public private(set) var entries: [String: Entry] = [:]
    /// Checksum name → the result sets it covers, as of the load that computed it.
    public private(set) var served: [String: [ClusterResultSet]] = [:]

    public init() {}

    /// Records a load of `module`: version + 1 (1 for the first load), new checksum. A configuration taken from a
    /// cluster peer keeps the peer's epoch when it hashes here as it did there (`peer`); a local load gets the
    /// current second, or one more than the module's epoch when that is not earlier (a peer's configuration taken
    /// this same second): a local load is always newer than what the node had, so peers take it instead of seeing
    /// two loads of one second in conflict.
    mutating func recordLoad(of module: AdminModule, runtime: RuntimeConfiguration, now: Int, peer: (epoch: Int, checksum: String)? = nil) {
        for name in module.checksumNames {
            record(name, runtime: runtime, now: now, bumpVersion: true, peer: peer)
        }
    }

    /// Records the monitor's change of the runtime servers: `mysql_servers` gets a new checksum and epoch but keeps
    /// its version, and `mysql_servers_v2` (the configuration users loaded) is untouched, as in ProxySQL.
    mutating func recordMonitorChange(runtime: RuntimeConfiguration, now: Int) {
        record("mysql_servers", runtime: runtime, now: now, bumpVersion: false, peer: nil)
    }

    /// Records runtime servers taken from a cluster peer: `mysql_servers` is loaded (version + 1, the peer's epoch
    /// when it hashes alike), `mysql_servers_v2` is untouched.
    mutating func recordRuntimeServers(runtime: RuntimeConfiguration, now: Int, peer: (epoch: Int, checksum: String)) {
        record("mysql_servers", runtime: runtime, now: now, bumpVersion: true, peer: peer)
    }

    private mutating func record(_ name: String, runtime: RuntimeConfiguration, now: Int, bumpVersion: Bool, peer: (epoch: Int, checksum: String)?) {
        let sets = ClusterRowSets.resultSets(of: name, in: runtime)
        let checksum = ClusterChecksum.render(ClusterRowSets.checksum(of: name, sets: sets))
        let previous = entries[name]
        let epoch = peer.flatMap { $0.checksum == checksum ? $0.epoch : nil } ?? max(now, (previous?.epoch ?? 0) + 1)
        let version = (previous?.version ?? 0) + (bumpVersion || previous == nil ? 1 : 0)
        entries[name] = Entry(version: version, epoch: epoch, checksum: checksum)
        served[name] = sets
    }

    /// `SELECT GLOBAL_CHECKSUM()`.
    public var global: UInt64 {
        ClusterChecksum.global(Self.moduleNames.compactMap { name in
            entries[name].map { (checksum: $0.checksum, version: $0.version) }
        })
    }

    /// The rows of `runtime_checksums_values`.
    var tableRows: TableRows {
        TableRows(columns: ["name", "version", "epoch", "checksum"], rows: Self.moduleNames.compactMap { name in
            let entry = entries[name] ?? Entry(version: 0, epoch: 0, checksum: "")
            return [name.databaseValue, entry.version.databaseValue, entry.epoch.databaseValue, entry.checksum.databaseValue]
        })
    }
}
