import Foundation
import Logging
import NIOCore
import NIOPosix
import Proxy
import ServiceLifecycle

/// The client port as a long-lived service: binds every interface of `mysql-interfaces`, serves until
/// graceful shutdown, then stops accepting, drains the sessions (`drainTimeoutMs`) and closes pooled backend
/// connections.
final class ProxyService: Service {
    private let server: ProxyServer
    private let interfaces: [String]
    private let drainTimeoutMs: Int
    private let readiness: ReadinessGate?
    private let logger: Logger

    init(server: ProxyServer, interfaces: [String], drainTimeoutMs: Int, readiness: ReadinessGate?, logger: Logger) {
        self.server = server
        self.interfaces = interfaces
        self.drainTimeoutMs = drainTimeoutMs
        self.readiness = readiness
        self.logger = logger
    }

    public func run() async throws {
        if let version = try? await server.learnServerVersion().get() {
            logger.info("backend version learned", metadata: ["version": "\(version)"])
        }
        var listeners: [Channel] = []
        for interface in interfaces {
            let (host, port) = try ListenAddress.parse(interface)
            let channel = try await server.bind(host: host, port: port).get()
            logger.notice("accepting MySQL clients", metadata: ["address": "\(host):\(port)"])
            listeners.append(channel)
        }
        let bound = listeners
        guard !bound.isEmpty else { throw StartupError("no client interface configured (mysql-interfaces)") }
        readiness?.serviceListening()
        await ListenerLifetime.serve(bound)
        await drain()
        try? await server.closeIdleBackends().get()
        logger.notice("client port closed")
    }
}

extension ProxyService {
    /// With the client port closed: sessions with nothing in flight are closed at once (their clients reconnect
    /// elsewhere), the others as they finish their statement or transaction, until `drainTimeoutMs`.
    private func drain() async {
        let deadline = ContinuousClock.now + .milliseconds(drainTimeoutMs)
        var busy = (try? await server.closeSessionsWithNothingInFlight().get()) ?? 0
        if busy > 0 { logger.notice("stop: waiting for running statements and open transactions", metadata: ["sessions": "\(busy)"]) }
        while busy > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            busy = (try? await server.closeSessionsWithNothingInFlight().get()) ?? 0
        }
        if busy > 0 {
            logger.warning("stop: sessions still busy after stop_drain_timeout_ms are cut", metadata: ["sessions": "\(busy)"])
        }
    }
}

/// `host:port` as written in `mysql-interfaces` / `admin-mysql_ifaces` (IPv6 as `[::1]:6033`).
public enum ListenAddress {
    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "invalid listen address '\(text)': expected host:port" }
    }

    public static func parse(_ text: String) throws -> (host: String, port: Int) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...]),
              (0...65535).contains(port) else { throw Invalid(text: text) }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
