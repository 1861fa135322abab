extension MySQLUserRow {
    /// One entry of the `mysql_users` section (config-file.md §3.9), validated against the table's CHECKs.
    ///
    /// `frontend` and `backend` are not read from the file (rows get 1/1), and an absent `default_schema` is ""
    /// rather than NULL, both as in ProxySQL.
    init(configEntry entry: ConfigEntryReader) throws {
        self.init(
            username: try entry.requiredString("username"),
            password: try entry.string("password", default: ""),
            active: try entry.int("active", default: 1),
            useSSL: try entry.int("use_ssl", default: 0),
            defaultHostgroup: try entry.int("default_hostgroup", default: 0),
            defaultSchema: try entry.string("default_schema", default: ""),
            schemaLocked: try entry.int("schema_locked", default: 0),
            transactionPersistent: try entry.int("transaction_persistent", default: 1),
            fastForward: try entry.int("fast_forward", default: 0),
            maxConnections: try entry.int("max_connections", default: 10000),
            attributes: try entry.string("attributes", default: ""),
            comment: try entry.string("comment", default: "")
        )
        try entry.validate(validate)
    }
}
