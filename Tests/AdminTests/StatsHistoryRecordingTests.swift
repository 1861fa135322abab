import Foundation
import JunctionConfig
import Logging
import Testing
@testable import Admin

/// `recordHistory` against real SQLite files: samples from the stats tables, stamped at their interval, summarised
/// by hour and day once those are over, and dropped past their retention.
struct StatsHistoryRecordingTests {
    let admin = AdminSessionInfo(username: "admin", role: .admin, clientAddress: "127.0.0.1")

    private func makeExecutor() throws -> AdminExecutor {
        let datadir = NSTemporaryDirectory() + "junction-history-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: datadir, withIntermediateDirectories: true)
        let executor = try AdminExecutor(database: AdminDatabase(datadir: datadir), target: nil, configFilePath: nil,
                                         logger: Logger(label: "test"))
        try executor.start(configFile: JunctionConfigFile.parse(text: """
            datadir="\(datadir)"
            admin_variables = { admin_credentials="admin:admin" stats_mysql_connections=60 }
            """, fileName: "test.cnf"), databaseExisted: false, reload: false)
        return executor
    }

    private func rows(_ executor: AdminExecutor, _ sql: String) -> [[String?]] {
        guard case .rows(_, let rows) = executor.execute(sql, session: admin) else { return [] }
        return rows
    }

    private func setGlobal(_ executor: AdminExecutor, questions: Int, connected: Int) {
        executor.storeStats(["stats_mysql_global": TableRows(columns: ["Variable_Name", "Variable_Value"], rows: [
            ["Questions".databaseValue, String(questions).databaseValue],
            ["Client_Connections_connected".databaseValue, String(connected).databaseValue],
        ])])
    }

    @Test func samplesAreStampedAtTheirIntervalAndSummarisedWhenTheHourIsOver() throws {
        let executor = try makeExecutor()
        let hour = 1_800_000_000 / 3_600 * 3_600
        // Two samples in one hour (counters grow, the gauge moves), then one in the next hour.
        setGlobal(executor, questions: 100, connected: 2)
        try executor.recordHistory([.mysqlConnections], now: hour + 61, cpuTicks: (0, 0))
        setGlobal(executor, questions: 250, connected: 6)
        try executor.recordHistory([.mysqlConnections], now: hour + 1_805, cpuTicks: (0, 0))
        #expect(rows(executor, "SELECT timestamp, Questions, Client_Connections_connected FROM stats_history.mysql_connections ORDER BY 1")
            == [[String(hour + 60), "100", "2"], [String(hour + 1_800), "250", "6"]])
        #expect(rows(executor, "SELECT count(*) FROM stats_history.mysql_connections_hour") == [["0"]])  // the hour is not over

        setGlobal(executor, questions: 300, connected: 1)
        try executor.recordHistory([.mysqlConnections], now: hour + 3_600 + 10, cpuTicks: (0, 0))
        // Counters keep their largest value of the hour, gauges their mean; each hour once.
        #expect(rows(executor, "SELECT timestamp, Questions, Client_Connections_connected FROM stats_history.mysql_connections_hour")
            == [[String(hour), "250", "4"]])
        try executor.recordHistory([.mysqlConnections], now: hour + 3_600 + 70, cpuTicks: (0, 0))
        #expect(rows(executor, "SELECT count(*) FROM stats_history.mysql_connections_hour") == [["1"]])
        // Every stats_mysql_global variable, through the lookup table.
        #expect(rows(executor, """
            SELECT v.variable_value FROM stats_history.history_mysql_status_variables v
            JOIN stats_history.history_mysql_status_variables_lookup l USING (variable_id)
            WHERE l.variable_name = 'Questions' ORDER BY v.timestamp DESC LIMIT 1
            """) == [["300"]])

        // Samples older than 7 days go.
        try executor.recordHistory([.mysqlConnections], now: hour + 8 * 86_400, cpuTicks: (0, 0))
        #expect(rows(executor, "SELECT min(timestamp) FROM stats_history.mysql_connections") == [[String(hour + 8 * 86_400)]])
        #expect(rows(executor, "SELECT count(*) FROM stats_history.mysql_connections_day") == [["1"]])
    }

    @Test func cpuSamplesTakeTheGivenTicks() throws {
        let executor = try makeExecutor()
        try executor.recordHistory([.systemCPU], now: 1_800_000_000, cpuTicks: (user: 42, system: 7))
        #expect(rows(executor, "SELECT tms_utime, tms_stime FROM stats_history.system_cpu") == [["42", "7"]])
    }
}
