/// A word list that nudges correction scores (`words` and `word_bonus` in `candidates.json`): a replacement that
/// makes its character part of a listed word of 2-4 characters where the original was in none gains `bonus`,
/// one that breaks every such word loses it (the score stays in 0...1). The model sees each character in context
/// but was trained on little text; the list carries what a large corpus knows about which strings are words.
public struct CorrectionLexicon: Sendable, Equatable {
    /// Words of 2-4 characters.
    public var words: Set<String>
    /// Added to a replacement's score when it forms a word, taken off when it breaks one.
    public var bonus: Float

    /// Longest word looked up; longer listed words never match.
    static let longestWord = 4

    /// A lexicon of `words` with score change `bonus`.
    public init(words: Set<String>, bonus: Float) {
        self.words = words
        self.bonus = bonus
    }

    /// `score` moved by `bonus` when putting `replacement` at `position` of `scalars` makes the position part of a
    /// listed word (+) or no longer part of one (-); clamped to 0...1.
    public func adjusted(_ score: Float, _ scalars: [Unicode.Scalar], at position: Int,
                         replacement: Unicode.Scalar) -> Float {
        var changed = scalars
        changed[position] = replacement
        let gain = (inWord(changed, at: position) ? 1 : 0) - (inWord(scalars, at: position) ? 1 : 0)
        return min(1, max(0, score + bonus * Float(gain)))
    }

    /// Whether some listed word of 2-4 characters covers `position`.
    func inWord(_ scalars: [Unicode.Scalar], at position: Int) -> Bool {
        for length in 2...Self.longestWord {
            let first = max(0, position - length + 1), last = min(position, scalars.count - length)
            guard first <= last else { continue }
            for start in first...last {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[start..<(start + length)])
                if words.contains(String(view)) { return true }
            }
        }
        return false
    }
}
