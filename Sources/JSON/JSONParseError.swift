/// Why some bytes are not a JSON value, and where.
///
/// `line` and `column` are 1-based; `column` counts Unicode scalars, as jansson does. `position` is the
/// number of bytes read when the problem was found (jansson's convention: one past the offending byte for
/// most errors). `message` is jansson's text, or ours for limits that jansson does not check.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line of the problem.
    public let line: Int
    /// The 1-based column of the problem, in Unicode scalars.
    public let column: Int
    /// The byte offset of the problem.
    public let position: Int
    /// What is wrong.
    public let message: String

    /// An error at a place in the input.
    public init(line: Int, column: Int, position: Int, message: String) {
        self.line = line
        self.column = column
        self.position = position
        self.message = message
    }

    /// "line 3, column 7: message" — the form JSON-RPC parse errors report.
    public var description: String {
        "line \(line), column \(column): \(message)"
    }
}
