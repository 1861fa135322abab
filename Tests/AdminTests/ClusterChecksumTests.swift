import Foundation
import JunctionConfig
import Logging
import Testing
@testable import Admin

/// Junction's cluster checksums against values recorded from the ProxySQL 2.7.1 binary
/// (docs/notes/cluster-checksum-vectors.json): from the rows ProxySQL served to a peer, and from the same admin
/// statements typed into Junction's admin.
struct ClusterChecksumTests {
    struct Vector {
        var id: String
        var adminSQL: [String]
        var checksums: [String: (version: Int, checksum: String)]
        var globalChecksum: String
        var fetched: [String: [ClusterResultSet]]
    }

    static let vectors: [Vector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/notes/cluster-checksum-vectors.json")
        guard let data = try? Data(contentsOf: url),
              let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let vectors = document["vectors"] as? [[String: Any]] else { return [] }
        func resultSet(_ any: Any) -> ClusterResultSet {
            let object = any as? [String: Any] ?? [:]
            let rows = (object["rows"] as? [[Any]] ?? []).map { $0.map { $0 as? String } }
            return ClusterResultSet(columns: object["columns"] as? [String] ?? [], rows: rows)
        }
        return vectors.map { vector in
            var checksums: [String: (Int, String)] = [:]
            for entry in vector["runtime_checksums_values"] as? [[String: Any]] ?? [] {
                checksums[entry["name"] as? String ?? ""] = (Int(entry["version"] as? String ?? "") ?? 0, entry["checksum"] as? String ?? "")
            }
            var fetched: [String: [ClusterResultSet]] = [:]
            for (name, value) in vector["fetched_rows"] as? [String: Any] ?? [:] {
                fetched[name] = (value as? [Any]).map { $0.map(resultSet) } ?? [resultSet(value)]
            }
            return Vector(id: vector["id"] as? String ?? "?", adminSQL: vector["admin_sql"] as? [String] ?? [],
                          checksums: checksums, globalChecksum: "\(vector["global_checksum"] ?? "")", fetched: fetched)
        }
    }()

    @Test func spookyHashGivesBobJenkinsPublishedValues() {
        // SpookyV2's own test: Hash32 of the first i bytes of k+128, seeds 0.
        let expected: [Int: UInt32] = [0: 0x6bf5_0919, 1: 0x70de_1d26, 2: 0xa2b3_7298, 3: 0x35bc_5fbf, 4: 0x8223_b279,
                                       5: 0x5bcb_315e, 6: 0x53fe_88a1, 7: 0xf9f1_a233, 191: 0xe13d_9e19, 192: 0x77e0_12bd,
                                       193: 0x2d05_114c, 287: 0xc22c_642d, 288: 0x4788_0140, 511: 0xcc1c_8250]
        let buffer = (0..<512).map { UInt8(truncatingIfNeeded: $0 + 128) }
        for (length, value) in expected {
            #expect(UInt32(truncatingIfNeeded: SpookyHash.hash64(Array(buffer[0..<length]), seed1: 0, seed2: 0)) == value,
                    "length \(length)")
        }
    }

    @Test func spookyHashFedInPiecesEqualsTheWholeMessage() {
        var generator = SystemRandomNumberGenerator()
        for length in Array(0..<300) + [383, 384, 385, 575, 576, 577, 1_000] {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var pieces = SpookyHash(seed1: 19, seed2: 3)
            var position = 0
            while position < length {
                let step = min(Int.random(in: 1...120, using: &generator), length - position)
                pieces.update(Array(message[position..<(position + step)]))
                position += step
            }
            var whole = SpookyHash(seed1: 19, seed2: 3)
            whole.update(message)
            #expect(pieces.finalize() == whole.finalize(), "length \(length)")
        }
    }

    @Test func renderingPadsOnTheRightAsProxySQLDoes() {
        #expect(ClusterChecksum.render(0) == "0x0000000000000000")
        #expect(ClusterChecksum.render(0x0BD9_8E90_00AC_DDFF) == "0xACDDFFBD98E90000")
        #expect(ClusterChecksum.render(0xA7D9_F52C_0422_C5AF) == "0x422C5AFA7D9F52C0")
    }

    @Test func theRowsProxySQLServedHashToTheChecksumsItAdvertised() throws {
        try #require(Self.vectors.count == 5, "docs/notes/cluster-checksum-vectors.json has the 5 recorded configurations")
        for vector in Self.vectors {
            for name in RuntimeChecksums.moduleNames {
                let sets = try #require(vector.fetched[name], "vector \(vector.id) has \(name)")
                #expect(ClusterChecksum.render(ClusterRowSets.checksum(of: name, sets: sets)) == vector.checksums[name]?.checksum,
                        "vector \(vector.id), \(name)")
            }
            let global = ClusterChecksum.global(RuntimeChecksums.moduleNames.compactMap { name in
                vector.checksums[name].map { (checksum: $0.checksum, version: $0.version) }
            })
            #expect(String(global) == vector.globalChecksum, "vector \(vector.id) GLOBAL_CHECKSUM()")
        }
    }

    /// The recorded configurations typed into Junction's admin (started like the ProxySQL that recorded them, and
    /// presenting its version) give ProxySQL's checksums, versions and global checksum, and serve the same rows.
    @Test func theSameStatementsOnJunctionGiveProxySQLsChecksums() throws {
        try #require(Self.vectors.count == 5)
        for vector in Self.vectors {
            let datadir = NSTemporaryDirectory() + "junction-checksums-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: datadir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: datadir) }
            let executor = try AdminExecutor(database: AdminDatabase(datadir: datadir), target: RecordingTarget(), configFilePath: nil,
                                             logger: Logger(label: "test"))
            executor.presentVersion("2.7.1-16-g2726c27")
            let config = """
                admin_variables = { admin_credentials="admin:admin" mysql_ifaces="127.0.0.1:26132" }
                mysql_variables = { threads=2 interfaces="127.0.0.1:26133" monitor_enabled=false }
                """
            try executor.start(configFile: JunctionConfigFile.parse(text: config, fileName: "vector.cnf"), databaseExisted: false, reload: false)
            let admin = AdminSessionInfo(username: "admin", role: .admin, clientAddress: "127.0.0.1")
            for statement in vector.adminSQL {
                if case .error(let error) = executor.execute(statement, session: admin) {
                    Issue.record("vector \(vector.id): \(statement): \(error)")
                }
            }
            for name in RuntimeChecksums.moduleNames {
                let entry = executor.checksums.entries[name]
                #expect(entry?.checksum == vector.checksums[name]?.checksum, "vector \(vector.id), \(name)")
                #expect(entry?.version == vector.checksums[name]?.version, "vector \(vector.id), \(name) version")
            }
            #expect(String(executor.checksums.global) == vector.globalChecksum, "vector \(vector.id) GLOBAL_CHECKSUM()")
            for query in ["mysql_users", "mysql_query_rules", "mysql_servers_v2"] {
                for (index, set) in (vector.fetched[query] ?? []).enumerated() {
                    let sql = ClusterFetchQueryText.queries[query]?[index] ?? ""
                    guard case .rows(_, let rows) = executor.execute(sql, session: admin) else {
                        Issue.record("vector \(vector.id): \(sql) answered no rows")
                        continue
                    }
                    // The users query has no ORDER BY: the same rows, in any order.
                    let order = { (rows: [[String?]]) in query == "mysql_users" ? rows.sorted { "\($0)" < "\($1)" } : rows }
                    #expect(order(rows) == order(set.rows), "vector \(vector.id): \(sql)")
                }
            }
        }
    }
}

/// The fetch queries as the vectors recorded them (the Cluster module's copy is tested in ClusterTests).
enum ClusterFetchQueryText {
    static let queries: [String: [String]] = {
        var queries: [String: [String]] = [:]
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/notes/cluster-checksum-vectors.json")
        guard let data = try? Data(contentsOf: url),
              let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let first = (document["vectors"] as? [[String: Any]])?.first,
              let fetched = first["fetched_rows"] as? [String: Any] else { return [:] }
        for (name, value) in fetched {
            let sets = (value as? [[String: Any]]) ?? [(value as? [String: Any]) ?? [:]]
            queries[name] = sets.map { $0["query"] as? String ?? "" }
        }
        return queries
    }()
}
