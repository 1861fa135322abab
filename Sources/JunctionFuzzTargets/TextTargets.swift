@testable import Admin
@testable import JunctionConfig
@testable import Proxy
@testable import QueryRouting
@testable import SQLText

/// Targets for text: SQL on both ports and the config file.
enum TextTargets {
    @Sendable static func sqlText(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let flags = input.byte()
        let bytes = input.rest()
        let statement = TokenizedStatement(bytes)
        _ = StatementClassifier.classify(statement)
        _ = KillStatement.parse(statement)
        if case .session(let settings) = SetStatementParser.parse(statement) { _ = LocalSettingCheck.accepts(settings) }
        var options = DigestOptions()
        options.lowercase = flags & 1 != 0
        options.replaceNull = flags & 2 != 0
        options.noDigits = flags & 4 != 0
        options.keepComment = flags & 8 != 0
        options.groupingLimit = Int(flags >> 4 & 3)
        options.groupsGroupingLimit = Int(flags >> 6)
        options.maxQueryLength = flags & 0x10 != 0 ? 65_000 : 16
        options.maxDigestLength = flags & 0x20 != 0 ? 2048 : 8
        let digest = bytes.withUnsafeBufferPointer { QueryDigest.compute(bytes: $0, options: options) }
        if let comment = digest.firstComment { _ = QueryAnnotations(firstComment: comment) }
        for index in 0..<min(statement.tokens.count, 8) {
            _ = statement.keyword(index)
            _ = statement.identifier(statement.tokens[index])
        }
    }

    @Sendable static func adminParser(_ data: UnsafeRawBufferPointer) {
        let text = AdminStatementText(String(decoding: data, as: UTF8.self))
        _ = AdminCommandParser.parse(text)
    }

    @Sendable static func configFile(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        _ = try? JunctionConfigFile.parse(text: text, fileName: "fuzz.cnf", includeResolver: { _ in text.count < 64 ? text : "" })
    }
}
