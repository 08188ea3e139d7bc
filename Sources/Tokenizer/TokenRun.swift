/// The tokens of one input sequence, before special tokens, truncation and padding are applied.
struct TokenRun: Sendable {
    var ids: [Int32] = []
    /// UTF-8 byte offsets into the sequence's original text.
    var starts: [Int32] = []
    var ends: [Int32] = []
    /// Index of the pre-tokenized word each token came from.
    var words: [Int32] = []

    var count: Int { ids.count }

    mutating func append(id: Int32, start: Int32, end: Int32, word: Int32) {
        ids.append(id)
        starts.append(start)
        ends.append(end)
        words.append(word)
    }

    mutating func removeSuffix(from count: Int) {
        ids.removeSubrange(count...)
        starts.removeSubrange(count...)
        ends.removeSubrange(count...)
        words.removeSubrange(count...)
    }

    /// The tokens in `range`, as a new run.
    func slice(_ range: Range<Int>) -> TokenRun {
        TokenRun(
            ids: Array(ids[range]), starts: Array(starts[range]), ends: Array(ends[range]),
            words: Array(words[range]))
    }
}
