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

/// A named entity found in a sentence, shown as a hint when the editor asks for them.
public struct EntityHint: Sendable, Equatable {
    /// UTF-8 byte range within the sentence.
    public var range: Range<Int>
    /// The entity as written.
    public var text: String
    /// Its type ("PER", "LOC", ...).
    public var label: String
    /// The model's confidence, 0...1.
    public var score: Double

    public init(range: Range<Int>, text: String, label: String, score: Double) {
        self.range = range
        self.text = text
        self.label = label
        self.score = score
    }
}

/// Finds spelling issues (and optionally entities) in sentences; the daemon implements it with its
/// correction and labeling models.
public protocol SpellChecker: Sendable {
    /// The issues of each sentence, in order; `threshold` overrides the model's default when given.
    func check(_ sentences: [String], threshold: Double?) async throws -> [[SpellingIssue]]
    /// The entities of each sentence, in order.
    func entities(_ sentences: [String]) async throws -> [[EntityHint]]
}

extension SpellChecker {
    /// No entities, for checkers without a labeling model.
    public func entities(_ sentences: [String]) async throws -> [[EntityHint]] {
        sentences.map { _ in [] }
    }
}
