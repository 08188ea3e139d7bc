/// One tokenized sequence: word-piece ids and their segment (token type) ids.
public struct EncoderInput: Sendable, Equatable {
    /// Token ids, [CLS] first.
    public var ids: [Int]
    /// Segment ids (0 for the first text, 1 for the pair), one per token.
    public var typeIds: [Int]

    /// A sequence; `typeIds` defaults to all zeros.
    public init(ids: [Int], typeIds: [Int]? = nil) {
        self.ids = ids
        self.typeIds = typeIds ?? [Int](repeating: 0, count: ids.count)
    }
}

/// Several sequences of different lengths run through the encoder together.
///
/// They are packed end to end rather than padded: every matrix product runs over the real tokens only,
/// and each sequence attends only to itself, which is what transformers computes with an attention mask
/// over right-padded input.
public struct EncoderBatch: Sendable, Equatable {
    /// The sequences, in order.
    public var sequences: [EncoderInput]

    /// A batch of `sequences`.
    public init(_ sequences: [EncoderInput]) {
        self.sequences = sequences
    }

    /// Total tokens over all sequences.
    public var tokenCount: Int { sequences.reduce(0) { $0 + $1.ids.count } }
    /// Length of the longest sequence.
    public var longest: Int { sequences.map(\.ids.count).max() ?? 0 }
}
