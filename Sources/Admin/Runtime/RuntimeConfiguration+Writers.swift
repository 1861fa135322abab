import JunctionConfig

extension RuntimeConfiguration {
    /// The servers that take writes, as `host:port`, ONLINE ones only: those of the writer hostgroups of
    /// `mysql_replication_hostgroups`, or, without any, those of the users' default hostgroups. What a health check
    /// needs at least one of to call this node able to serve its applications.
    public var onlineWriters: [String] {
        let replication = replicationHostgroups
        let writerHostgroups = Set(replication.isEmpty ? mysqlUsers.filter { $0.active != 0 }.map(\.defaultHostgroup)
                                                       : replication.map(\.writerHostgroup))
        var seen = Set<String>()
        return mysqlServers.filter { writerHostgroups.contains($0.hostgroupID) && $0.status == .online }.compactMap { server in
            let address = "\(server.hostname):\(server.port)"
            return seen.insert(address).inserted ? address : nil
        }
    }
}
