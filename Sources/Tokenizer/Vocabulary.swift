import Foundation

/// A WordPiece vocabulary: token strings and their ids, with a byte trie for longest-prefix lookups.
///
/// Loaded from `vocab.txt` (one token per line, id = line number) as transformers' `load_vocab` reads it:
/// Python's universal newlines (`\n`, `\r\n`, `\r`), other whitespace kept, a later duplicate wins.
public final class Vocabulary: Sendable {
    /// Token strings by id.
    public let tokens: [String]
    private let ids: [String: Int32]
    private let trie: ByteTrie

    /// Number of ids.
    public var count: Int { tokens.count }

    /// Builds a vocabulary whose ids are the positions in `tokens`.
    public init(tokens: [String]) {
        self.tokens = tokens
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (index, token) in tokens.enumerated() { ids[token] = Int32(index) }
        self.ids = ids
        self.trie = ByteTrie(entries: ids)
    }

    /// Reads a `vocab.txt` file.
    /// - Throws: `TokenizerError.unreadableFile` when the file cannot be read or is not UTF-8.
    public static func load(contentsOf url: URL) throws -> Vocabulary {
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.unreadableFile(url.path)
        }
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return Vocabulary(tokens: lines)
    }

    /// The id of `token`, if present.
    public func id(for token: String) -> Int32? { ids[token] }

    /// The token string for `id` (empty for an id outside the vocabulary).
    public func token(for id: Int32) -> String {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : ""
    }

    /// Longest vocabulary entry that is a prefix of `bytes[start..<end]`, starting from `node`.
    @inline(__always)
    func longestMatch(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, node: UInt32
    ) -> (length: Int, id: Int32)? {
        trie.longestMatch(bytes, from: start, to: end, node: node)
    }

    /// Trie node reached by the continuation prefix `##`, if any entry starts with it.
    var continuationRoot: UInt32? { trie.walk(Array("##".utf8)) }
    /// The trie's root.
    var root: UInt32 { 0 }
}
