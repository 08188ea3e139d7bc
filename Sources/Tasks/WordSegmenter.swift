import Tokenizer

/// One word of a segmented text.
public struct Word: Sendable, Equatable {
    /// UTF-8 byte range in the caller's text.
    public var start: Int, end: Int
    /// The word as written.
    public var text: String
    /// Mean probability of its tokens' labels.
    public var score: Float

    public init(start: Int, end: Int, text: String, score: Float) {
        self.start = start
        self.end = end
        self.text = text
        self.score = score
    }
}

/// Chinese word segmentation with a token-classification model whose labels mark word starts
/// (`B-*`/`S-*`, as LTP's `B-W`/`I-W` or BMES schemes do).
///
/// Each CJK character is a token; a token labeled B or S starts a word, I/M/E continue it. Word pieces
/// (`##…`) always continue the word before them, and whitespace always ends a word, so Latin words and
/// numbers stay whole.
public struct WordSegmenter: Sendable {
    private let labeler: TokenLabeler

    /// A segmenter over a token-classification model.
    /// - Throws: `TaskError.wrongHead` for other heads.
    public init(tokenizer: BertTokenizer, runner: any EncoderRunner) throws {
        labeler = try TokenLabeler(tokenizer: tokenizer, runner: runner)
    }

    /// The words of each text, in order.
    public func segment(_ texts: [String]) async throws -> [[Word]] {
        var options = LabelingOptions()
        options.aggregation = .none
        options.ignoreLabels = []
        let labelings = try await labeler.label(texts, options: options)
        return zip(texts, labelings).map { text, labeling in
            Self.words(tokens: labeling.tokens ?? [], text: text)
        }
    }

    /// Groups labeled tokens into words.
    static func words(tokens: [LabeledToken], text: String) -> [Word] {
        let bytes = Array(text.utf8)
        var words: [Word] = []
        var current: (start: Int, end: Int, scores: [Float])?
        func flush() {
            guard let word = current else { return }
            let text = String(decoding: bytes[word.start..<word.end], as: UTF8.self)
            words.append(Word(start: word.start, end: word.end, text: text,
                              score: word.scores.reduce(0, +) / Float(word.scores.count)))
            current = nil
        }
        for token in tokens {
            let continuesPiece = token.token.hasPrefix("##")
            let adjacent = current.map { $0.end == token.start } ?? false
            let startsWord = token.label.hasPrefix("B") || token.label.hasPrefix("S")
            if current != nil, adjacent, continuesPiece || !startsWord {
                current?.end = token.end
                current?.scores.append(token.score)
            } else {
                flush()
                current = (token.start, token.end, [token.score])
            }
        }
        flush()
        return words
    }
}
