extension MySQLReplicationHostgroupRow {
    /// One entry of the `mysql_replication_hostgroups` section (config-file.md §3.4), validated against the CHECKs.
    init(configEntry entry: ConfigEntryReader) throws {
        self.init(
            writerHostgroup: try entry.requiredInt("writer_hostgroup"),
            readerHostgroup: try entry.requiredInt("reader_hostgroup"),
            checkType: try entry.string("check_type", default: "read_only"),
            comment: try entry.string("comment", default: "")
        )
        try entry.validate(validate)
    }
}
