/// A problem in a configuration file: where it is (file, line, key) and what is wrong.
///
/// The description reads like a compiler diagnostic so that an operator can jump to the spot:
/// `junction.cnf:12: mysql_servers[1].port: expected an integer, got a string`.
public struct ConfigFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in (the main file or an `@include`d one), as it was named to the parser.
    public var fileName: String
    /// 1-based line number; 0 when the problem concerns the whole file (for example, it cannot be read).
    public var line: Int
    /// The setting concerned, e.g. `mysql_servers[1].port`; nil for syntax errors.
    public var keyPath: String?
    /// What is wrong, without the location.
    public var message: String

    public init(fileName: String, line: Int, keyPath: String? = nil, message: String) {
        self.fileName = fileName
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        var text = fileName
        if line > 0 { text += ":\(line)" }
        text += ": "
        if let keyPath { text += keyPath + ": " }
        return text + message
    }

    static func syntax(_ message: String, fileName: String, line: Int) -> ConfigFileError {
        ConfigFileError(fileName: fileName, line: line, message: "syntax error: " + message)
    }
}
