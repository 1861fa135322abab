/// The `stats_mysql_global` counters an event loop counts as things happen (only that loop writes them; the admin
/// merges the loops' copies), named as ProxySQL names them so tools that read the admin (dolphie, exporters) work.
public enum GlobalCounter: Int, CaseIterable, Sendable {
    case clientConnectionsCreated, clientConnectionsAborted
    case accessDeniedWrongPassword, accessDeniedMaxConnections, accessDeniedMaxUserConnections
    case comAutocommit, comFrontendInitDB, comFrontendUseDB, comFrontendSetNames
    case comFrontendStmtPrepare, comFrontendStmtExecute, comFrontendStmtClose
    case comBackendStmtPrepare, comBackendStmtExecute, comBackendStmtClose
    case comBackendInitDB, comBackendSetNames, comBackendChangeUser
    case queriesFrontendsBytesRecv, queriesFrontendsBytesSent
    case killedBackendQueries
    case selectsForUpdateAutocommit0
    case poolPush, poolDestroy, poolReset
    case comAutocommitFiltered, comCommitFiltered, comRollbackFiltered
    /// Also in `stats_mysql_connection_pool`, whose `_reset` zeroes them there; these keep counting.
    case serverConnectionsCreated, serverConnectionsAborted

    /// The `Variable_Name` in `stats_mysql_global`.
    public var name: String {
        switch self {
        case .clientConnectionsCreated: return "Client_Connections_created"
        case .clientConnectionsAborted: return "Client_Connections_aborted"
        case .accessDeniedWrongPassword: return "Access_Denied_Wrong_Password"
        case .accessDeniedMaxConnections: return "Access_Denied_Max_Connections"
        case .accessDeniedMaxUserConnections: return "Access_Denied_Max_User_Connections"
        case .comAutocommit: return "Com_autocommit"
        case .comFrontendInitDB: return "Com_frontend_init_db"
        case .comFrontendUseDB: return "Com_frontend_use_db"
        case .comFrontendSetNames: return "Com_frontend_set_names"
        case .comFrontendStmtPrepare: return "Com_frontend_stmt_prepare"
        case .comFrontendStmtExecute: return "Com_frontend_stmt_execute"
        case .comFrontendStmtClose: return "Com_frontend_stmt_close"
        case .comBackendStmtPrepare: return "Com_backend_stmt_prepare"
        case .comBackendStmtExecute: return "Com_backend_stmt_execute"
        case .comBackendStmtClose: return "Com_backend_stmt_close"
        case .comBackendInitDB: return "Com_backend_init_db"
        case .comBackendSetNames: return "Com_backend_set_names"
        case .comBackendChangeUser: return "Com_backend_change_user"
        case .queriesFrontendsBytesRecv: return "Queries_frontends_bytes_recv"
        case .queriesFrontendsBytesSent: return "Queries_frontends_bytes_sent"
        case .killedBackendQueries: return "mysql_killed_backend_queries"
        case .selectsForUpdateAutocommit0: return "Selects_for_update__autocommit0"
        case .poolPush: return "MyHGM_myconnpoll_push"
        case .poolDestroy: return "MyHGM_myconnpoll_destroy"
        case .poolReset: return "MyHGM_myconnpoll_reset"
        case .comAutocommitFiltered: return "Com_autocommit_filtered"
        case .comCommitFiltered: return "Com_commit_filtered"
        case .comRollbackFiltered: return "Com_rollback_filtered"
        case .serverConnectionsCreated: return "Server_Connections_created"
        case .serverConnectionsAborted: return "Server_Connections_aborted"
        }
    }
}

/// One value per `GlobalCounter`.
public struct GlobalCounters: Sendable, Equatable {
    private var values = [Int](repeating: 0, count: GlobalCounter.allCases.count)

    public init() {}

    public subscript(_ counter: GlobalCounter) -> Int {
        get { values[counter.rawValue] }
        set { values[counter.rawValue] = newValue }
    }

    mutating func add(_ other: GlobalCounters) {
        for index in values.indices { values[index] &+= other.values[index] }
    }
}

import SQLText

extension GlobalCounters {
    /// A client's session SET: `SET NAMES`/`CHARACTER SET` and `SET autocommit` have counters of their own
    /// (`_filtered`: answered by Junction without a backend).
    mutating func countFrontendSet(_ changes: [SetStatementParser.Setting], answeredLocally: Bool) {
        for change in changes {
            if change.key == "names" { self[.comFrontendSetNames] += 1 }
            if change.key == "autocommit" {
                self[.comAutocommit] += 1
                if answeredLocally { self[.comAutocommitFiltered] += 1 }
            }
        }
    }

    /// A command bringing a borrowed connection to the session's settings.
    mutating func countReplay(_ step: SettingsReplay.Step) {
        switch step {
        case .initDB: self[.comBackendInitDB] += 1
        case .resetConnection: self[.poolReset] += 1
        case .query(let sql) where sql.hasPrefix("SET NAMES"): self[.comBackendSetNames] += 1
        default: break
        }
    }
}
