/// Parses the libconfig syntax of `proxysql.cnf` (config-file.md §1) into a `ConfigGroup`.
///
/// ```swift
/// let root = try LibconfigParser.parse(text, fileName: "junction.cnf")
/// let threads = root["mysql_variables"]?.groupValue?["threads"]?.intValue
/// ```
public enum LibconfigParser {
    /// Parses `text`, the contents of `fileName` (used only in error messages).
    ///
    /// - Parameter includeResolver: returns the text of the file named by an `@include "path"` directive (the path
    ///   exactly as written); errors in that text name `path` as their file. Without a resolver, `@include` is an error.
    /// - Throws: `ConfigFileError` with the file and line of the first problem.
    public static func parse(
        _ text: String,
        fileName: String,
        includeResolver: ((String) throws -> String)? = nil
    ) throws -> ConfigGroup {
        var lexer = ConfigLexer(text: text, fileName: fileName, includeResolver: includeResolver)
        var parser = ConfigTokenParser(tokens: try lexer.tokenize())
        return try parser.parseFile(fileName: fileName)
    }
}
