/// Greedy longest-match-first WordPiece over one normalized word, as Hugging Face's `WordPiece` model.
///
/// Pieces after the first carry the `##` prefix; if any position has no match, or the word has more than
/// `maxInputCharsPerWord` scalars, the whole word becomes the unknown token.
struct WordPiece: Sendable {
    let vocabulary: Vocabulary
    let unknownId: Int32
    let maxInputCharsPerWord: Int
    private let continuationRoot: UInt32?

    init(vocabulary: Vocabulary, unknownId: Int32, maxInputCharsPerWord: Int) {
        self.vocabulary = vocabulary
        self.unknownId = unknownId
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.continuationRoot = vocabulary.continuationRoot
    }

    /// Appends the tokens of `word` to `run`, mapping piece spans to original offsets.
    /// - Parameters:
    ///   - bytes: the normalized word in UTF-8.
    ///   - starts, ends: per byte of `bytes`, the original span of the scalar it belongs to.
    ///   - scalarCount: number of scalars in the word.
    func tokenize(
        _ bytes: UnsafeBufferPointer<UInt8>, starts: UnsafeBufferPointer<Int32>, ends: UnsafeBufferPointer<Int32>,
        scalarCount: Int, word: Int32, into run: inout TokenRun
    ) {
        let count = bytes.count
        guard count > 0 else { return }
        let first = run.count
        if scalarCount <= maxInputCharsPerWord {
            var start = 0
            while start < count {
                let node: UInt32
                if start == 0 {
                    node = vocabulary.root
                } else if let continuation = continuationRoot {
                    node = continuation
                } else {
                    break
                }
                guard let match = vocabulary.longestMatch(bytes, from: start, to: count, node: node) else { break }
                let end = start + match.length
                let span = Self.span(starts, ends, start..<end)
                run.append(id: match.id, start: span.start, end: span.end, word: word)
                start = end
            }
            if start == count { return }
            run.removeSuffix(from: first)
        }
        let span = Self.span(starts, ends, 0..<count)
        run.append(id: unknownId, start: span.start, end: span.end, word: word)
    }

    /// Smallest original range covering the bytes in `range` (NFD may reorder, so not first/last).
    @inline(__always)
    private static func span(
        _ starts: UnsafeBufferPointer<Int32>, _ ends: UnsafeBufferPointer<Int32>, _ range: Range<Int>
    ) -> (start: Int32, end: Int32) {
        var low = starts[range.lowerBound]
        var high = ends[range.upperBound - 1]
        for index in range {
            low = min(low, starts[index])
            high = max(high, ends[index])
        }
        return (low, high)
    }
}
