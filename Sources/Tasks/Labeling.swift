/// How token predictions become entities (transformers' `AggregationStrategy`).
public enum Aggregation: String, Sendable, CaseIterable {
    /// Every token on its own, labeled with its full tag ("B-PER"); no grouping.
    case none
    /// Tokens grouped into entities by their tags.
    case simple
    /// Words take the label of their first token, then are grouped.
    case first
    /// Words take the label with the highest mean probability over their tokens, then are grouped.
    case average
    /// Words take the label of their most confident token, then are grouped.
    case max
}

/// Options of `TokenLabeler.label`.
public struct LabelingOptions: Sendable, Equatable {
    /// How tokens become entities; `.simple` by default.
    public var aggregation: Aggregation = .simple
    /// How units get their tags; `.argmax` (transformers) by default.
    public var decoding: TagDecoding = .argmax
    /// Entities with these labels (entity types, or full tags with `.none`) are dropped; ["O"] by default.
    public var ignoreLabels: Set<String> = ["O"]
    /// Entities scoring below this are dropped.
    public var minScore: Float = 0
    /// Tokens per window, [CLS] and [SEP] included; nil: the model's maximum (at most 512).
    public var windowLength: Int? = nil
    /// Tokens shared by consecutive windows; nil: a quarter of the window.
    public var stride: Int? = nil

    /// The defaults.
    public init() {}
}

/// A labeled span of the text.
public struct Entity: Sendable, Equatable {
    /// UTF-8 byte offset of the first byte in the caller's text.
    public var start: Int
    /// UTF-8 byte offset just past the last byte.
    public var end: Int
    /// The caller's text between `start` and `end`, unchanged.
    public var text: String
    /// The entity type ("PER"), or the token's full tag ("B-PER") with aggregation `.none`.
    public var label: String
    /// Mean probability of the tags of its units.
    public var score: Float

    /// An entity.
    public init(start: Int, end: Int, text: String, label: String, score: Float) {
        self.start = start
        self.end = end
        self.text = text
        self.label = label
        self.score = score
    }
}

/// One token's prediction (aggregation `.none`).
public struct LabeledToken: Sendable, Equatable {
    /// Position among the text's tokens (0 is the first real token; [CLS] is not counted).
    public var index: Int
    /// The word piece ("##ing"), or the original text for an unknown token.
    public var token: String
    /// UTF-8 byte offsets into the caller's text.
    public var start: Int, end: Int
    /// The full tag ("B-PER").
    public var label: String
    /// Probability of `label`.
    public var score: Float
}

/// The labels of one text.
public struct Labeling: Sendable, Equatable {
    /// The entities in text order.
    public var entities: [Entity]
    /// With aggregation `.none`: the tokens behind `entities` (same order, same filtering); otherwise nil.
    public var tokens: [LabeledToken]?
}
