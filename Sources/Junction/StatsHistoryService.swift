import Admin
import Foundation
import Logging
import NIOCore

/// Fills `stats_history` on the admin's loop: each second it asks `StatsHistorySchedule` what is due under the
/// `admin-stats_*` intervals, collects the proxy's counters once if a sample needs them, and has the admin write
/// the samples; `admin-stats_mysql_query_digest_to_disk` saves (and resets) the digest statistics on its period.
final class StatsHistoryService {
    private let loop: EventLoop
    private let executor: AdminExecutor
    private let logger: Logger
    private var schedule = StatsHistorySchedule()
    private var tick: RepeatedTask?
    /// Collections in flight (a sample's, the digests' save); no new sample starts while one runs.
    private var inFlight = 0

    init(loop: EventLoop, executor: AdminExecutor, logger: Logger) {
        self.loop = loop
        self.executor = executor
        self.logger = logger
    }

    func start() {
        loop.execute { [self] in
            tick = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [weak self] _ in self?.sample() }
        }
    }

    func stop() -> EventLoopFuture<Void> {
        loop.submit { [self] in
            tick?.cancel()
            tick = nil
        }
    }

    private func sample() {
        guard inFlight == 0 else { return }
        let now = Int(Date().timeIntervalSince1970)
        let due = schedule.due(now: now, intervals: executor.statsHistoryIntervals)
        if schedule.digestDumpDue(now: now, interval: executor.digestToDiskInterval) { saveDigests() }
        guard !due.isEmpty else { return }
        let write = { [self] in
            do {
                try executor.recordHistory(due, now: now, cpuTicks: Self.cpuTicks())
            } catch {
                logger.warning("stats_history sample not written", metadata: ["error": "\(error)"])
            }
        }
        guard due.contains(where: \.needsProxyStats), let source = executor.statsSource else { return write() }
        inFlight += 1
        source.collect(reset: []).hop(to: loop).whenComplete { [self] result in
            inFlight -= 1
            switch result {
            case .success(let tables):
                executor.storeStats(tables)
                write()
            case .failure(let error):
                // Not written: the stats tables still hold an older reading, which would be stamped with this time.
                logger.warning("stats_history sample skipped: the proxy's counters could not be read", metadata: ["error": "\(error)"])
            }
        }
    }

    private func saveDigests() {
        guard let source = executor.statsSource else { return }
        inFlight += 1
        source.collect(reset: .digests).hop(to: loop).whenComplete { [self] result in
            inFlight -= 1
            guard case .success(let tables) = result else { return }
            executor.storeStats(tables)
            if case .error(let error) = executor.execute("SAVE MYSQL DIGEST TO DISK", session: AdminSessionInfo(username: "junction", role: .admin, clientAddress: "stats_history")) {
                logger.warning("digest statistics not saved to stats_history", metadata: ["error": "\(error.message)"])
            }
        }
    }

    /// The process's CPU time in clock ticks (`times()`), as `system_cpu` records it.
    static func cpuTicks() -> (user: Int, system: Int) {
        var usage = tms()
        _ = times(&usage)
        return (Int(usage.tms_utime), Int(usage.tms_stime))
    }
}
