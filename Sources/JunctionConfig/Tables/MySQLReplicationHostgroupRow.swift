/// One row of `mysql_replication_hostgroups`: a writer/reader hostgroup pair that the monitor keeps in line with
/// the backends' `read_only`.
public struct MySQLReplicationHostgroupRow: Sendable, Equatable {
    public static let tableName = "mysql_replication_hostgroups"
    /// The values `check_type` accepts (compared lowercased, as the table's CHECK does).
    public static let checkTypes = [
        "read_only", "innodb_read_only", "super_read_only", "read_only|innodb_read_only", "read_only&innodb_read_only",
    ]

    public var writerHostgroup: Int
    public var readerHostgroup: Int
    /// Which variable(s) decide that a server is a reader; kept as written (the CHECK compares it lowercased).
    public var checkType: String
    public var comment: String

    public init(writerHostgroup: Int, readerHostgroup: Int, checkType: String = "read_only", comment: String = "") {
        self.writerHostgroup = writerHostgroup
        self.readerHostgroup = readerHostgroup
        self.checkType = checkType
        self.comment = comment
    }

    /// Enforces the CHECK constraints of `CREATE TABLE mysql_replication_hostgroups`. The UNIQUE and PRIMARY KEY
    /// constraints span rows and are the table's business.
    public func validate() throws {
        let check = RowChecker(table: Self.tableName)
        try check.atLeast("writer_hostgroup", writerHostgroup, 0)
        try check.atLeast("reader_hostgroup", readerHostgroup, 0)
        if readerHostgroup == writerHostgroup {
            throw check.fail("reader_hostgroup", "must differ from writer_hostgroup, got \(readerHostgroup)")
        }
        if !Self.checkTypes.contains(checkType.lowercased()) {
            throw check.fail("check_type", "must be one of \(Self.checkTypes.joined(separator: ", ")), got '\(checkType)'")
        }
    }
}
