import Testing
@testable import JunctionConfig

/// Row defaults (the CREATE TABLE defaults) and `validate()` against each CHECK constraint.
struct TableRowTests {
    private func column(_ validation: () throws -> Void) -> String? {
        do {
            try validation()
            return nil
        } catch let error as TableValidationError {
            return error.column
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func serverDefaults() throws {
        let row = MySQLServerRow(hostname: "h")
        #expect(row.hostgroupID == 0 && row.port == 3306 && row.gtidPort == 0 && row.status == .online)
        #expect(row.weight == 1 && row.compression == 0 && row.maxConnections == 1000 && row.maxReplicationLag == 0)
        #expect(row.useSSL == 0 && row.maxLatencyMs == 0 && row.comment == "")
        try row.validate()
    }

    @Test(arguments: [
        (MySQLServerRow(hostgroupID: -1, hostname: "h"), "hostgroup_id"),
        (MySQLServerRow(hostname: "h", port: -1), "port"),
        (MySQLServerRow(hostname: "h", port: 65536), "port"),
        (MySQLServerRow(hostname: "h", gtidPort: 70000), "gtid_port"),
        (MySQLServerRow(hostname: "h", port: 3306, gtidPort: 3306), "gtid_port"),
        (MySQLServerRow(hostname: "h", weight: 10_000_001), "weight"),
        (MySQLServerRow(hostname: "h", compression: 2), "compression"),
        (MySQLServerRow(hostname: "h", maxConnections: -1), "max_connections"),
        (MySQLServerRow(hostname: "h", maxReplicationLag: 126_144_001), "max_replication_lag"),
        (MySQLServerRow(hostname: "h", useSSL: -1), "use_ssl"),
        (MySQLServerRow(hostname: "h", maxLatencyMs: -5), "max_latency_ms"),
    ])
    func serverChecks(row: MySQLServerRow, expected: String) {
        #expect(column(row.validate) == expected)
    }

    @Test func serverLimitsAreInclusive() throws {
        try MySQLServerRow(hostname: "h", port: 0, gtidPort: 65535, weight: 10_000_000, maxReplicationLag: 126_144_000).validate()
        try MySQLServerRow(hostname: "h", port: 65535, gtidPort: 0, weight: 0).validate()
    }

    @Test func serverStatusRawValues() {
        #expect(ServerStatus.allCases.map(\.rawValue) == ["ONLINE", "SHUNNED", "OFFLINE_SOFT", "OFFLINE_HARD"])
        #expect(ServerStatus(caseInsensitive: "Offline_Hard") == .offlineHard)
        #expect(ServerStatus(caseInsensitive: "up") == nil)
    }

    @Test func errorDescriptionNamesTableAndColumn() {
        #expect(throws: TableValidationError(table: "mysql_servers", column: "port", reason: "must be between 0 and 65535, got 70000")) {
            try MySQLServerRow(hostname: "h", port: 70000).validate()
        }
        #expect(TableValidationError(table: "mysql_servers", column: "port", reason: "must be between 0 and 65535, got 70000").description
                == "mysql_servers.port must be between 0 and 65535, got 70000")
    }

    @Test func userDefaults() throws {
        let row = MySQLUserRow(username: "u")
        #expect(row.password == "" && row.active == 1 && row.useSSL == 0 && row.defaultHostgroup == 0)
        #expect(row.defaultSchema == nil && row.schemaLocked == 0 && row.transactionPersistent == 1 && row.fastForward == 0)
        #expect(row.backend == 1 && row.frontend == 1 && row.maxConnections == 10000 && row.attributes == "" && row.comment == "")
        try row.validate()
    }

    @Test(arguments: [
        (MySQLUserRow(username: "u", active: 2), "active"),
        (MySQLUserRow(username: "u", useSSL: 2), "use_ssl"),
        (MySQLUserRow(username: "u", schemaLocked: 2), "schema_locked"),
        (MySQLUserRow(username: "u", transactionPersistent: -1), "transaction_persistent"),
        (MySQLUserRow(username: "u", fastForward: 3), "fast_forward"),
        (MySQLUserRow(username: "u", backend: 2), "backend"),
        (MySQLUserRow(username: "u", frontend: 2), "frontend"),
        (MySQLUserRow(username: "u", maxConnections: -1), "max_connections"),
        (MySQLUserRow(username: "u", attributes: "{\"a\":"), "attributes"),
    ])
    func userChecks(row: MySQLUserRow, expected: String) {
        #expect(column(row.validate) == expected)
    }

    @Test func userAttributesAcceptAnyJSON() throws {
        try MySQLUserRow(username: "u", attributes: "{\"default-transaction_isolation\":\"READ-COMMITTED\"}").validate()
        try MySQLUserRow(username: "u", attributes: "[1, 2]").validate()
        try MySQLUserRow(username: "u", attributes: "42").validate()
    }

    @Test func replicationHostgroupChecks() throws {
        try MySQLReplicationHostgroupRow(writerHostgroup: 0, readerHostgroup: 1, checkType: "READ_ONLY|INNODB_READ_ONLY").validate()
        #expect(MySQLReplicationHostgroupRow(writerHostgroup: 1, readerHostgroup: 2).checkType == "read_only")
        #expect(column(MySQLReplicationHostgroupRow(writerHostgroup: -1, readerHostgroup: 2).validate) == "writer_hostgroup")
        #expect(column(MySQLReplicationHostgroupRow(writerHostgroup: 1, readerHostgroup: -2).validate) == "reader_hostgroup")
        #expect(column(MySQLReplicationHostgroupRow(writerHostgroup: 1, readerHostgroup: 1).validate) == "reader_hostgroup")
        #expect(column(MySQLReplicationHostgroupRow(writerHostgroup: 1, readerHostgroup: 2, checkType: "ro").validate) == "check_type")
    }

    @Test func clusterPeerChecks() throws {
        let row = ClusterPeerRow(hostname: "p")
        #expect(row.port == 6032 && row.weight == 0 && row.comment == "")
        try row.validate()
        #expect(column(ClusterPeerRow(hostname: "p", weight: -1).validate) == "weight")
    }
}
