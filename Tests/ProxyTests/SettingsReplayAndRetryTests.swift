import MySQLProtocol
@testable import Proxy
import SQLText
import Testing

@Suite struct SettingsReplayTests {
    func setting(_ key: String, _ replay: String?, standalone: Bool = false) -> SetStatementParser.Setting {
        SetStatementParser.Setting(key: key, replay: replay, standalone: standalone)
    }

    /// Runs the replay to its end, every step succeeding; returns the steps sent.
    func steps(from connection: SessionSettings, to target: SessionSettings) -> (steps: [SettingsReplay.Step], end: SettingsReplay) {
        var replay = SettingsReplay(connection: connection, target: target, defaultSchema: "information_schema")
        var sent: [SettingsReplay.Step] = []
        var action = replay.start()
        while case .send(let step) = action {
            sent.append(step)
            action = replay.stepSucceeded()
        }
        #expect(action == .done)
        return (sent, replay)
    }

    @Test func aConnectionWithTheSessionsSettingsNeedsNothing() {
        var session = SessionSettings(schema: "shop")
        session.apply([setting("sql_mode", "sql_mode=''")])
        #expect(steps(from: session, to: session).steps.isEmpty)
    }

    @Test func schemaOptionAndSetsGoInThatOrderAndTheConnectionEndsLikeTheSession() {
        let connection = SessionSettings(schema: "other", multiStatements: false)
        var session = SessionSettings(schema: "shop", multiStatements: true)
        session.apply([setting("sql_mode", "sql_mode=''"), setting("time_zone", "time_zone='+00:00'")])
        let (sent, end) = steps(from: connection, to: session)
        #expect(sent == [.setMultiStatements(true), .initDB("shop"), .query("SET sql_mode='', time_zone='+00:00'")])
        #expect(end.connection == session)
    }

    @Test func withoutMultiStatementsEachStatementGoesAlone() {
        let connection = SessionSettings(schema: nil, multiStatements: false)
        var session = SessionSettings(schema: nil, multiStatements: false)
        session.apply([setting("names", "NAMES utf8mb4", standalone: true), setting("sql_mode", "sql_mode=''")])
        let (sent, end) = steps(from: connection, to: session)
        #expect(sent == [.query("SET NAMES utf8mb4"), .query("SET sql_mode=''")])
        #expect(end.connection.settings == session.settings)
    }

    @Test func settingsTheSessionDoesNotHaveAreResetFirst() {
        var connection = SessionSettings(schema: nil)
        connection.apply([setting("sql_mode", "sql_mode='ANSI'")])
        var session = SessionSettings(schema: nil)
        session.apply([setting("time_zone", "time_zone='+01:00'")])
        let (sent, end) = steps(from: connection, to: session)
        #expect(sent == [.resetConnection, .query("SET time_zone='+01:00'")])
        #expect(end.connection.settings == session.settings)
    }

    @Test func aRefusedStepFailsTheReplay() {
        var session = SessionSettings(schema: nil)
        session.apply([setting("sql_mode", "sql_mode='nonsense'")])
        var replay = SettingsReplay(connection: SessionSettings(schema: nil), target: session, defaultSchema: "information_schema")
        #expect(replay.start() == .send(.query("SET sql_mode='nonsense'")))
        #expect(replay.stepFailed() == .fail)
        #expect(replay.connection.settings.isEmpty)
    }

    @Test func stepsEncodeTheirCommands() {
        #expect(Array(SettingsReplay.Step.resetConnection.payload.readableBytesView) == [CommandCode.resetConnection.rawValue])
        #expect(Array(SettingsReplay.Step.setMultiStatements(false).payload.readableBytesView) == [CommandCode.setOption.rawValue, 1, 0])
        #expect(Array(SettingsReplay.Step.initDB("db").payload.readableBytesView) == [CommandCode.initDB.rawValue] + Array("db".utf8))
        #expect(SettingsReplay.Step.query("SET a=1").responseCommand == .query)
        #expect(SettingsReplay.Step.initDB("db").responseCommand == .singlePacket)
    }
}

@Suite struct CommandRetryPolicyTests {
    typealias Failure = CommandRetryPolicy.Failure

    @Test func aCommandThatNeverReachedAServerRunsAgainWhileRetriesLast() {
        #expect(CommandRetryPolicy.decide(Failure(cause: .connectionFailed, attempts: 0, retries: 1)) == .retry)
        #expect(CommandRetryPolicy.decide(Failure(cause: .connectionFailed, attempts: 1, retries: 1)) == .reportError)
        #expect(CommandRetryPolicy.decide(Failure(cause: .refused, attempts: 0, retries: 3)) == .reportError)
        #expect(CommandRetryPolicy.decide(Failure(cause: .connectionFailed, retriable: false)) == .reportError)
        // The session's transaction was on the dead connection: running elsewhere would run outside it.
        #expect(CommandRetryPolicy.decide(Failure(cause: .connectionFailed, sessionHeldState: true)) == .reportError)
    }

    @Test func aConnectionDyingUnderASentCommandIsReportedUnlessAPlainReadCanRunElsewhere() {
        let read = Failure(cause: .connectionFailed, connectionDiedUnderCommand: true, sent: true, repeatableRead: true)
        #expect(CommandRetryPolicy.decide(read) == .retryIfServerIsGone)
        var partly = read
        partly.forwardedAnything = true
        #expect(CommandRetryPolicy.decide(partly) == .reportLostConnection)
        var write = read
        write.repeatableRead = false
        #expect(CommandRetryPolicy.decide(write) == .reportLostConnection)
        var inTransaction = read
        inTransaction.sessionHeldState = true
        #expect(CommandRetryPolicy.decide(inTransaction) == .reportLostConnection)
        var noRetries = read
        noRetries.retries = 0
        #expect(CommandRetryPolicy.decide(noRetries) == .reportLostConnection)
        // Dead before the command was sent (while its settings were replayed): another connection may take it.
        #expect(CommandRetryPolicy.decide(Failure(cause: .connectionFailed, connectionDiedUnderCommand: true)) == .retry)
    }
}
