import Admin
import Logging
import NIOCore
import ServiceLifecycle

/// The admin port as a long-lived service: binds every address of `admin-mysql_ifaces` and serves
/// until graceful shutdown.
final class AdminService: Service {
    private let server: AdminServer
    private let interfaces: [String]
    private let readiness: ReadinessGate?
    private let logger: Logger

    init(server: AdminServer, interfaces: [String], readiness: ReadinessGate?, logger: Logger) {
        self.server = server
        self.interfaces = interfaces
        self.readiness = readiness
        self.logger = logger
    }

    func run() async throws {
        var listeners: [Channel] = []
        for interface in interfaces {
            let (host, port) = try ListenAddress.parse(interface)
            let channel: Channel
            do { channel = try await server.bind(host: host, port: port).get() } catch {
                throw StartupError("cannot listen on admin address \(host):\(port): \(error)")
            }
            logger.notice("accepting admin clients", metadata: ["address": "\(host):\(port)"])
            listeners.append(channel)
        }
        let bound = listeners
        guard !bound.isEmpty else { throw StartupError("no admin interface configured (admin-mysql_ifaces)") }
        readiness?.serviceListening()
        await ListenerLifetime.serve(bound)
        logger.notice("admin port closed")
    }
}
