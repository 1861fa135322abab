import Foundation

extension MonitorService {
    /// The query path could not connect to a server (refused, timed out; not a login refusal). Enough of
    /// them within a second shun it (`mysql-shun_on_failures`); after `mysql-shun_recovery_time_sec` without
    /// new failures it is ONLINE again and gets tried. Works whether or not the checks are enabled.
    public func connectFailed(host hostname: String, port: Int) {
        loop.execute { [self] in
            guard let host, !stopped else { return }
            let settings = host.monitorTopology().settings
            let endpoint = Endpoint(host: hostname, port: port)
            guard connectFailures.failed(endpoint, nowMs: Self.nowMs, settings: settings) else { return }
            let threshold = ConnectFailureShunning.threshold(settings) ?? 0
            setShunned(endpoint, true, for: .connectFailures,
                       reason: "\(hostname):\(port) refused \(threshold) connections within a second: SHUNNED")
            scheduleRecovery(endpoint)
        }
    }

    private func scheduleRecovery(_ endpoint: Endpoint) {
        guard let host, !stopped, shunReasons[endpoint]?.contains(.connectFailures) == true else { return }
        let settings = host.monitorTopology().settings
        guard let wait = connectFailures.msUntilRecovery(endpoint, nowMs: Self.nowMs, settings: settings) else { return }
        guard wait > 0 else {
            connectFailures.recovered(endpoint)
            setShunned(endpoint, false, for: .connectFailures,
                       reason: "\(endpoint.host):\(endpoint.port) shunned for \(ConnectFailureShunning.recoverySeconds(settings) ?? 0)s: ONLINE again, to be tried")
            return
        }
        loop.scheduleTask(in: .milliseconds(wait)) { [weak self] in self?.scheduleRecovery(endpoint) }
    }

    static var nowMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
