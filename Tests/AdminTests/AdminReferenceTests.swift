import Foundation
import Testing
@testable import Admin

/// docs/ADMIN.md is generated from the code; this fails when they differ. Regenerate with
/// `JUNCTION_UPDATE_DOCS=1 swift test --filter AdminReferenceTests`.
struct AdminReferenceTests {
    @Test func adminReferenceMatchesTheCode() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/ADMIN.md").standardized.path
        let generated = AdminReference.markdown()
        if ProcessInfo.processInfo.environment["JUNCTION_UPDATE_DOCS"] == "1" {
            try generated.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let onDisk = try String(contentsOfFile: path, encoding: .utf8)
        #expect(onDisk == generated, "docs/ADMIN.md is stale: run JUNCTION_UPDATE_DOCS=1 swift test --filter AdminReferenceTests")
    }

    @Test func everyTableOfTheCatalogIsDocumented() throws {
        let text = AdminReference.markdown()
        for table in AdminTableCatalog.all {
            #expect(text.contains(table.createSQL), "\(table.name) missing")
        }
    }
}
