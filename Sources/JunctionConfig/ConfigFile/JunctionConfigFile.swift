import Foundation

/// The contents of a ProxySQL-style config file (`junction.cnf`), mapped to admin-table rows (config-file.md).
///
/// Parsing validates everything it maps: a server without a hostgroup, a port written as a string or a port of
/// 70000 is a `ConfigFileError` naming the line and key, where ProxySQL would skip the entry or keep a default.
/// Unknown keys inside entries are ignored. Rows keep file order, duplicates included: the caller inserts them
/// with `INSERT OR REPLACE`, so the tables' keys decide what replaces what, as in ProxySQL.
public struct JunctionConfigFile: Sendable {
    /// `datadir`: where `junction.db` and the logs live (the command line may override it).
    public var datadir: String?
    public var errorlog: String?
    public var pidfile: String?
    /// `cluster_presented_version`: the version the admin reports (`SELECT @@version`, `admin-version`) instead of
    /// Junction's own, so that ProxySQL nodes, which only cluster with their exact version, take Junction as a peer.
    public var clusterPresentedVersion: String?
    /// `stop_grace_period_ms`: after SIGTERM, how long Junction keeps serving while its health check already says
    /// "stopping" (so a load balancer or keepalived moves traffic away first). Default 0.
    public var stopGracePeriodMs: Int?
    /// `stop_drain_timeout_ms`: then, with the client port closed, how long running statements and open
    /// transactions may take to finish before their connections are cut. Default 5000.
    public var stopDrainTimeoutMs: Int?
    /// `admin_variables`, names without the `admin-` prefix, values as text (booleans `true`/`false`), in file order.
    public var adminVariables: [(name: String, value: String)]
    /// `mysql_variables`, names without the `mysql-` prefix, values as text (booleans `true`/`false`), in file order.
    public var mysqlVariables: [(name: String, value: String)]
    public var mysqlServers: [MySQLServerRow]
    public var mysqlUsers: [MySQLUserRow]
    public var mysqlReplicationHostgroups: [MySQLReplicationHostgroupRow]
    /// The `proxysql_servers` section.
    public var clusterPeers: [ClusterPeerRow]
    /// Every other top-level setting, unmapped (`mysql_query_rules`, `scheduler`, `uuid`, ...), for later mapping.
    /// Groups inside keep their file name and line.
    public var otherSections: [String: ConfigValue]

    public init() {
        adminVariables = []
        mysqlVariables = []
        mysqlServers = []
        mysqlUsers = []
        mysqlReplicationHostgroups = []
        clusterPeers = []
        otherSections = [:]
    }

    /// Reads and parses the file at `path`. A relative `@include` path is taken from the directory of `path`.
    /// - Throws: `ConfigFileError`.
    public static func load(path: String) throws -> JunctionConfigFile {
        let directory = path.range(of: "/", options: .backwards).map { String(path[..<$0.lowerBound]) + "/" } ?? ""
        return try parse(text: readFile(path, named: path), fileName: path) { include in
            try readFile(include.hasPrefix("/") ? include : directory + include, named: include)
        }
    }

    /// Parses config text; `fileName` only names it in errors. `@include` needs an `includeResolver`
    /// (see `LibconfigParser.parse`).
    /// - Throws: `ConfigFileError`.
    public static func parse(
        text: String,
        fileName: String,
        includeResolver: ((String) throws -> String)? = nil
    ) throws -> JunctionConfigFile {
        let root = try LibconfigParser.parse(text, fileName: fileName, includeResolver: includeResolver)
        var file = JunctionConfigFile()
        for setting in root.settings {
            switch setting.name {
            case "datadir": file.datadir = try topLevelString(setting)
            case "errorlog": file.errorlog = try topLevelString(setting)
            case "pidfile": file.pidfile = try topLevelString(setting)
            case "cluster_presented_version": file.clusterPresentedVersion = try topLevelString(setting)
            case "stop_grace_period_ms": file.stopGracePeriodMs = try topLevelMilliseconds(setting)
            case "stop_drain_timeout_ms": file.stopDrainTimeoutMs = try topLevelMilliseconds(setting)
            case "admin_variables": file.adminVariables = try variables(of: setting, module: "admin")
            case "mysql_variables": file.mysqlVariables = try variables(of: setting, module: "mysql")
            case "mysql_servers":
                file.mysqlServers = try ConfigEntryReader.entries(of: setting).map(MySQLServerRow.init(configEntry:))
            case "mysql_users":
                file.mysqlUsers = try ConfigEntryReader.entries(of: setting).map(MySQLUserRow.init(configEntry:))
            case "mysql_replication_hostgroups":
                file.mysqlReplicationHostgroups = try ConfigEntryReader.entries(of: setting)
                    .map(MySQLReplicationHostgroupRow.init(configEntry:))
            case "proxysql_servers":
                file.clusterPeers = try ConfigEntryReader.entries(of: setting).map(ClusterPeerRow.init(configEntry:))
            default:
                file.otherSections[setting.name] = setting.value
            }
        }
        return file
    }

    private static func topLevelMilliseconds(_ setting: ConfigSetting) throws -> Int {
        guard case .int(let value) = setting.value, (0...3_600_000).contains(value) else {
            throw ConfigFileError(fileName: setting.fileName, line: setting.line, keyPath: setting.name,
                                  message: "expected milliseconds from 0 to 3600000, got \(setting.value.typeDescription)")
        }
        return Int(value)
    }

    private static func topLevelString(_ setting: ConfigSetting) throws -> String {
        guard case .string(let value) = setting.value else {
            throw ConfigFileError(fileName: setting.fileName, line: setting.line, keyPath: setting.name,
                                  message: "expected a string, got \(setting.value.typeDescription)")
        }
        return value
    }

    private static func readFile(_ path: String, named name: String) throws -> String {
        do {
            return String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        } catch {
            throw ConfigFileError(fileName: name, line: 0, message: "cannot read the file (\(error.localizedDescription))")
        }
    }
}
