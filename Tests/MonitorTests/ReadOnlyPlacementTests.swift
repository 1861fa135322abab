import JunctionConfig
import Testing
@testable import Monitor

/// Placement by read_only (monitor.md §2.3), on the tutorial's layout: 10 = writer, 20 = readers.
struct ReadOnlyPlacementTests {
    typealias E = ReadOnlyPlacement.Endpoint
    let pair = MySQLReplicationHostgroupRow(writerHostgroup: 10, readerHostgroup: 20)
    let a = E(host: "db1", port: 3306), b = E(host: "db2", port: 3306), c = E(host: "db3", port: 3306)

    var tutorial: [MySQLServerRow] {
        [MySQLServerRow(hostgroupID: 10, hostname: "db1", weight: 7, comment: "primary"),
         MySQLServerRow(hostgroupID: 20, hostname: "db2"), MySQLServerRow(hostgroupID: 20, hostname: "db3")]
    }

    private func layout(_ rows: [MySQLServerRow]) -> [String] {
        rows.map { "\($0.hostgroupID):\($0.hostname)" }
    }

    @Test func aWriterThatWasAlwaysOneIsNotMadeAReader() {
        // The tutorial: `select @@server_id` must alternate between the two replicas, never the primary.
        for writerIsAlsoReader in [true, false] {
            let placed = ReadOnlyPlacement.place(servers: tutorial, pairs: [pair], readOnly: [a: false, b: true, c: true],
                                                 writerIsAlsoReader: writerIsAlsoReader)
            #expect(layout(placed) == ["10:db1", "20:db2", "20:db3"])
        }
    }

    @Test func aPromotedReaderStaysAReaderOnlyWhenWriterIsAlsoReader() {
        // db2 promoted (read_only=0), db1 demoted (read_only=1).
        let placed = ReadOnlyPlacement.place(servers: tutorial, pairs: [pair], readOnly: [a: true, b: false, c: true], writerIsAlsoReader: true)
        #expect(layout(placed) == ["10:db2", "20:db1", "20:db2", "20:db3"])
        #expect(placed.first { $0.hostgroupID == 20 && $0.hostname == "db1" }?.weight == 7, "the copy keeps the row's attributes")
    }

    @Test func aWriterTheUserAlsoMadeAReaderStaysOne() {
        let both = tutorial + [MySQLServerRow(hostgroupID: 20, hostname: "db1")]
        let placed = ReadOnlyPlacement.place(servers: both, pairs: [pair], readOnly: [a: false, b: true, c: true], writerIsAlsoReader: false)
        #expect(layout(placed) == ["10:db1", "20:db1", "20:db2", "20:db3"])
    }

    @Test func failoverMovesTheWriter() {
        // db2 promoted (read_only=0), db1 demoted (read_only=1).
        let placed = ReadOnlyPlacement.place(servers: tutorial, pairs: [pair], readOnly: [a: true, b: false, c: true], writerIsAlsoReader: false)
        #expect(layout(placed) == ["10:db2", "20:db1", "20:db3"])
    }

    @Test func serversWithoutAResultStayAsConfigured() {
        let placed = ReadOnlyPlacement.place(servers: tutorial, pairs: [pair], readOnly: [b: true], writerIsAlsoReader: false)
        #expect(layout(placed) == ["10:db1", "20:db2", "20:db3"])
    }

    @Test func severalWritablesAreAllWriters() {
        let placed = ReadOnlyPlacement.place(servers: tutorial, pairs: [pair], readOnly: [a: false, b: false, c: true], writerIsAlsoReader: false)
        #expect(layout(placed) == ["10:db1", "10:db2", "20:db3"])
    }

    @Test func placementIsStable() {
        let once = ReadOnlyPlacement.place(servers: tutorial, pairs: [pair], readOnly: [a: true, b: false, c: true], writerIsAlsoReader: true)
        let twice = ReadOnlyPlacement.place(servers: once, pairs: [pair], readOnly: [a: true, b: false, c: true], writerIsAlsoReader: true)
        #expect(once == twice)
    }

    @Test func serversOutsideReplicationHostgroupsAreUntouched() {
        let other = tutorial + [MySQLServerRow(hostgroupID: 99, hostname: "db9")]
        let placed = ReadOnlyPlacement.place(servers: other, pairs: [pair], readOnly: [E(host: "db9", port: 3306): false], writerIsAlsoReader: true)
        #expect(layout(placed).contains("99:db9") && !layout(placed).contains("10:db9"))
    }

    @Test func checkTypeQueries() {
        #expect(ReadOnlyPlacement.query(checkType: "read_only") == "SELECT @@global.read_only read_only")
        #expect(ReadOnlyPlacement.query(checkType: "SUPER_READ_ONLY") == "SELECT @@global.super_read_only read_only")
        #expect(ReadOnlyPlacement.query(checkType: "read_only|innodb_read_only").contains("|"))
    }
}
