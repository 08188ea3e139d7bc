import Checkpoint

/// What a checkpoint's head computes, from `architectures[0]` in config.json.
public enum HeadKind: String, Sendable, CaseIterable {
    /// BertModel / ElectraModel: last hidden states (and the pooled [CLS] output for BERT).
    case model
    /// BertForMaskedLM / ElectraForMaskedLM: vocabulary logits at requested positions.
    case maskedLM
    /// BertForPreTraining: masked-LM logits plus next-sentence logits (IsNext, NotNext).
    case preTraining
    /// BertForNextSentencePrediction: next-sentence logits (IsNext, NotNext).
    case nextSentencePrediction
    /// ElectraForPreTraining: one replaced-token logit per token.
    case replacedTokenDetection
    /// *ForTokenClassification: logits per token and label.
    case tokenClassification
    /// *ForQuestionAnswering: start and end logits per token.
    case questionAnswering
    /// *ForSequenceClassification: logits per label for the whole sequence.
    case sequenceClassification

    /// The head named by a transformers architecture of the given family, or nil if bertd has none.
    public init?(architecture: String, family: ModelFamily) {
        let table: [String: HeadKind] =
            switch family {
            case .bert:
                [
                    "BertModel": .model, "BertForMaskedLM": .maskedLM, "BertForPreTraining": .preTraining,
                    "BertForNextSentencePrediction": .nextSentencePrediction,
                    "BertForTokenClassification": .tokenClassification,
                    "BertForQuestionAnswering": .questionAnswering,
                    "BertForSequenceClassification": .sequenceClassification,
                ]
            case .electra:
                [
                    "ElectraModel": .model, "ElectraForMaskedLM": .maskedLM,
                    "ElectraForPreTraining": .replacedTokenDetection,
                    "ElectraForTokenClassification": .tokenClassification,
                    "ElectraForQuestionAnswering": .questionAnswering,
                    "ElectraForSequenceClassification": .sequenceClassification,
                ]
            }
        guard let kind = table[architecture] else { return nil }
        self = kind
    }
}
