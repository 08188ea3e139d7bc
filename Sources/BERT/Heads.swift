import Checkpoint
import Tensor

// transformers BertPredictionHeadTransform + BertLMPredictionHead, and ELECTRA's generator_predictions +
// generator_lm_head: dense, activation, LayerNorm, then a decoder to the vocabulary (tied to the word
// embeddings when the checkpoint stores no decoder) with its own bias.
struct MaskedLMHead: Sendable {
    let dense: Linear  // [width, hidden]
    let activation: Activation
    let layerNorm: LayerNorm
    let decoder: Linear  // [vocab, width]

    /// BertLMPredictionHead under `cls.predictions` (transform.dense, transform.LayerNorm, decoder, bias).
    init(bert weights: WeightScope, config: ModelConfig) throws(CheckpointError) {
        let transform = weights.scope("transform")
        let hidden = config.hiddenSize
        dense = try Linear(transform.scope("dense"), in: hidden, out: hidden)
        activation = config.hiddenAct
        layerNorm = try LayerNorm(transform.scope("LayerNorm"), width: hidden, eps: config.layerNormEps)
        decoder = Linear(
            weight: LinearWeight(try weights.tensor("decoder.weight", shape: [config.vocabSize, hidden])),
            bias: try weights.tensor("bias", shape: [config.vocabSize]))
    }

    /// ElectraGeneratorPredictions (always exact GELU) + generator_lm_head, both at the root.
    init(electra weights: WeightScope, config: ModelConfig) throws(CheckpointError) {
        let predictions = weights.scope("generator_predictions")
        dense = try Linear(predictions.scope("dense"), in: config.hiddenSize, out: config.embeddingSize)
        activation = .gelu
        layerNorm = try LayerNorm(
            predictions.scope("LayerNorm"), width: config.embeddingSize, eps: config.layerNormEps)
        decoder = try Linear(weights.scope("generator_lm_head"), in: config.embeddingSize, out: config.vocabSize)
    }

    /// logits[rows, vocab] = decoder(LayerNorm(act(dense(hidden[rows, hidden])))).
    func forward(_ hidden: Tensor, threads: Int) -> Tensor {
        let transformed = transform(hidden, threads: threads)
        let logits = Tensor(zeros: [hidden.rows, decoder.outputs])  // [rows, vocab]
        decoder.forward(logits, transformed, threads: threads)
        return logits
    }

    /// Per row, the logits of only the vocabulary ids `candidates[row]` names (in that order): the decoder
    /// evaluated at ~20 outputs instead of 21,128.
    func score(_ hidden: Tensor, candidates: [[Int32]], threads: Int) -> [[Float]] {
        guard let table = decoder.weight.weight else { preconditionFailure("the decoder keeps its weight") }
        return scoreRows(transform(hidden, threads: threads), table: table, bias: decoder.bias, ids: candidates)
    }

    /// LayerNorm(act(dense(hidden))), [rows, width]: what the decoder reads.
    private func transform(_ hidden: Tensor, threads: Int) -> Tensor {
        let transformed = Tensor(zeros: [hidden.rows, dense.outputs])  // [rows, width]
        dense.forward(transformed, hidden, activation: activation, threads: threads)
        layerNorm.forward(transformed, transformed)
        return transformed
    }
}

// transformers ElectraDiscriminatorPredictions: dense + hidden_act + dense_prediction (one logit per token).
struct ElectraDiscriminatorPredictions: Sendable {
    let dense: Linear  // [hidden, hidden]
    let activation: Activation
    let densePrediction: Linear  // [1, hidden]

    init(_ weights: WeightScope, config: ModelConfig) throws(CheckpointError) {
        dense = try Linear(weights.scope("dense"), in: config.hiddenSize, out: config.hiddenSize)
        activation = config.hiddenAct
        densePrediction = try Linear(weights.scope("dense_prediction"), in: config.hiddenSize, out: 1)
    }

    /// logits[tokens, 1] = dense_prediction(act(dense(hidden)))
    func forward(_ hidden: Tensor) -> Tensor {
        let activated = Tensor(zeros: [hidden.rows, dense.outputs])  // [tokens, hidden]
        dense.forward(activated, hidden, activation: activation)
        let logits = Tensor(zeros: [hidden.rows, 1])  // [tokens, 1]
        densePrediction.forward(logits, activated)
        return logits
    }
}

// transformers ElectraClassificationHead: [CLS] -> dense -> GELU -> out_proj (not the BERT pooler).
struct ElectraClassificationHead: Sendable {
    let dense: Linear  // [hidden, hidden]
    let outProj: Linear  // [labels, hidden]

    init(_ weights: WeightScope, config: ModelConfig, labels: Int) throws(CheckpointError) {
        dense = try Linear(weights.scope("dense"), in: config.hiddenSize, out: config.hiddenSize)
        outProj = try Linear(weights.scope("out_proj"), in: config.hiddenSize, out: labels)
    }

    /// logits[sequences, labels] = out_proj(gelu(dense(first[sequences, hidden])))
    func forward(_ first: Tensor) -> Tensor {
        let activated = Tensor(zeros: [first.rows, dense.outputs])  // [sequences, hidden]
        dense.forward(activated, first, activation: .gelu)
        let logits = Tensor(zeros: [first.rows, outProj.outputs])  // [sequences, labels]
        outProj.forward(logits, activated)
        return logits
    }
}

/// Applies a `Linear` to a fresh output: out[rows, outputs] = x·Wᵀ + b.
func project(_ x: Tensor, _ layer: Linear, activation: Activation? = nil) -> Tensor {
    let out = Tensor(zeros: [x.rows, layer.outputs])
    layer.forward(out, x, activation: activation)
    return out
}
