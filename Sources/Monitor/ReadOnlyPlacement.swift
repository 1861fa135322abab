import JunctionConfig

/// Where servers belong in replication hostgroups, given their `read_only` (monitor.md §2.3). Pure.
///
/// For each (writer, reader) pair: a writable server is put in the writer hostgroup — when it moves there from
/// the reader hostgroup (a promotion) it stays a reader only with `mysql-monitor_writer_is_also_reader`, as in
/// ProxySQL; a writer that was always one keeps the reader membership it was given; a read-only server is put in the
/// reader hostgroup and taken out of the writer one. Rows added are copies of the server's row in the
/// other hostgroup, so weight, max_connections and comment follow it. Servers with no result are left
/// as they are.
public enum ReadOnlyPlacement {
    public struct Endpoint: Hashable, Sendable {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) { self.host = host; self.port = port }
    }

    public static func place(servers: [MySQLServerRow], pairs: [MySQLReplicationHostgroupRow],
                             readOnly: [Endpoint: Bool], writerIsAlsoReader: Bool) -> [MySQLServerRow] {
        var rows = servers
        for pair in pairs {
            let members = Set(rows.filter { $0.hostgroupID == pair.writerHostgroup || $0.hostgroupID == pair.readerHostgroup }
                .map { Endpoint(host: $0.hostname, port: $0.port) })
            for endpoint in members.sorted(by: { ($0.host, $0.port) < ($1.host, $1.port) }) {
                guard let isReadOnly = readOnly[endpoint] else { continue }
                let inWriter = index(of: endpoint, in: pair.writerHostgroup, rows)
                let inReader = index(of: endpoint, in: pair.readerHostgroup, rows)
                let template = rows[(inWriter ?? inReader)!]
                if isReadOnly {
                    if inReader == nil { rows.append(copy(template, to: pair.readerHostgroup)) }
                    if let writer = index(of: endpoint, in: pair.writerHostgroup, rows) { rows.remove(at: writer) }
                } else if let inWriter {
                    // Already a writer: its reader membership stays as configured. (The writer a user put in the
                    // writer hostgroup alone is not also made a reader: reads keep going to the replicas.)
                    if rows[inWriter].status == .offlineHard { rows[inWriter].status = .online }
                } else {
                    // A promotion (read_only went to 0 on a reader): only now does `writer_is_also_reader` apply.
                    rows.append(copy(template, to: pair.writerHostgroup))
                    if !writerIsAlsoReader, let reader = index(of: endpoint, in: pair.readerHostgroup, rows) {
                        rows.remove(at: reader)
                    }
                }
            }
        }
        return rows.sorted { ($0.hostgroupID, $0.hostname, $0.port) < ($1.hostgroupID, $1.hostname, $1.port) }
    }

    private static func index(of endpoint: Endpoint, in hostgroup: Int, _ rows: [MySQLServerRow]) -> Int? {
        rows.firstIndex { $0.hostgroupID == hostgroup && $0.hostname == endpoint.host && $0.port == endpoint.port }
    }

    private static func copy(_ row: MySQLServerRow, to hostgroup: Int) -> MySQLServerRow {
        var copy = row
        copy.hostgroupID = hostgroup
        if copy.status == .offlineHard { copy.status = .online }
        return copy
    }

    /// The query for a `check_type` (monitor.md §2.3).
    public static func query(checkType: String) -> String {
        switch checkType.lowercased() {
        case "innodb_read_only": return "SELECT @@global.innodb_read_only read_only"
        case "super_read_only": return "SELECT @@global.super_read_only read_only"
        case "read_only|innodb_read_only": return "SELECT @@global.read_only|@@global.innodb_read_only read_only"
        case "read_only&innodb_read_only": return "SELECT @@global.read_only&@@global.innodb_read_only read_only"
        default: return "SELECT @@global.read_only read_only"
        }
    }
}
