import Checkpoint
import Dispatch
import Synchronization
import Tensor

/// The per-batch scratch views one encoder layer works in (all [tokens, ...] over a `Workspace`).
struct LayerScratch {
    let qkv: Tensor  // [tokens, 3·hidden]
    let context: Tensor  // [tokens, hidden]
    let projected: Tensor  // [tokens, hidden]
    let intermediate: Tensor  // [tokens, intermediate]
    let scores: Tensor  // [threads, longest, longest] attention probabilities, one head per thread
    let segmentStarts: [Int32]  // sequence s is rows segmentStarts[s] ..< segmentStarts[s + 1]
    let threads: Int  // GEMM and attention threads
    let quantization: QuantizationScratch  // activations of 8-bit products
}

// transformers BertSelfAttention (absolute positions, no cache). Query, key and value are fused into one
// [3·hidden, hidden] weight at load so one GEMM produces all three.
struct BertSelfAttention: Sendable {
    let qkv: Linear  // [3·hidden, hidden]
    let heads: Int

    init(_ weights: WeightScope, config: ModelConfig, quantize: Bool) throws(CheckpointError) {
        let hidden = config.hiddenSize
        // Read as stored and packed once, fused: one GEMM computes query, key and value.
        let parts = try ["query", "key", "value"].map { name throws(CheckpointError) in
            (weight: try weights.scope(name).tensor("weight", shape: [hidden, hidden]),
             bias: try weights.scope(name).tensor("bias", shape: [hidden]))
        }
        qkv = Linear(
            weight: LinearWeight(stacking: parts.map(\.weight), quantize: quantize),
            bias: concatenateRows(parts.map { $0.bias.reshaped([1, hidden]) }).reshaped([3 * hidden]))
        heads = config.numAttentionHeads
    }

    /// context = softmax(Q·Kᵀ/√d)·V per head and sequence
    func forward(_ context: Tensor, _ hidden: Tensor, _ s: LayerScratch) {
        qkv.forward(s.qkv, hidden, threads: s.threads, scratch: s.quantization)  // [tokens, 3·hidden]
        selfAttention(
            context, qkv: s.qkv, scores: s.scores, segmentStarts: s.segmentStarts, heads: heads, threads: s.threads)
    }
}

// transformers BertSelfOutput: dense, then LayerNorm with the residual.
struct BertSelfOutput: Sendable {
    let dense: Linear  // [hidden, hidden]
    let layerNorm: LayerNorm

    init(_ weights: WeightScope, config: ModelConfig, quantize: Bool) throws(CheckpointError) {
        dense = try Linear(weights.scope("dense"), in: config.hiddenSize, out: config.hiddenSize, quantize: quantize)
        layerNorm = try LayerNorm(weights.scope("LayerNorm"), width: config.hiddenSize, eps: config.layerNormEps)
    }

    /// hidden = LayerNorm(context·Wᵀ + b + hidden)
    func forward(_ hidden: Tensor, _ context: Tensor, _ s: LayerScratch) {
        dense.multiply(s.projected, context, threads: s.threads, scratch: s.quantization)  // bias added in LN
        layerNorm.forward(hidden, s.projected, bias: dense.bias, residual: hidden, threads: s.threads)
    }
}

// transformers BertAttention: self-attention followed by its output projection.
struct BertAttention: Sendable {
    let selfAttention: BertSelfAttention
    let output: BertSelfOutput

    init(_ weights: WeightScope, config: ModelConfig, quantize: Bool) throws(CheckpointError) {
        selfAttention = try BertSelfAttention(weights.scope("self"), config: config, quantize: quantize)
        output = try BertSelfOutput(weights.scope("output"), config: config, quantize: quantize)
    }

    /// hidden = LayerNorm(hidden + SelfOutput(SelfAttention(hidden)))
    func forward(_ hidden: Tensor, _ s: LayerScratch) {
        selfAttention.forward(s.context, hidden, s)  // [tokens, hidden]
        output.forward(hidden, s.context, s)
    }
}

// transformers BertIntermediate: dense + hidden_act.
struct BertIntermediate: Sendable {
    let dense: Linear  // [intermediate, hidden]
    let activation: Activation

    init(_ weights: WeightScope, config: ModelConfig, quantize: Bool) throws(CheckpointError) {
        dense = try Linear(
            weights.scope("dense"), in: config.hiddenSize, out: config.intermediateSize, quantize: quantize)
        activation = config.hiddenAct
    }

    /// out[tokens, intermediate] = act(hidden·Wᵀ + b)
    func forward(_ out: Tensor, _ hidden: Tensor, _ s: LayerScratch) {
        dense.forward(out, hidden, activation: activation, threads: s.threads, scratch: s.quantization)
    }
}

// transformers BertOutput: dense back to hidden, then LayerNorm with the residual.
struct BertOutput: Sendable {
    let dense: Linear  // [hidden, intermediate]
    let layerNorm: LayerNorm

    init(_ weights: WeightScope, config: ModelConfig, quantize: Bool) throws(CheckpointError) {
        dense = try Linear(
            weights.scope("dense"), in: config.intermediateSize, out: config.hiddenSize, quantize: quantize)
        layerNorm = try LayerNorm(weights.scope("LayerNorm"), width: config.hiddenSize, eps: config.layerNormEps)
    }

    /// hidden = LayerNorm(intermediate·Wᵀ + b + hidden)
    func forward(_ hidden: Tensor, _ intermediate: Tensor, _ s: LayerScratch) {
        dense.multiply(s.projected, intermediate, threads: s.threads, scratch: s.quantization)  // [tokens, hidden]
        layerNorm.forward(hidden, s.projected, bias: dense.bias, residual: hidden, threads: s.threads)
    }
}

// transformers BertLayer (encoder only: no cross-attention).
struct BertLayer: Sendable {
    let attention: BertAttention
    let intermediate: BertIntermediate
    let output: BertOutput

    init(_ weights: WeightScope, config: ModelConfig, quantize: Bool) throws(CheckpointError) {
        attention = try BertAttention(weights.scope("attention"), config: config, quantize: quantize)
        intermediate = try BertIntermediate(weights.scope("intermediate"), config: config, quantize: quantize)
        output = try BertOutput(weights.scope("output"), config: config, quantize: quantize)
    }

    /// hidden = Output(Intermediate(Attention(hidden))), in place.
    func forward(_ hidden: Tensor, _ s: LayerScratch) {
        attention.forward(hidden, s)
        intermediate.forward(s.intermediate, hidden, s)  // [tokens, intermediate]
        output.forward(hidden, s.intermediate, s)
    }
}

// transformers BertEncoder: the stack of layers.
struct BertEncoder: Sendable {
    let layers: [BertLayer]

    /// Builds the layers in parallel: packing their weights is most of a model's load time.
    init(_ weights: WeightScope, config: ModelConfig, quantize: Bool) throws(CheckpointError) {
        let count = config.numHiddenLayers
        let built = Mutex([Result<BertLayer, CheckpointError>?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let layer = Result { () throws(CheckpointError) -> BertLayer in
                try BertLayer(weights.scope("layer.\(index)"), config: config, quantize: quantize)
            }
            built.withLock { $0[index] = layer }
        }
        var layers = [BertLayer]()
        for result in built.withLock({ $0 }) {
            guard let result else { preconditionFailure("every layer was built") }
            layers.append(try result.get())
        }
        self.layers = layers
    }

    /// Runs every layer over `hidden` in place; `checkpoint` runs before each layer and may throw to stop.
    func forward(_ hidden: Tensor, _ s: LayerScratch, checkpoint: () throws -> Void) rethrows {
        for layer in layers {
            try checkpoint()
            layer.forward(hidden, s)
        }
    }
}

// transformers BertPooler: dense + tanh over each sequence's first ([CLS]) token.
struct BertPooler: Sendable {
    let dense: Linear  // [hidden, hidden]

    init(_ weights: WeightScope, config: ModelConfig) throws(CheckpointError) {
        dense = try Linear(weights.scope("dense"), in: config.hiddenSize, out: config.hiddenSize)
    }

    /// out[sequences, hidden] = tanh(first[sequences, hidden]·Wᵀ + b)
    func forward(_ out: Tensor, _ first: Tensor) {
        dense.forward(out, first, activation: .tanh)
    }
}
