extension ClusterPeerRow {
    /// One entry of the `proxysql_servers` section (config-file.md §3.13), validated against the table's CHECKs.
    ///
    /// Beyond the table, which does not bound `port`, the port must be a usable TCP port.
    init(configEntry entry: ConfigEntryReader) throws {
        self.init(
            hostname: try entry.requiredString("address", "hostname"),
            port: try entry.requiredInt("port"),
            weight: try entry.int("weight", default: 0),
            comment: try entry.string("comment", default: "")
        )
        guard (1...65535).contains(port) else {
            throw entry.error("must be between 1 and 65535, got \(port)", key: "port")
        }
        try entry.validate(validate, aliases: ["hostname": ["address", "hostname"]])
    }
}
