import Testing
@testable import Admin

/// When `stats_history` samples are taken: on the interval's boundaries, off at 0.
struct StatsHistoryScheduleTests {
    func due(_ schedule: inout StatsHistorySchedule, now: Int, intervals: [StatsHistoryKind: Int]) -> [StatsHistoryKind] {
        schedule.due(now: now, intervals: intervals)
    }

    func dump(_ schedule: inout StatsHistorySchedule, now: Int, interval: Int) -> Bool {
        schedule.digestDumpDue(now: now, interval: interval)
    }

    @Test func samplesOnIntervalBoundaries() {
        var schedule = StatsHistorySchedule()
        let intervals: [StatsHistoryKind: Int] = [.mysqlConnections: 60, .systemCPU: 1]
        // Started mid-minute: the connections sample waits for the next whole minute, CPU runs every second.
        #expect(due(&schedule, now: 1_000_030, intervals: intervals) == [.systemCPU])
        #expect(due(&schedule, now: 1_000_031, intervals: intervals) == [.systemCPU])
        #expect(due(&schedule, now: 1_000_031, intervals: intervals).isEmpty)
        #expect(due(&schedule, now: 1_000_020 + 60, intervals: intervals) == [.mysqlConnections, .systemCPU])
        #expect(due(&schedule, now: 1_000_081, intervals: intervals) == [.systemCPU])
        #expect(due(&schedule, now: 1_000_140, intervals: intervals) == [.mysqlConnections, .systemCPU])
    }

    @Test func zeroTurnsAKindOff() {
        var schedule = StatsHistorySchedule()
        #expect(due(&schedule, now: 120, intervals: [.connectionPool: 0]).isEmpty)
        #expect(due(&schedule, now: 180, intervals: [:]).isEmpty)
    }

    @Test func digestDumpRunsEveryIntervalAfterTheFirst() {
        var schedule = StatsHistorySchedule()
        #expect(!dump(&schedule, now: 100, interval: 10))
        #expect(!dump(&schedule, now: 105, interval: 10))
        #expect(dump(&schedule, now: 110, interval: 10))
        #expect(!dump(&schedule, now: 111, interval: 0))
    }

    @Test func summaryKeepsCountersLargestAndGaugesMean() {
        let sql = SampledTable.mysqlConnections.summarySQL(from: "mysql_connections", into: "mysql_connections_hour", seconds: 3_600)
        #expect(sql.contains("MAX(Questions)"))
        #expect(sql.contains("CAST(AVG(Client_Connections_connected) AS INT)"))
    }
}
