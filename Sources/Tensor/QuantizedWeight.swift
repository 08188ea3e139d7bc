import CKernels

/// A `torch.nn.Linear` weight [out, in] quantized to 8 bits (symmetric, one scale per output), for the
/// opt-in int8 path: activations are quantized per row at each call and the products run on AVX-512 VNNI.
/// A quarter of the fp32 weight's memory.
public struct QuantizedWeight: Sendable {
    /// Outputs (rows of the weight).
    public let outputs: Int
    /// Inputs (columns of the weight).
    public let inputs: Int
    let packed: TensorStorage  // int8 panels (bertd_quantize_weights), held in float-sized storage
    let scales: TensorStorage  // [outputs rounded up to 32]
    let sums: TensorStorage  // Int32 [outputs rounded up to 32], Σ of each row's quantized values

    /// Whether this CPU runs the 8-bit kernels (AVX-512 VNNI).
    public static let available = bertd_int8_gemm_available() != 0

    /// Quantizes the rows of `parts` ([out_i, in] each) stacked into one [Σ out_i, in] weight.
    init(stacking parts: [Tensor]) {
        let k = parts[0].columns
        let n = parts.reduce(0) { $0 + $1.rows }
        let weight = parts.count == 1 ? parts[0] : concatenateRows(parts)
        let rounded = (n + Int(BERTD_PANEL) - 1) / Int(BERTD_PANEL) * Int(BERTD_PANEL)
        let bytes = bertd_int8_packed_size(Int32(n), Int32(k))
        packed = TensorStorage(uninitialized: (bytes + 3) / 4)
        scales = TensorStorage(uninitialized: rounded)
        sums = TensorStorage(uninitialized: rounded)
        bertd_quantize_weights(
            packed.bytes(Int8.self), scales.base, sums.bytes(Int32.self), weight.storage.base, Int32(n), Int32(k))
        outputs = n
        inputs = k
    }
}

/// Scratch space for one product's quantized activations; grows to the largest product and is reused.
public final class QuantizationScratch: @unchecked Sendable {
    // Used by one forward pass at a time (it lives in that pass's workspace).
    private(set) var values = TensorStorage(zeroed: 0)
    private(set) var scales = TensorStorage(zeroed: 0)
    private(set) var zeros = TensorStorage(zeroed: 0)  // Int32 zero points, one per row

    /// Empty scratch space.
    public init() {}

    /// Makes room for `rows` rows of `inputs` quantized values.
    func reserve(rows: Int, inputs: Int) {
        let bytes = rows * bertd_int8_row_stride(Int32(inputs))
        if values.count * 4 < bytes { values = TensorStorage(zeroed: (bytes + 3) / 4) }
        if scales.count < rows {
            scales = TensorStorage(zeroed: rows)
            zeros = TensorStorage(zeroed: rows)
        }
    }
}

extension TensorStorage {
    /// The memory as elements of another fixed-size type (quantized weights kept in float-sized storage).
    func bytes<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer(base).assumingMemoryBound(to: T.self)
    }
}
