import CKernels
import Dispatch

/// A `torch.nn.Linear` weight [out, in], re-laid out once at load for the packed GEMM kernel.
///
/// On CPUs with AVX-512 the weight is copied into panels of 32 outputs (inputs innermost), so the kernel
/// streams it without the per-call packing BLAS does (14% of a bert-base forward pass with OpenBLAS).
/// Elsewhere the stored weight is used through BLAS as is, and nothing is copied. Asked to, it is
/// quantized to 8 bits instead (`QuantizedWeight`, AVX-512 VNNI).
public struct LinearWeight: Sendable {
    /// The weight as stored, [out, in]; nil when it was packed and the caller let it go.
    public let weight: Tensor?
    /// Outputs (rows of the weight).
    public let outputs: Int
    /// Inputs (columns of the weight).
    public let inputs: Int
    /// The packed copy, or nil when this CPU uses BLAS.
    let packed: TensorStorage?
    /// The 8-bit form, when the weight was quantized (then it has no packed copy).
    let quantized: QuantizedWeight?

    /// Whether this CPU runs the packed kernels.
    public static let packedKernelsAvailable = bertd_packed_gemm_available() != 0

    /// Prepares `weight` ([out, in]) for `linear`; `pack: false` keeps the BLAS path (for comparisons).
    /// - Parameters:
    ///   - keepOriginal: keep `weight` after packing (false when nobody else reads it, so the pages of a
    ///     mapped file can be dropped).
    ///   - quantize: use 8-bit weights and activations where the CPU has the kernels (`QuantizedWeight`).
    public init(
        _ weight: Tensor, pack: Bool = LinearWeight.packedKernelsAvailable, keepOriginal: Bool = true,
        quantize: Bool = false
    ) {
        self.init(stacking: [weight], pack: pack, keepOriginal: keepOriginal, quantize: quantize)
    }

    /// The weights `parts` ([out_i, in] each) stacked into one [Σ out_i, in] weight, such as query, key and
    /// value fused so one GEMM computes all three. Packed straight from the parts, with no concatenated copy;
    /// on the BLAS path the parts are concatenated (kept as `weight`).
    public init(
        stacking parts: [Tensor], pack: Bool = LinearWeight.packedKernelsAvailable, keepOriginal: Bool = false,
        quantize: Bool = false
    ) {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.shape.count == 2 }, "LinearWeight: parts must be [out, in]")
        let k = parts[0].columns
        precondition(parts.allSatisfy { $0.columns == k }, "LinearWeight: parts take different inputs")
        let n = parts.reduce(0) { $0 + $1.rows }
        outputs = n
        inputs = k
        if quantize && QuantizedWeight.available {
            quantized = QuantizedWeight(stacking: parts)
            weight = parts.count == 1 && keepOriginal ? parts[0] : nil
            packed = nil
            for part in parts { part.storage.releasePages() }
            return
        }
        quantized = nil
        guard pack && LinearWeight.packedKernelsAvailable else {
            weight = parts.count == 1 ? parts[0] : concatenateRows(parts)
            packed = nil
            return
        }
        weight = parts.count == 1 && keepOriginal ? parts[0] : nil
        let storage = TensorStorage(uninitialized: bertd_packed_size(Int32(n), Int32(k)))
        var first = 0
        for part in parts {
            bertd_pack_rows(storage.base, Int32(n), Int32(k), part.storage.base, Int32(first), Int32(part.rows))
            first += part.rows
            // The packed copy serves the products from now on: the mapped original need not stay resident
            // (a kept original faults back in from the file if read again).
            part.storage.releasePages()
        }
        packed = storage
    }
}

/// out[m, n] = act(x[m, k] · weightᵀ[n, k] + bias[n]), the GEMM split over up to `threads` threads;
/// `scratch` holds the quantized activations when the weight is 8-bit (fresh space when nil).
public func linear(
    _ out: Tensor, _ x: Tensor, weight: LinearWeight, bias: Tensor?, activation: Activation? = nil,
    threads: Int = 1, scratch: QuantizationScratch? = nil
) {
    if let quantized = weight.quantized {
        linear(out, x, weight: quantized, bias: bias, activation: activation, threads: threads,
               scratch: scratch ?? QuantizationScratch())
        return
    }
    guard let packed = weight.packed else {
        // Unpacked weights are always kept (only packed ones may drop their original).
        guard let original = weight.weight else { preconditionFailure("linear: weight has neither form") }
        linear(out, x, weight: original, bias: bias, activation: activation)
        return
    }
    let (m, k, n) = (x.rows, x.columns, weight.outputs)
    precondition(weight.inputs == k, "linear: weight [\(weight.outputs), \(weight.inputs)] does not take \(x.shape)")
    precondition(out.rows == m && out.columns == n, "linear: output \(out.shape) is not [\(m), \(n)]")
    precondition(bias.map { $0.count == n } ?? true, "linear: bias does not have \(n) elements")
    let panels = (n + Int(BERTD_PANEL) - 1) / Int(BERTD_PANEL)
    let chunks = max(1, min(threads, panels, m * n * k / 1_000_000 + 1))  // small products stay on one thread
    let (epilogue, rest) = epilogue(for: activation)
    let operands = GEMMOperands(
        out: out.storage.base, x: x.storage.base, packed: packed.base, bias: bias?.storage.base)
    splitPanels(out: operands.out, rows: m, columns: n, chunks: chunks, rest: rest) { first, last in
        bertd_gemm_packed(
            operands.out, Int32(n), operands.x, Int32(k), operands.packed, Int32(m), Int32(n), Int32(k),
            Int32(first), Int32(last), operands.bias, epilogue)
    }
}

/// The memory one GEMM reads and writes, handed to worker threads that each write disjoint columns.
struct GEMMOperands: @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>
    let x: UnsafeMutablePointer<Float>
    let packed: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?
}

/// out = act(x · weightᵀ + bias) through 8-bit products: x quantized per row into `scratch`, then the GEMM
/// split over panel ranges like the fp32 one.
func linear(
    _ out: Tensor, _ x: Tensor, weight: QuantizedWeight, bias: Tensor?, activation: Activation?, threads: Int,
    scratch: QuantizationScratch
) {
    let (m, k, n) = (x.rows, x.columns, weight.outputs)
    precondition(weight.inputs == k, "linear: weight [\(weight.outputs), \(weight.inputs)] does not take \(x.shape)")
    precondition(out.rows == m && out.columns == n, "linear: output \(out.shape) is not [\(m), \(n)]")
    precondition(bias.map { $0.count == n } ?? true, "linear: bias does not have \(n) elements")
    scratch.reserve(rows: m, inputs: k)
    let values = scratch.values.bytes(UInt8.self), scales = scratch.scales.base
    let zeros = scratch.zeros.bytes(Int32.self)
    bertd_quantize_activations(values, scales, zeros, x.storage.base, Int32(k), Int32(m), Int32(k))
    let panels = (n + Int(BERTD_PANEL) - 1) / Int(BERTD_PANEL)
    let chunks = max(1, min(threads, panels, m * n * k / 4_000_000 + 1))
    let (epilogue, rest) = epilogue(for: activation)
    let operands = Int8GEMMOperands(
        out: out.storage.base, values: values, scales: scales, zeros: zeros, packed: weight.packed.bytes(Int8.self),
        weightScales: weight.scales.base, sums: weight.sums.bytes(Int32.self), bias: bias?.storage.base)
    splitPanels(out: operands.out, rows: m, columns: n, chunks: chunks, rest: rest) { first, last in
        bertd_gemm_int8(
            operands.out, Int32(n), operands.values, operands.scales, operands.zeros, operands.packed, operands.weightScales,
            operands.sums, Int32(m), Int32(n), Int32(k), Int32(first), Int32(last), operands.bias, epilogue)
    }
}

/// The memory one 8-bit GEMM reads and writes, handed to worker threads that each write disjoint columns.
struct Int8GEMMOperands: @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<UInt8>
    let scales: UnsafeMutablePointer<Float>
    let zeros: UnsafeMutablePointer<Int32>
    let packed: UnsafeMutablePointer<Int8>
    let weightScales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Int32>
    let bias: UnsafeMutablePointer<Float>?
}

/// Runs `gemm(first, last)` on contiguous ranges of whole 32-column panels of out[rows, columns], one range
/// per chunk (each on its own thread), then the activation the kernel did not apply, on the same columns
/// while they are hot.
private func splitPanels(
    out: UnsafeMutablePointer<Float>, rows: Int, columns: Int, chunks: Int, rest: Activation?,
    gemm: @Sendable (Int, Int) -> Void
) {
    let panels = (columns + Int(BERTD_PANEL) - 1) / Int(BERTD_PANEL)
    let output = OutputPointer(base: out)
    splitOverThreads(chunks) { index in
        let first = panels * index / chunks * Int(BERTD_PANEL)
        let last = min(columns, panels * (index + 1) / chunks * Int(BERTD_PANEL))
        guard first < last else { return }
        gemm(first, last)
        if let rest {
            Kernels.addBiasActivate(output.base, nil, rows: rows, ldx: columns, columns: first..<last, activation: rest)
        }
    }
}

/// A GEMM's output, written by worker threads in disjoint columns.
private struct OutputPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}

/// What the GEMM kernels apply to their output tiles themselves (bias always; GELU), and the activation
/// left for a pass over the output afterwards.
private func epilogue(for activation: Activation?) -> (Int32, Activation?) {
    activation == .gelu ? (Int32(BERTD_EPILOGUE_GELU), nil) : (Int32(BERTD_EPILOGUE_NONE), activation)
}
