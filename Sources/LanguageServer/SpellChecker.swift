/// A proposed correction inside one sentence.
public struct SpellingIssue: Sendable, Equatable {
    /// UTF-8 byte range within the sentence.
    public var range: Range<Int>
    /// The text found there.
    public var original: String
    /// The proposed replacement.
    public var replacement: String
    /// The model's confidence in the replacement, 0...1.
    public var score: Double

    public init(range: Range<Int>, original: String, replacement: String, score: Double) {
        self.range = range
        self.original = original
        self.replacement = replacement
        self.score = score
    }
}

/// Finds spelling issues in sentences (the daemon implements it with its correction model).
public protocol SpellChecker: Sendable {
    /// The issues of each sentence, in order; `threshold` overrides the model's default when given.
    func check(_ sentences: [String], threshold: Double?) async throws -> [[SpellingIssue]]
}
