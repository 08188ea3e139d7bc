import Checkpoint
import Tensor

// torch.nn.Linear: weight [out, in] as stored in the checkpoint (packed for the GEMM kernel), bias [out].
struct Linear: Sendable {
    let weight: LinearWeight  // [out, in]
    let bias: Tensor  // [out]

    /// - Parameter quantize: hold the weight in 8 bits (`WeightPrecision.int8`) where the CPU can.
    init(_ weights: WeightScope, in inputs: Int, out outputs: Int, quantize: Bool = false) throws(CheckpointError) {
        weight = LinearWeight(try weights.tensor("weight", shape: [outputs, inputs]), quantize: quantize)
        bias = try weights.tensor("bias", shape: [outputs])
    }

    /// A layer over a weight prepared at load (such as fused query, key and value).
    init(weight: LinearWeight, bias: Tensor) {
        self.weight = weight
        self.bias = bias
    }

    var outputs: Int { weight.outputs }

    /// out[m, out] = act(x[m, in] · weightᵀ + bias)
    func forward(
        _ out: Tensor, _ x: Tensor, activation: Activation? = nil, threads: Int = 1, scratch: QuantizationScratch? = nil
    ) {
        linear(out, x, weight: weight, bias: bias, activation: activation, threads: threads, scratch: scratch)
    }

    /// out[m, out] = x[m, in] · weightᵀ (the bias left to a following fused kernel)
    func multiply(_ out: Tensor, _ x: Tensor, threads: Int, scratch: QuantizationScratch? = nil) {
        linear(out, x, weight: weight, bias: nil, threads: threads, scratch: scratch)
    }
}

// torch.nn.LayerNorm over the last dimension; checkpoints name it `LayerNorm` (weight = γ, bias = β).
struct LayerNorm: Sendable {
    let gamma: Tensor  // [width]
    let beta: Tensor  // [width]
    let eps: Float

    init(_ weights: WeightScope, width: Int, eps: Float) throws(CheckpointError) {
        gamma = try weights.tensor("weight", shape: [width])
        beta = try weights.tensor("bias", shape: [width])
        self.eps = eps
    }

    /// out = LayerNorm(x + bias + residual); out may be x or residual.
    func forward(_ out: Tensor, _ x: Tensor, bias: Tensor? = nil, residual: Tensor? = nil, threads: Int = 1) {
        layerNorm(out, x, bias: bias, residual: residual, gamma: gamma, beta: beta, eps: eps, threads: threads)
    }
}
