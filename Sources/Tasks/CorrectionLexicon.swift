/// A word list that nudges correction scores (`words`, `word_bonus` and `word_penalty` in `candidates.json`):
/// a replacement that makes its character part of a listed word of 2-4 characters where the original was in
/// none gains `bonus`, one that breaks every such word loses `penalty` (the score stays in 0...1). The model sees
/// each character in context but was trained on little text; the list carries what a large corpus knows about
/// which strings are words.
public struct CorrectionLexicon: Sendable, Equatable {
    /// Words of 2-4 characters, as scalar sequences: matched scalar for scalar, as the Python evaluator
    /// matches them (a `String` would also equate canonically equivalent compatibility ideographs).
    public let words: Set<[Unicode.Scalar]>
    /// Added to a replacement's score when it forms a word.
    public var bonus: Float
    /// Taken off a replacement's score when it breaks a word.
    public var penalty: Float

    /// Longest word looked up; longer listed words never match.
    static let longestWord = 4

    /// A lexicon of `words`; `penalty` defaults to `bonus`.
    public init(words: some Sequence<String>, bonus: Float, penalty: Float? = nil) {
        self.words = Set(words.map { Array($0.unicodeScalars) })
        self.bonus = bonus
        self.penalty = penalty ?? bonus
    }

    /// `score` plus `bonus` when putting `replacement` at `position` of `scalars` makes the position part of a
    /// listed word, minus `penalty` when it leaves it in none where the original was in one; clamped to 0...1.
    public func adjusted(_ score: Float, _ scalars: [Unicode.Scalar], at position: Int,
                         replacement: Unicode.Scalar) -> Float {
        min(1, max(0, moved(score, scalars, at: position, replacement: replacement)))
    }

    /// `adjusted` before the clamp, for priors that add up.
    func moved(_ score: Float, _ scalars: [Unicode.Scalar], at position: Int, replacement: Unicode.Scalar) -> Float {
        let after = inWord(scalars, at: position, replacement: replacement), before = inWord(scalars, at: position)
        return after == before ? score : after ? score + bonus : score - penalty
    }

    /// Whether some listed word of 2-4 characters covers `position`, with `replacement` there when given (only
    /// the short window looked up is built, not a changed copy of the text).
    func inWord(_ scalars: [Unicode.Scalar], at position: Int, replacement: Unicode.Scalar? = nil) -> Bool {
        for length in 2...Self.longestWord {
            let first = max(0, position - length + 1), last = min(position, scalars.count - length)
            guard first <= last else { continue }
            for start in first...last {
                var window = Array(scalars[start..<(start + length)])
                if let replacement { window[position - start] = replacement }
                if words.contains(window) { return true }
            }
        }
        return false
    }
}
