/// Why a JSON value does not have the shape a caller asked for, naming the place: `params.texts[3]`.
public struct JSONDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is, from the root the reader started with: `params.options.topK`, `params.texts[3]`.
    public let path: String
    /// What is wrong there: `expected integer, got string`.
    public let message: String

    /// An error at `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// "params.topK: expected integer, got string" — the text of a JSON-RPC -32602 error.
    public var description: String {
        "\(path): \(message)"
    }
}
