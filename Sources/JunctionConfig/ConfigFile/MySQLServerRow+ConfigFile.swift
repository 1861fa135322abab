extension MySQLServerRow {
    /// Config keys whose names differ from their columns.
    static let configKeyAliases = ["hostgroup_id": ["hostgroup", "hostgroup_id"], "hostname": ["address", "hostname"]]

    /// One entry of the `mysql_servers` section (config-file.md §3.3), validated against the table's CHECKs.
    ///
    /// `status` is matched case-insensitively; unlike ProxySQL, which turns an unknown status into ONLINE,
    /// an unknown status is an error.
    init(configEntry entry: ConfigEntryReader) throws {
        let statusText = try entry.string("status", default: ServerStatus.online.rawValue)
        guard let status = ServerStatus(caseInsensitive: statusText) else {
            let allowed = ServerStatus.allCases.map(\.rawValue).joined(separator: ", ")
            throw entry.error("expected one of \(allowed), got '\(statusText)'", key: "status")
        }
        self.init(
            hostgroupID: try entry.requiredInt("hostgroup", "hostgroup_id"),
            hostname: try entry.requiredString("address", "hostname"),
            port: try entry.int("port", default: 3306),
            gtidPort: try entry.int("gtid_port", default: 0),
            status: status,
            weight: try entry.int("weight", default: 1),
            compression: try entry.int("compression", default: 0),
            maxConnections: try entry.int("max_connections", default: 1000),
            maxReplicationLag: try entry.int("max_replication_lag", default: 0),
            useSSL: try entry.int("use_ssl", default: 0),
            maxLatencyMs: try entry.int("max_latency_ms", default: 0),
            comment: try entry.string("comment", default: "")
        )
        try entry.validate(validate, aliases: Self.configKeyAliases)
    }
}
