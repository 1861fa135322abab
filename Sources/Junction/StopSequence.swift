import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import UnixSignals

/// How Junction stops on SIGTERM, for planned switchovers behind a load balancer or keepalived:
/// 1. it reports itself stopping (`JUNCTION HEALTH`, so `junction health` fails and traffic moves away) and keeps
///    serving for `stop_grace_period_ms`;
/// 2. then the service group shuts down: the client port stops accepting, sessions with nothing in flight are
///    closed, running statements and open transactions get `stop_drain_timeout_ms` to finish (`ProxyService`);
/// 3. the admin port closes last.
/// A second SIGTERM or SIGINT skips what is left of the grace period. SIGHUP reloads the config file.
final class StopSequence: Sendable {
    let gracePeriodMs: Int
    let drainTimeoutMs: Int
    private let stoppingSince = NIOLockedValueBox<Date?>(nil)
    private let logger: Logger

    init(gracePeriodMs: Int, drainTimeoutMs: Int, logger: Logger) {
        self.gracePeriodMs = gracePeriodMs
        self.drainTimeoutMs = drainTimeoutMs
        self.logger = logger
    }

    var isStopping: Bool { stoppingSince.withLockedValue { $0 != nil } }

    /// Traps the signals this handles: made first thing at start, so a SIGTERM during start-up waits for
    /// `handleSignals` instead of killing a half-started process.
    static func trapSignals() async -> UnixSignalsSequence {
        await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
    }

    /// Handles `signals` until the group has stopped (cancel the task running this then).
    func handleSignals(_ signals: UnixSignalsSequence, of group: ServiceGroup, reload: @escaping @Sendable () -> Void) async {
        var grace: Task<Void, Never>?
        for await signal in signals {
            if signal == .sighup {
                reload()
                continue
            }
            let first = stoppingSince.withLockedValue { since -> Bool in
                defer { if since == nil { since = Date() } }
                return since == nil
            }
            guard first, signal == .sigterm, gracePeriodMs > 0 else {
                grace?.cancel()
                SystemdNotifier.notify("STOPPING=1")
                logger.notice("stopping", metadata: ["signal": "\(signal)"])
                await group.triggerGracefulShutdown()
                continue
            }
            SystemdNotifier.notify("STOPPING=1")
            logger.notice("stopping: the health check reports it; clients are served for the grace period, then drained",
                          metadata: ["grace_ms": "\(gracePeriodMs)", "drain_timeout_ms": "\(drainTimeoutMs)"])
            let delay = UInt64(gracePeriodMs) * 1_000_000
            grace = Task {
                try? await Task.sleep(nanoseconds: delay)
                guard !Task.isCancelled else { return }
                await group.triggerGracefulShutdown()
            }
        }
    }
}

/// Says READY=1 to systemd once every listening service has bound its ports.
final class ReadinessGate: Sendable {
    private let waiting: NIOLockedValueBox<Int>

    init(services: Int) {
        waiting = NIOLockedValueBox(services)
    }

    func serviceListening() {
        let ready = waiting.withLockedValue { count -> Bool in
            count -= 1
            return count == 0
        }
        if ready { SystemdNotifier.notify("READY=1") }
    }
}
