/// The element-wise non-linearities BERT-family configs name in `hidden_act`.
public enum Activation: String, Sendable, CaseIterable {
    /// Exact GELU, x·Φ(x) with the error function (transformers `gelu`).
    case gelu
    /// Tanh approximation of GELU (transformers `gelu_new`, also `gelu_pytorch_tanh`).
    case geluNew = "gelu_new"
    /// Faster tanh approximation (transformers `gelu_fast`).
    case geluFast = "gelu_fast"
    /// max(0, x).
    case relu
    /// x·sigmoid(x) (also named `swish`).
    case silu
    /// tanh(x), used by poolers.
    case tanh
}
