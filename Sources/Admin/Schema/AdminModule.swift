/// A unit of configuration that LOAD/SAVE moves between the layers (admin-commands.md §4).
public enum AdminModule: String, Sendable, CaseIterable {
    case mysqlServers = "MYSQL SERVERS"
    case mysqlUsers = "MYSQL USERS"
    case mysqlQueryRules = "MYSQL QUERY RULES"
    case mysqlVariables = "MYSQL VARIABLES"
    case adminVariables = "ADMIN VARIABLES"
    case mysqlFirewall = "MYSQL FIREWALL"
    case scheduler = "SCHEDULER"
    case restapi = "RESTAPI"
    case proxysqlServers = "PROXYSQL SERVERS"
    case ldapVariables = "LDAP VARIABLES"
    case sqliteserverVariables = "SQLITESERVER VARIABLES"
    case coredump = "COREDUMP"

    /// The MEMORY/DISK tables of a table module (empty for variable modules).
    public var tables: [String] {
        switch self {
        case .mysqlServers:
            return ["mysql_servers", "mysql_replication_hostgroups", "mysql_group_replication_hostgroups",
                    "mysql_galera_hostgroups", "mysql_aws_aurora_hostgroups", "mysql_hostgroup_attributes",
                    "mysql_servers_ssl_params"]
        case .mysqlUsers: return ["mysql_users"]
        case .mysqlQueryRules: return ["mysql_query_rules", "mysql_query_rules_fast_routing"]
        case .mysqlFirewall:
            return ["mysql_firewall_whitelist_users", "mysql_firewall_whitelist_rules",
                    "mysql_firewall_whitelist_sqli_fingerprints"]
        case .scheduler: return ["scheduler"]
        case .restapi: return ["restapi_routes"]
        case .proxysqlServers: return ["proxysql_servers"]
        case .coredump: return ["coredump_filters"]
        case .mysqlVariables, .adminVariables, .ldapVariables, .sqliteserverVariables: return []
        }
    }

    /// `mysql-` for MYSQL VARIABLES and so on; nil for table modules.
    public var variablePrefix: String? {
        switch self {
        case .mysqlVariables: return "mysql-"
        case .adminVariables: return "admin-"
        case .ldapVariables: return "ldap-"
        case .sqliteserverVariables: return "sqliteserver-"
        default: return nil
        }
    }

    /// Whether `LOAD <module> FROM CONFIG` exists for it.
    public var loadsFromConfig: Bool {
        switch self {
        case .ldapVariables, .sqliteserverVariables, .coredump: return false
        default: return true
        }
    }

    /// Whether DISK holds the module (coredump filters live in MEMORY and RUNTIME only).
    public var persists: Bool { self != .coredump }

    /// Whether only `LOAD … TO RUNTIME` exists (COREDUMP).
    public var runtimeOnly: Bool { self == .coredump }

    /// The `runtime_checksums_values` rows this module's LOAD TO RUNTIME updates.
    public var checksumNames: [String] {
        switch self {
        case .mysqlServers: return ["mysql_servers", "mysql_servers_v2"]
        case .mysqlUsers: return ["mysql_users"]
        case .mysqlQueryRules: return ["mysql_query_rules"]
        case .mysqlVariables: return ["mysql_variables"]
        case .adminVariables: return ["admin_variables"]
        case .proxysqlServers: return ["proxysql_servers"]
        default: return []
        }
    }
}
