import MySQLProtocol
@testable import Proxy
import SQLText
import Testing

/// The session machine's transitions, statement by statement, as the split tutorial's clients drive them:
/// writer hostgroup 10, reader hostgroup 20.
@Suite struct SessionStateMachineTests {
    typealias Machine = SessionStateMachine
    let policy = Machine.Policy()
    let writer = 10, reader = 20

    func facts(_ sql: String) -> Machine.Statement { Machine.Statement(StatementClassifier.classify(sql)) }

    /// Runs `sql` routed by the rules to `hostgroup`; the server answers with `status` (nil = ERR).
    @discardableResult
    func run(_ machine: inout Machine, _ sql: String, to hostgroup: Int, status: ServerStatusFlags? = [.autocommit],
             insertID: UInt64 = 0, warnings: UInt16 = 0, policy: Machine.Policy? = nil) -> (Machine.Decision, Machine.ResponseAction) {
        let policy = policy ?? self.policy
        let decision = machine.statementReceived(facts(sql), hostgroup: hostgroup, policy: policy)
        let ranOn: Int
        switch (decision.route, machine.kept) {
        case (.pool(let target), _): ranOn = target
        case (.kept, .bound(let kept)), (.kept, .held(let kept)): ranOn = kept
        case (.kept, .none): Issue.record("routed to a kept connection the session does not have"); ranOn = -1
        }
        let action = machine.responseEnded(status: status, warnings: warnings, isError: status == nil, insertID: insertID,
                                           hostgroup: ranOn, serverServes: true, policy: policy)
        return (decision, action)
    }

    @Test func autocommitOffReadThenWriteOpensTheTransactionOnTheWriter() {
        var machine = Machine()
        machine.autocommitOff = true
        let (read, readDone) = run(&machine, "SELECT COUNT(*) FROM t", to: reader, status: [])
        #expect(read == Machine.Decision(route: .pool(hostgroup: reader), autocommitForRead: true))
        #expect(!readDone.keepCommandConnection && machine.kept == .none, "the read opened nothing on the replica")
        let (write, writeDone) = run(&machine, "INSERT INTO t VALUES (1)", to: writer, status: [.inTransaction], insertID: 1)
        #expect(write == Machine.Decision(route: .pool(hostgroup: writer), autocommitForRead: false))
        #expect(writeDone.keepCommandConnection && machine.kept == .bound(hostgroup: writer))
        let (inside, _) = run(&machine, "SELECT * FROM t", to: reader, status: [.inTransaction])
        #expect(inside.route == .kept && !inside.autocommitForRead, "reads inside the transaction stay on the writer")
        run(&machine, "COMMIT", to: writer, status: [])
        #expect(machine.kept == .held(hostgroup: writer) && !machine.transactionOpen, "held for LAST_INSERT_ID()")
        let (after, _) = run(&machine, "SELECT @@server_id", to: reader, status: [])
        #expect(after.route == .pool(hostgroup: reader), "reads after COMMIT go by the rules")
        let (insertID, _) = run(&machine, "SELECT LAST_INSERT_ID()", to: reader, status: [])
        #expect(insertID.route == .kept, "the insert id is read where the insert ran")
    }

    @Test func withoutTransactionPersistenceATransactionsPlainReadsGoByTheRules() {
        var loose = Machine.Policy()
        loose.transactionPersistent = false
        var machine = Machine()
        run(&machine, "BEGIN", to: writer, status: [.autocommit, .inTransaction], policy: loose)
        run(&machine, "INSERT INTO t VALUES (1)", to: writer, status: [.autocommit, .inTransaction], policy: loose)
        let (read, readDone) = run(&machine, "SELECT COUNT(*) FROM t", to: reader, status: [.autocommit], policy: loose)
        #expect(read == Machine.Decision(route: .pool(hostgroup: reader), autocommitForRead: true))
        #expect(!readDone.keepCommandConnection && !readDone.releaseHeldAside)
        #expect(machine.kept == .bound(hostgroup: writer) && machine.transactionOpen, "the transaction waits on the writer")
        let (locking, _) = run(&machine, "SELECT * FROM t FOR UPDATE", to: writer, status: [.autocommit, .inTransaction], policy: loose)
        #expect(locking.route == .kept)
        let (write, _) = run(&machine, "UPDATE t SET a = 2", to: writer, status: [.autocommit, .inTransaction], policy: loose)
        #expect(write.route == .kept)
        // A read the rules send to the writer's own hostgroup runs in the transaction.
        let (own, _) = run(&machine, "SELECT a FROM t", to: writer, status: [.autocommit, .inTransaction], policy: loose)
        #expect(own.route == .kept)
        run(&machine, "COMMIT", to: writer, policy: loose)
        #expect(!machine.transactionOpen && machine.kept != .bound(hostgroup: writer))
        // With the default (persistent), the same read stays in the transaction.
        var strict = Machine()
        run(&strict, "BEGIN", to: writer, status: [.autocommit, .inTransaction])
        #expect(run(&strict, "SELECT COUNT(*) FROM t", to: reader, status: [.autocommit, .inTransaction]).0.route == .kept)
        // Pins besides the transaction keep every statement on the connection.
        var pinned = Machine()
        run(&pinned, "BEGIN", to: writer, status: [.autocommit, .inTransaction], policy: loose)
        run(&pinned, "SET @x = 1", to: writer, status: [.autocommit, .inTransaction], policy: loose)
        #expect(run(&pinned, "SELECT 1", to: reader, status: [.autocommit, .inTransaction], policy: loose).0.route == .kept)
    }

    @Test func readsAfterCommitGoToTheReplicasWhileTheWriterIsHeld() {
        var machine = Machine()
        run(&machine, "BEGIN", to: writer, status: [.autocommit, .inTransaction])
        run(&machine, "INSERT INTO t VALUES (1)", to: writer, status: [.autocommit, .inTransaction], insertID: 7)
        run(&machine, "COMMIT", to: writer)
        var routes: [Machine.Route] = []
        for _ in 0..<10 { routes.append(run(&machine, "SELECT @@server_id", to: reader).0.route) }
        #expect(routes.allSatisfy { $0 == .pool(hostgroup: reader) })
        #expect(machine.kept == .none, "the held writer went back to the pool once its reads expired")
    }

    @Test func heldConnectionIsReleasedAfterItsReadsExpire() {
        var machine = Machine()
        run(&machine, "INSERT INTO t VALUES (1)", to: writer, insertID: 3)
        var released = 0
        for _ in 0..<policy.autoIncrementDelayMultiplex {
            if run(&machine, "SELECT 1", to: reader).0.releaseHeld { released += 1 }
        }
        #expect(released == 1 && machine.kept == .none)
    }

    @Test func rowCountIsReadOnTheConnectionOfTheUpdate() {
        var machine = Machine()
        let (_, update) = run(&machine, "UPDATE t SET v = 2 WHERE id = 1", to: writer)
        #expect(update.keepCommandConnection && machine.kept == .held(hostgroup: writer))
        let (rowCount, done) = run(&machine, "SELECT ROW_COUNT()", to: reader)
        #expect(rowCount.route == .kept)
        #expect(!done.keepCommandConnection && machine.kept == .none)
    }

    @Test func withoutRulesTheNextStatementReusesTheHeldConnection() {
        var machine = Machine()
        run(&machine, "UPDATE t SET v = 2", to: writer)
        let (next, _) = run(&machine, "SELECT ROW_COUNT()", to: writer)
        #expect(next.route == .kept)
    }

    @Test func pinsBindTheSessionUntilReset() {
        var machine = Machine()
        run(&machine, "SET @x = 5", to: writer)
        #expect(machine.kept == .bound(hostgroup: writer) && machine.pins == .userVariables)
        let (read, _) = run(&machine, "SELECT @x", to: reader)
        #expect(read.route == .kept, "the variable lives on that connection")
        machine.reset()
        #expect(machine.kept == .none && machine.pins.isEmpty)
    }

    @Test func aFailedStatementPinsNothing() {
        var machine = Machine()
        let (_, action) = run(&machine, "CREATE TEMPORARY TABLE t (a INT)", to: writer, status: nil)
        #expect(machine.pins.isEmpty && machine.kept == .held(hostgroup: writer), "only held for SHOW WARNINGS")
        #expect(action.keepCommandConnection)
    }

    @Test func lockingReadUnderAutocommitOffOpensATransaction() {
        var machine = Machine()
        machine.autocommitOff = true
        let (decision, _) = run(&machine, "SELECT * FROM t WHERE id = 1 FOR UPDATE", to: writer, status: [.inTransaction])
        #expect(!decision.autocommitForRead)
        #expect(machine.kept == .bound(hostgroup: writer))
    }

    @Test func enforceAutocommitOnReadsKeepsTheClientsAutocommit() {
        var machine = Machine()
        machine.autocommitOff = true
        var strict = policy
        strict.enforceAutocommitOnReads = true
        let decision = machine.statementReceived(facts("SELECT 1"), hostgroup: reader, policy: strict)
        #expect(!decision.autocommitForRead)
    }

    @Test func lostTransactionIsReported() {
        var machine = Machine()
        run(&machine, "BEGIN", to: writer, status: [.inTransaction])
        let lostTransaction = machine.keptConnectionLost()
        #expect(lostTransaction)
        #expect(machine.kept == .none && !machine.transactionOpen)
        run(&machine, "INSERT INTO t VALUES (1)", to: writer, insertID: 1)
        let lostHeld = machine.keptConnectionLost()
        #expect(!lostHeld, "a held connection carries no state that must be reported")
    }

    @Test func multiplexingOffKeepsEveryConnection() {
        var machine = Machine()
        var off = policy
        off.multiplexing = false
        _ = machine.statementReceived(facts("SELECT 1"), hostgroup: reader, policy: off)
        let action = machine.responseEnded(status: [.autocommit], warnings: 0, isError: false, insertID: 0, hostgroup: reader,
                                           serverServes: true, policy: off)
        #expect(action.keepCommandConnection && machine.kept == .bound(hostgroup: reader))
    }

    @Test func newHoldReplacesTheOneAside() {
        var machine = Machine()
        run(&machine, "INSERT INTO a VALUES (1)", to: writer, insertID: 1)
        let (decision, action) = run(&machine, "SELECT 1", to: reader, warnings: 1)
        #expect(decision.route == .pool(hostgroup: reader))
        #expect(action == Machine.ResponseAction(keepCommandConnection: true, releaseHeldAside: true))
        #expect(machine.kept == .held(hostgroup: reader))
    }

    @Test func offlineSoftServerGetsNoHold() {
        var machine = Machine()
        _ = machine.statementReceived(facts("INSERT INTO t VALUES (1)"), hostgroup: writer, policy: policy)
        let action = machine.responseEnded(status: [.autocommit], warnings: 0, isError: false, insertID: 9, hostgroup: writer,
                                           serverServes: false, policy: policy)
        #expect(!action.keepCommandConnection && machine.kept == .none)
    }
}

@Suite struct LocalSettingCheckTests {
    func check(_ sql: String) -> Bool {
        guard case .session(let settings) = SetStatementParser.parse(sql) else { return false }
        return LocalSettingCheck.accepts(settings)
    }

    @Test func connectTimeSettingsOfDriversAreJudgedLocally() {
        #expect(check("SET AUTOCOMMIT = 0"))
        #expect(check("SET autocommit=1"))
        #expect(check("SET @@session.autocommit = OFF"))
        #expect(check("SET NAMES utf8mb4"))
        #expect(check("SET NAMES 'utf8mb4' COLLATE 'utf8mb4_general_ci'"))
        #expect(check("SET character_set_results = utf8mb4"))
        #expect(check("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"))
        #expect(check("SET time_zone = '+05:00'"))
        #expect(check("SET foreign_key_checks = 0, wait_timeout = 600"))
    }

    @Test func valuesOnlyTheServerCanJudgeGoToIt() {
        #expect(!check("SET NAMES utf8mb4 COLLATE utf8mb4_0900_ai_ci"), "MariaDB 10 has no 0900 collations")
        #expect(!check("SET NAMES klingon"))
        #expect(!check("SET sql_mode = 'ANSI'"))
        #expect(!check("SET time_zone = 'Europe/Paris'"))
        #expect(!check("SET time_zone = '+15:00'"))
        #expect(!check("SET wait_timeout = 0"))
        #expect(!check("SET max_execution_time = 1000"))
        #expect(!check("SET foreign_key_checks = 2"))
        #expect(!check("SET autocommit = 0, sql_mode = 'X'"))
    }
}

@Suite struct KillStatementTests {
    @Test func parsesTheFormsClientsSend() {
        #expect(KillStatement.parse(TokenizedStatement("KILL 42")) == KillStatement(queryOnly: false, connectionID: 42))
        #expect(KillStatement.parse(TokenizedStatement("kill query 7")) == KillStatement(queryOnly: true, connectionID: 7))
        #expect(KillStatement.parse(TokenizedStatement("KILL CONNECTION 9;")) == KillStatement(queryOnly: false, connectionID: 9))
        #expect(KillStatement.parse(TokenizedStatement("KILL HARD QUERY 3")) == KillStatement(queryOnly: true, connectionID: 3))
    }

    @Test func leavesOtherFormsToTheServer() {
        #expect(KillStatement.parse(TokenizedStatement("KILL QUERY ID 5")) == nil)
        #expect(KillStatement.parse(TokenizedStatement("KILL USER app")) == nil)
        #expect(KillStatement.parse(TokenizedStatement("KILL 99999999999")) == nil)
        #expect(KillStatement.parse(TokenizedStatement("KILL")) == nil)
    }
}
