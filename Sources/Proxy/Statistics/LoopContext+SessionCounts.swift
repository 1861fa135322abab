// What `stats_mysql_global` counts from the sessions as they are now, not as they happened.
extension LoopContext {
    /// Sessions running a command now (`Client_Connections_non_idle`).
    var runningSessionCount: Int {
        sessions.values.reduce(0) { count, session in
            if case .running = session.phase { return count + 1 }
            return count
        }
    }
}

extension LoopContext {
    /// Prepared statements now: the clients' (per session) and the servers' (per backend connection, idle or in use),
    /// as totals and by SQL text (`Stmt_*_Active_Total` / `_Unique`).
    func preparedStatementCounts(into stats: inout ProxyStatistics) {
        var seen = Set<ObjectIdentifier>()
        func countServer(_ conn: BackendConnection) {
            guard seen.insert(ObjectIdentifier(conn)).inserted else { return }
            stats.serverStatementsTotal += conn.preparedStatements.count
            stats.serverStatementTexts.formUnion(conn.preparedStatements.keys)
        }
        for session in sessions.values {
            stats.clientStatementsTotal += session.statements.count
            for statement in session.statements.values { stats.clientStatementTexts.insert(statement.sql) }
            if let backend = session.backend { countServer(backend) }
            if let held = session.heldAside { countServer(held) }
        }
        for list in idle.values { for conn in list { countServer(conn) } }
    }
}
