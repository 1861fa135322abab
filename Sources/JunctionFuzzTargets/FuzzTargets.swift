/// The in-process fuzz targets: each takes any bytes and must return without trapping, hanging or holding
/// memory out of proportion to its input. `junction-fuzz` runs them under libFuzzer (scripts/fuzz.sh), and
/// the unit tests replay the committed corpus (fuzz/corpus/<target>/, findings as fuzz/corpus/<target>/finding-*) through them.
public enum FuzzTargets {
    public struct Target: Sendable {
        public let name: String
        /// What the target feeds its input to.
        public let summary: String
        public let run: @Sendable (UnsafeRawBufferPointer) -> Void
    }

    public static let all: [Target] = [
        Target(name: "packet-framing", summary: "MySQLPacketAssembler and MySQLFrame: client bytes cut at any point, lying length headers",
               run: WireTargets.packetFraming),
        Target(name: "large-packet-framing", summary: "the same with a 16 MiB frame continued by the next: packets of 16 MiB and more",
               run: WireTargets.largePacketFraming),
        Target(name: "handshake-response", summary: "HandshakeResponse41 and the SSL request check: a client's login packet",
               run: WireTargets.handshakeResponse),
        Target(name: "command-payloads", summary: "client command payloads as the session reads them: COM_CHANGE_USER, COM_STMT_EXECUTE rewritten for a backend",
               run: WireTargets.commandPayloads),
        Target(name: "server-packets", summary: "a backend's packets: greeting, OK, ERR, EOF, column definition, PREPARE_OK, auth switch",
               run: WireTargets.serverPackets),
        Target(name: "response-tracker", summary: "ResponseTracker: a backend's response to each kind of command, packet by packet",
               run: WireTargets.responseTracker),
        Target(name: "client-login", summary: "ClientLogin: Junction logging in to a backend (or the monitor to a server) that lies",
               run: WireTargets.clientLogin),
        Target(name: "peer-answers", summary: "a cluster peer's answers: result sets, runtime_checksums_values, stats_mysql_global, fetched rows",
               run: WireTargets.peerAnswers),
        Target(name: "sql-text", summary: "tokenizer, digest (every option), classifier, SET parser, local SET check, KILL, query annotations",
               run: TextTargets.sqlText),
        Target(name: "admin-parser", summary: "AdminStatementText and AdminCommandParser: a statement on the admin port",
               run: TextTargets.adminParser),
        Target(name: "config-file", summary: "the libconfig parser and the config file's sections",
               run: TextTargets.configFile),
    ]

    public static func named(_ name: String) -> Target? { all.first { $0.name == name } }
}
