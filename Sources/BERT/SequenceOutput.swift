import Tensor

/// What the model computed for one sequence of a batch; fields the head does not produce are nil.
public struct SequenceOutput: Sendable {
    /// Last hidden states, [length, hidden].
    public var hidden: Tensor
    /// tanh(dense([CLS])), [hidden], for heads with a BERT pooler.
    public var pooled: [Float]?
    /// Token classification logits [length, labels]; replaced-token logits [length, 1].
    public var tokenLogits: Tensor?
    /// Question answering start logits, one per token.
    public var startLogits: [Float]?
    /// Question answering end logits, one per token.
    public var endLogits: [Float]?
    /// Sequence classification logits [labels], or next-sentence logits (IsNext, NotNext).
    public var sequenceLogits: [Float]?
    /// Masked-LM vocabulary logits [positions, vocab] at `maskedLMPositions`.
    public var maskedLMLogits: Tensor?
    /// The token positions `maskedLMLogits` rows belong to.
    public var maskedLMPositions: [Int]?
    /// The vocabulary ids `maskedLMLogits` columns belong to; nil when they cover the whole vocabulary.
    public var maskedLMVocabulary: [Int32]?
}
