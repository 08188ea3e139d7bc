import JSON
import Tokenizer

/// An open document as the editor last described it.
public struct TextDocument: Sendable {
    /// The document's URI.
    public let uri: String
    /// The editor's language id (`markdown`, `plaintext`, ...).
    public let languageId: String
    /// The version the editor gave with the last change.
    public private(set) var version: Int
    /// The full text.
    public private(set) var text: String
    /// Positions of `text`.
    public private(set) var lines: LineIndex

    /// A document opened with `text`.
    public init(uri: String, languageId: String, version: Int, text: String) {
        self.uri = uri
        self.languageId = languageId
        self.version = version
        self.text = text
        self.lines = LineIndex(text)
    }

    /// Applies one `TextDocumentContentChangeEvent`: a full replacement (no `range`), or an incremental
    /// edit of `range` (positions in `encoding` units).
    public mutating func apply(_ change: JSONReader, encoding: OffsetEncoding) throws(JSONDecodingError) {
        let newText = try change.required("text", as: String.self)
        guard let range = change.member("range") else {
            text = newText
            lines = LineIndex(text)
            return
        }
        let start = lines.offset(of: try Self.position(range, "start"), encoding: encoding)
        let end = lines.offset(of: try Self.position(range, "end"), encoding: encoding)
        guard start <= end else { throw range.error("start is after end") }
        var bytes = lines.bytes
        bytes.replaceSubrange(start..<end, with: Array(newText.utf8))
        text = String(decoding: bytes, as: UTF8.self)
        lines = LineIndex(text)
    }

    /// Records the version of the last change.
    public mutating func setVersion(_ version: Int) {
        self.version = version
    }

    static func position(_ range: JSONReader, _ key: String) throws(JSONDecodingError) -> TextPosition {
        guard let reader = range.member(key) else {
            throw JSONDecodingError(path: range.path + ".\(key)", message: "missing required field")
        }
        return TextPosition(line: try reader.required("line", as: Int.self, in: 0...),
                            character: try reader.required("character", as: Int.self, in: 0...))
    }
}
