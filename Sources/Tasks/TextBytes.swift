/// A text's UTF-8 bytes, for cutting out the caller's exact text at tokenizer offsets.
struct TextBytes: Sendable {
    let bytes: [UInt8]

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// The text between two byte offsets (tokenizer offsets always fall on scalar boundaries).
    subscript(_ range: Range<Int>) -> String {
        let clamped = range.clamped(to: 0..<bytes.count)
        return String(decoding: bytes[clamped], as: UTF8.self)
    }
}
