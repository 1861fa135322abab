@testable import Proxy
import SQLText
import Testing

@Suite struct ReplayPlanTests {
    func settings(_ sql: String, schema: String? = nil) -> SessionSettings {
        var s = SessionSettings(schema: schema)
        if case .session(let changes) = SetStatementParser.parse(sql) { s.apply(changes) }
        return s
    }

    @Test func identicalSettingsNeedNothing() {
        #expect(ReplayPlan(from: settings("SET sql_mode=''", schema: "a"), to: settings("SET sql_mode=''", schema: "a")).isEmpty)
    }

    @Test func missingSettingsAreSent() {
        let plan = ReplayPlan(from: SessionSettings(schema: "a"), to: settings("SET sql_mode='ANSI', time_zone='+01:00'", schema: "b"))
        #expect(!plan.resetFirst)
        #expect(plan.initDB == "b")
        #expect(plan.statements == ["SET sql_mode='ANSI', time_zone='+01:00'"])
    }

    @Test func extraSettingsOnTheConnectionForceAReset() {
        let plan = ReplayPlan(from: settings("SET sql_mode='ANSI'"), to: SessionSettings())
        #expect(plan.resetFirst)
        #expect(plan.statements.isEmpty)
    }

    @Test func namesIsSentOnItsOwn() {
        let plan = ReplayPlan(from: SessionSettings(), to: settings("SET NAMES latin1"))
        #expect(plan.statements == ["SET NAMES latin1"])
    }

    @Test func multiStatementOptionFollowsTheSession() {
        var session = SessionSettings()
        session.multiStatements = false
        #expect(ReplayPlan(from: SessionSettings(), to: session).setMultiStatements == false)
    }

    @Test func autocommitOnRemovesTheSetting() {
        var s = settings("SET autocommit=0")
        #expect(s.autocommitOff)
        if case .session(let changes) = SetStatementParser.parse("SET autocommit=1") { s.apply(changes) }
        #expect(!s.autocommitOff)
    }
}

extension ReplayPlanTests {
    @Test func sessionWithoutSchemaDoesNotInheritAnotherSessionsSchema() {
        #expect(ReplayPlan(from: SessionSettings(schema: "other"), to: SessionSettings()).initDB == "information_schema")
        #expect(ReplayPlan(from: SessionSettings(schema: "information_schema"), to: SessionSettings()).isEmpty)
        #expect(ReplayPlan(from: SessionSettings(), to: SessionSettings()).isEmpty)
    }
}

extension ReplayPlanTests {
    /// A read under autocommit=0 runs with autocommit on: turning it back on is a SET, never a reset (which would
    /// also drop the statements prepared on the connection).
    @Test func autocommitBackOnIsASetNotAReset() {
        let plan = ReplayPlan(from: settings("SET autocommit=0, sql_mode='ANSI'"), to: settings("SET sql_mode='ANSI'"))
        #expect(!plan.resetFirst)
        #expect(plan.statements == ["SET autocommit=1"])
        let reset = ReplayPlan(from: settings("SET autocommit=0, time_zone='+01:00'"), to: settings("SET sql_mode='ANSI'"))
        #expect(reset.resetFirst && reset.statements == ["SET sql_mode='ANSI'"])
    }
}
