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
    /// Masked-LM vocabulary logits [positions, vocab] at `maskedLMPositions` (nil when candidates were scored).
    public var maskedLMLogits: Tensor?
    /// The token positions `maskedLMLogits` rows (or `maskedLMCandidateLogits` entries) belong to.
    public var maskedLMPositions: [Int]?
    /// Per position of `maskedLMPositions`, the logits of the candidate ids asked for there, in their order.
    public var maskedLMCandidateLogits: [[Float]]?
}
