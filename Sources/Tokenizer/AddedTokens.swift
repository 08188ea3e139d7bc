/// Finds added tokens (such as `[MASK]`) in raw text, before any normalization.
///
/// Matches the reference's `AddedVocabulary` for tokens with `normalized: false`: leftmost-longest
/// matching on the original bytes, case-sensitive, with no stripping of the surrounding spaces.
struct AddedTokens: Sendable {
    /// Patterns as UTF-8 bytes with their ids, longest first.
    private let patterns: [(bytes: [UInt8], id: Int32)]
    /// Whether any pattern starts with a given byte.
    private let firstBytes: [Bool]

    init(_ tokens: [(String, Int32)]) {
        var unique: [String: Int32] = [:]
        for (token, id) in tokens where !token.isEmpty { unique[token] = id }
        patterns = unique.map { (Array($0.key.utf8), $0.value) }
            .sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.bytes.lexicographicallyPrecedes($1.bytes) }
        var first = [Bool](repeating: false, count: 256)
        for pattern in patterns { first[Int(pattern.bytes[0])] = true }
        firstBytes = first
    }

    /// The leftmost match in `bytes[from..<to]`, longest at that position.
    func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> (range: Range<Int>, id: Int32)? {
        if patterns.isEmpty { return nil }
        var index = from
        while index < to {
            if firstBytes[Int(bytes[index])] {
                for pattern in patterns where pattern.bytes.count <= to - index {
                    var equal = true
                    for (offset, byte) in pattern.bytes.enumerated() where bytes[index + offset] != byte {
                        equal = false
                        break
                    }
                    if equal { return (index..<(index + pattern.bytes.count), pattern.id) }
                }
            }
            index += 1
        }
        return nil
    }
}
