import MySQLProtocol
import NIOCore
import QueryRouting
import SQLText

/// Choosing the hostgroup of a query with `mysql_query_rules` (query-processing.md, sessions-and-pooling.md §4).
extension ClientSession {
    enum RoutingOutcome {
        /// Run it on `hostgroup`: as received, or rewritten by a rule.
        case run(rewritten: ByteBuffer?)
        /// A rule answered it (error_msg / OK_msg).
        case answered
    }

    /// Evaluates the rules for a COM_QUERY and sets `hostgroup`.
    ///
    /// Where the statement then runs is the session machine's call (`SessionStateMachine`): a session bound to its
    /// connection (open transaction, session state on it) stays there whatever the rules say, and a statement
    /// reading a held connection's insert id, row count or warnings goes to that connection.
    /// This is where Junction departs from ProxySQL, which would send e.g. a SELECT reading a user variable
    /// to a reader that never saw it.
    func route(sql: [UInt8], digest: QueryDigest?) -> RoutingOutcome {
        let snapshot = loopContext.snapshot
        let rules = snapshot.queryRules
        guard let user else { return .run(rewritten: nil) }
        if rules.isEmpty, digest?.firstComment == nil {
            hostgroup = user.defaultHostgroup
            return .run(rewritten: nil)
        }
        let text = String(decoding: sql, as: UTF8.self)
        let context = queryContext(text, user: user, digest: digest, startFlag: nextQueryFlagIN ?? 0, isTextQuery: true)
        let decision = evaluateRules(rules, context)
        nextQueryFlagIN = decision.nextQueryFlagIN
        if let message = decision.errorMsg {
            sendError(ErrPacket(errorCode: 1148, sqlState: "42000", message: message), sequenceID: 1)
            recordAnsweredLocally()
            return .answered
        }
        if let message = decision.okMsg {
            sendOK(sequenceID: 1, info: message)
            recordAnsweredLocally()
            return .answered
        }
        hostgroup = decision.destinationHostgroup ?? user.defaultHostgroup
        if decision.multiplex == 0 { machine.pin(.multiplexingOffByRule) } // keep this session on its connection from now on
        nextCommandOptions.delayMs = max(decision.delay ?? 0, 0)
        nextCommandOptions.timeoutMs = max(decision.timeout ?? 0, 0)
        nextCommandOptions.retries = decision.retries
        if decision.mirrorHostgroup != nil || decision.mirrorFlagOUT != nil {
            // The mirror's own evaluation starts at mirror_flagOUT; mirror_hostgroup, when set, wins.
            var target = decision.mirrorHostgroup
            if target == nil, let flag = decision.mirrorFlagOUT {
                var mirrorContext = context
                mirrorContext.startFlag = flag
                target = QueryProcessor.evaluate(rules, mirrorContext).destinationHostgroup ?? user.defaultHostgroup
            }
            if let target {
                loopContext.mirror(decision.rewrittenQuery ?? text, hostgroup: target, user: user, schema: settings.schema,
                                   capabilities: clientCapabilities, collation: collation)
            }
        }
        if answerFromCache(decision, query: decision.rewrittenQuery ?? text) { return .answered }
        guard let rewritten = decision.rewrittenQuery else { return .run(rewritten: nil) }
        var buffer = ByteBufferAllocator().buffer(capacity: rewritten.utf8.count + 1)
        buffer.writeInteger(CommandCode.query.rawValue)
        buffer.writeString(rewritten)
        return .run(rewritten: buffer)
    }
}

/// Prepared statements: each execute is routed by the rules on the statement's text (no rewriting).
extension ClientSession {
    /// Sets `hostgroup` for a COM_STMT_PREPARE / COM_STMT_EXECUTE of `sql` (the machine keeps a bound session
    /// on its connection).
    func routePrepared(sql: String, digest: QueryDigest?) {
        let rules = loopContext.snapshot.queryRules
        guard let user, !rules.isEmpty else { return }
        let decision = evaluateRules(rules, queryContext(sql, user: user, digest: digest, startFlag: 0, isTextQuery: false))
        hostgroup = decision.destinationHostgroup ?? user.defaultHostgroup
    }

    /// What the rules see of a query: its text and digest, the user, the current schema and the addresses.
    func queryContext(_ query: String, user: ProxyUser, digest: QueryDigest?, startFlag: Int, isTextQuery: Bool) -> QueryContext {
        QueryContext(query: query, username: user.username, schemaname: settings.schema ?? loopContext.snapshot.settings.defaultSchema,
                     clientAddress: addresses.client, proxyAddress: addresses.local, proxyPort: addresses.localPort,
                     startFlag: startFlag, digest: digest, isTextQuery: isTextQuery)
    }

    /// Evaluates the rules and counts the hits of those that matched.
    func evaluateRules(_ rules: QueryRuleSet, _ context: QueryContext) -> QueryRoutingDecision {
        let decision = QueryProcessor.evaluate(rules, context, iterations: loopContext.snapshot.settings.queryProcessorIterations)
        for index in decision.matchedRules where index < loopContext.ruleHits.count { loopContext.ruleHits[index] += 1 }
        return decision
    }
}

/// Digest statistics of the running query.
extension ClientSession {
    struct QueryInFlight {
        var digest: QueryDigest
        var startNanos: UInt64
    }

    /// The digest of a COM_QUERY when statistics or rules need it (`mysql-query_digests`).
    func digestIfWanted(_ sql: [UInt8]) -> QueryDigest? {
        let settings = loopContext.snapshot.settings
        guard settings.queryDigests || loopContext.snapshot.queryRules.needsDigest else { return nil }
        return sql.withUnsafeBufferPointer { QueryDigest.compute(bytes: $0, options: settings.digestOptions) }
    }

    /// Counts a finished query: server counters and errors for `connection`, then the digest and command
    /// statistics of the query in flight (hostgroup -1: answered by Junction itself).
    func recordQueryFinished(on connection: BackendConnection? = nil, rowsAffected: UInt64 = 0, rowsSent: Int = 0,
                             error: (code: UInt16, message: String)? = nil) {
        let hostgroup = connection?.server.hostgroup ?? -1
        // Read the clock only when something is timed: a backend's answer, or a query with a digest.
        let now = connection != nil || queryInFlight != nil ? NIODeadline.now().uptimeNanoseconds : 0
        if let connection {
            let statistics = loopContext.statistics
            let slot = statistics.servers.slot(for: connection.serverKey, memo: &connection.serverStatsMemo) { ServerCounters() }
            // Every command a backend answered is timed, whether or not digests are kept (mysql-query_digests).
            statistics.servers[slot: slot].countQuery(sent: requestBytes, received: responseBytes,
                                                      timeUs: (now &- (queryInFlight?.startNanos ?? commandStartedNanos)) / 1000)
            statistics.global[.queriesFrontendsBytesRecv] &+= requestBytes
            statistics.global[.queriesFrontendsBytesSent] &+= responseBytes
            if let error, let user {
                loopContext.statistics.recordError(
                    ErrorKey(hostgroup: hostgroup, endpoint: connection.server.endpoint, username: user.username,
                             schemaname: settings.schema ?? "", errorCode: error.code),
                    message: error.message, clientAddress: addresses.client ?? "", epoch: ProcessUptime.epochSeconds)
            }
        }
        guard let query = queryInFlight, let user else { return }
        queryInFlight = nil
        let settings = loopContext.snapshot.settings
        let key = DigestKey(hostgroup: hostgroup, schemaname: self.settings.schema ?? settings.defaultSchema, username: user.username,
                            clientAddress: settings.digestsTrackHostname ? (addresses.client ?? "") : "",
                            digest: query.digest.hash)
        let elapsed = (now &- query.startNanos) / 1000
        if elapsed > UInt64(settings.longQueryTimeMs) * 1000 { loopContext.statistics.slowQueries += 1 }
        let commandIndex = loopContext.statistics.recordQuery(key, memo: &digestMemo, text: { query.digest.text }, time: elapsed,
                                                              epoch: ProcessUptime.epochSeconds, rowsAffected: rowsAffected,
                                                              rowsSent: UInt64(rowsSent))
        if settings.commandsStats { loopContext.statistics.recordCommand(commandIndex, time: elapsed) }
    }

    func recordAnsweredLocally() {
        recordQueryFinished()
    }

    /// This session as a `stats_mysql_processlist` row.
    func processInfo(threadID: Int, now: UInt64) -> ClientProcessInfo {
        let running = self.running
        var info: String?
        if let payload = running?.payload, payload.getInteger(at: payload.readerIndex, as: UInt8.self) == CommandCode.query.rawValue {
            info = payload.getString(at: payload.readerIndex + 1, length: payload.readableBytes - 1)
        }
        let conn = backend
        return ClientProcessInfo(
            threadID: threadID, sessionID: connectionID, user: user?.username ?? "", schema: settings.schema ?? "",
            clientHost: addresses.client ?? "", clientPort: addresses.clientPort ?? 0,
            hostgroup: conn?.server.hostgroup, localBackendHost: conn?.channel?.localAddress?.ipAddress,
            localBackendPort: conn?.channel?.localAddress?.port, backendHost: conn?.server.endpoint.host,
            backendPort: conn?.server.endpoint.port, command: running == nil ? "Sleep" : "Query",
            timeMs: Int((now &- commandStartedNanos) / 1_000_000), info: info)
    }
}

/// Query timeouts (a rule's `timeout`, `mysql-default_query_timeout`): a query still running when its
/// time is up is killed on its server with KILL QUERY from another connection; the client then gets the
/// server's "Query execution was interrupted" error, and its connection stays usable.
extension ClientSession {
    func armQueryTimeout(on conn: BackendConnection) {
        let settings = loopContext.snapshot.settings
        let ruleTimeout = running?.options.timeoutMs ?? 0
        let timeout = ruleTimeout > 0 ? ruleTimeout : settings.defaultQueryTimeoutMs
        // The default (a day) never fires in practice: no timer for it on every query.
        guard timeout > 0, timeout < ProxySettings.defaultQueryTimeoutDefault else { return }
        commandGeneration &+= 1
        let generation = commandGeneration
        queryTimeout?.cancel()
        // Strong captures, cancelled when the command ends (`cancelQueryTimeout`): weak ones would give the
        // session and the connection side-table reference counts, slower on every later query.
        queryTimeout = loopContext.loop.scheduleTask(in: .milliseconds(Int64(timeout))) { [self] in
            queryTimeout = nil
            guard commandGeneration == generation, running != nil, backend === conn else { return }
            logger.info("query timeout: killing the query on its server", metadata: ["timeout_ms": "\(timeout)"])
            loopContext.killQuery(on: conn, user: user)
        }
    }

    /// The command ended (or the client left) before its timeout.
    func cancelQueryTimeout() {
        guard let task = queryTimeout else { return }
        task.cancel()
        queryTimeout = nil
    }
}
