import Foundation
import JunctionConfig
import Proxy

/// The configuration Junction starts with: the config file (or the embedded default) turned into
/// the first runtime snapshot.
///
/// The admin interface and the saved configuration database (`junction.db`) take over this role
/// with the admin issue; until then the config file is the only source, and `--initial`/`--reload`
/// have nothing to merge with.
struct StartupConfiguration {
    var datadir: String
    var variables: MySQLVariables
    var snapshot: ProxySnapshot

    /// Used when Junction starts without `-c`: clients on 0.0.0.0:6033, no servers or users yet.
    static let embeddedDefault = """
        datadir="./junction-data"
        admin_variables = { admin_credentials="admin:admin" mysql_ifaces="127.0.0.1:6032" }
        mysql_variables = { interfaces="0.0.0.0:6033" }
        """

    static func load(_ options: StartOptions) throws -> StartupConfiguration {
        let file: JunctionConfigFile
        if let path = options.configPath {
            guard FileManager.default.fileExists(atPath: path) else { throw StartupError("config file \(path) not found") }
            file = try JunctionConfigFile.load(path: path)
        } else {
            file = try JunctionConfigFile.parse(text: embeddedDefault, fileName: "embedded default")
        }
        var values: [String: String] = [:]
        for (name, value) in file.mysqlVariables { values[name] = value }
        let variables: MySQLVariables
        do { variables = try MySQLVariables(values) } catch {
            throw StartupError("mysql_variables: \(error)")
        }
        let datadir = options.datadir ?? file.datadir ?? "./junction-data"
        let snapshot = RuntimeBuilder.snapshot(servers: file.mysqlServers, users: file.mysqlUsers, variables: variables)
        return StartupConfiguration(datadir: datadir, variables: variables, snapshot: snapshot)
    }
}

/// Turns config rows into the proxy's runtime snapshot.
enum RuntimeBuilder {
    static func snapshot(servers: [MySQLServerRow], users: [MySQLUserRow], variables: MySQLVariables) -> ProxySnapshot {
        let backendServers = servers.map { row in
            BackendServer(hostgroup: row.hostgroupID, endpoint: ServerEndpoint(host: row.hostname, port: row.port),
                          status: BackendServer.Status(rawValue: row.status.rawValue) ?? .online,
                          weight: row.weight, maxConnections: row.maxConnections)
        }
        let proxyUsers = users.map { row in
            ProxyUser(username: row.username, password: row.password, active: row.active != 0,
                      defaultHostgroup: row.defaultHostgroup,
                      defaultSchema: row.defaultSchema.flatMap { $0.isEmpty ? nil : $0 },
                      transactionPersistent: row.transactionPersistent != 0, maxConnections: row.maxConnections,
                      frontend: row.frontend != 0, backend: row.backend != 0)
        }
        return ProxySnapshot(users: proxyUsers, servers: backendServers, settings: settings(variables))
    }

    static func settings(_ v: MySQLVariables) -> ProxySettings {
        var s = ProxySettings()
        s.serverVersion = v.serverVersion
        s.maxConnections = v.maxConnections
        s.connectTimeoutServerMs = v.connectTimeoutServer
        s.connectTimeoutServerMaxMs = v.connectTimeoutServerMax
        s.connectRetriesOnFailure = v.connectRetriesOnFailure
        s.connectRetriesDelayMs = v.connectRetriesDelay
        s.connectTimeoutClientMs = v.connectTimeoutClient
        s.freeConnectionsPct = v.freeConnectionsPct
        s.connectionMaxAgeMs = v.connectionMaxAgeMs
        s.defaultSchema = v.defaultSchema
        s.maxAllowedPacket = v.maxAllowedPacket
        s.enableLoadDataLocalInfile = v.enableLoadDataLocalInfile
        s.queryRetriesOnFailure = v.queryRetriesOnFailure
        s.multiplexing = v.multiplexing
        s.autocommitFalseIsTransaction = v.autocommitFalseIsTransaction
        s.enableClientDeprecateEOF = v.enableClientDeprecateEOF
        s.autoIncrementDelayMultiplex = Int(v["mysql-auto_increment_delay_multiplex"] ?? "5") ?? 5
        return s
    }
}
