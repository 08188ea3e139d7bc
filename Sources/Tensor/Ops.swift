import CBLAS
import CKernels
import Dispatch
// Safe entry points to the kernels: shapes are checked here (a mismatch is a programming error, so it
// traps), then the pointer kernels in Kernels.swift do the arithmetic. Matrices are row-major 2-D tensors;
// vectors (bias, gain) are 1-D. Outputs come first and must not overlap inputs unless a function says so.

extension Tensor {
    /// Rows of a 2-D tensor (1 for a vector).
    public var rows: Int { shape.count >= 2 ? shape[0] : 1 }
    /// Length of the last dimension.
    public var columns: Int { shape.last ?? 1 }
}

/// out[m, n] = act(x[m, k] · weightᵀ[n, k] + bias[n]): a `torch.nn.Linear` (weight stored [out, in]).
public func linear(_ out: Tensor, _ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation? = nil) {
    let (m, k, n) = (x.rows, x.columns, weight.rows)
    precondition(weight.columns == k, "linear: weight \(weight.shape) does not take \(x.shape)")
    precondition(out.rows == m && out.columns == n, "linear: output \(out.shape) is not [\(m), \(n)]")
    precondition(bias.map { $0.count == n } ?? true, "linear: bias does not have \(n) elements")
    Kernels.matmulTransposedB(
        out.storage.base, ldo: n, x.storage.base, lda: k, weight.storage.base, ldb: k, m: m, n: n, k: k)
    if bias != nil || activation != nil {
        Kernels.addBiasActivate(
            out.storage.base, bias?.storage.base, rows: m, columns: n, activation: activation)
    }
}

/// out[r, :] = LayerNorm(x[r, :] + bias + residual[r, :]) · gamma + beta (torch.nn.LayerNorm over the last
/// dimension, biased variance). `out` may be the same tensor as `x` or `residual`.
/// Rows are split over up to `threads` threads when there are enough of them to pay for the hand-off.
public func layerNorm(
    _ out: Tensor, _ x: Tensor, bias: Tensor? = nil, residual: Tensor? = nil, gamma: Tensor, beta: Tensor,
    eps: Float, threads: Int = 1
) {
    let (rows, columns) = (x.rows, x.columns)
    precondition(out.rows == rows && out.columns == columns, "layerNorm: output \(out.shape) vs \(x.shape)")
    precondition(residual.map { $0.rows == rows && $0.columns == columns } ?? true, "layerNorm: residual")
    precondition(gamma.count == columns && beta.count == columns, "layerNorm: gain/shift size")
    precondition(bias.map { $0.count == columns } ?? true, "layerNorm: bias size")
    let operands = LayerNormOperands(
        out: out.storage.base, x: x.storage.base, bias: bias?.storage.base, residual: residual?.storage.base,
        gamma: gamma.storage.base, beta: beta.storage.base)
    // About 64k elements per thread: below that, waking a thread costs more than it saves.
    let chunks = max(1, min(threads, rows * columns / 65_536))
    let chunk: @Sendable (Int) -> Void = { index in
        let first = rows * index / chunks, last = rows * (index + 1) / chunks
        let offset = first * columns
        Kernels.layerNorm(
            operands.out + offset, operands.x + offset, bias: operands.bias.map { ConstPointer($0) },
            residual: operands.residual.map { ConstPointer($0 + offset) }, gamma: operands.gamma,
            beta: operands.beta, rows: last - first, columns: columns, eps: eps)
    }
    splitOverThreads(chunks, chunk)
}

/// Runs `work(0 ..< chunks)` on CKernels' pool of spinning threads and the calling thread (the calling thread
/// alone for one chunk): back-to-back loops of a forward pass start without waking sleeping threads.
func splitOverThreads(_ chunks: Int, _ work: @Sendable (Int) -> Void) {
    guard chunks > 1 else {
        work(0)
        return
    }
    withoutActuallyEscaping(work) { work in
        var closure = work
        withUnsafeMutablePointer(to: &closure) { pointer in
            bertd_parallel_for(Int32(chunks), { context, index in
                guard let context else { return }
                context.assumingMemoryBound(to: (@Sendable (Int) -> Void).self).pointee(Int(index))
            }, pointer)
        }
    }
}

/// The memory one layer-norm call reads and writes; worker threads write disjoint rows.
struct LayerNormOperands: @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>
    let x: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?
    let residual: UnsafeMutablePointer<Float>?
    let gamma: UnsafeMutablePointer<Float>
    let beta: UnsafeMutablePointer<Float>
}

/// x = act(x), element-wise, in place.
public func activate(_ x: Tensor, _ activation: Activation) {
    Kernels.addBiasActivate(x.storage.base, nil, rows: 1, columns: x.count, activation: activation)
}

/// x[r, :] = softmax(x[r, :]) over the last dimension, in place.
public func softmaxRows(_ x: Tensor) {
    Kernels.softmaxRows(x.storage.base, ldx: x.columns, rows: x.count / max(x.columns, 1), columns: x.columns)
}

/// out[t, :] = word[ids[t], :] + position[positions[t], :] + type[types[t], :] (BERT's embedding sum).
public func embeddingSum(
    _ out: Tensor, word: Tensor, ids: [Int32], position: Tensor, positions: [Int32], type: Tensor,
    types: [Int32]
) {
    let tokens = ids.count
    let columns = word.columns
    precondition(positions.count == tokens && types.count == tokens, "embeddingSum: index counts differ")
    precondition(out.rows == tokens && out.columns == columns, "embeddingSum: output \(out.shape)")
    precondition(position.columns == columns && type.columns == columns, "embeddingSum: table widths")
    precondition(ids.allSatisfy { $0 >= 0 && Int($0) < word.rows }, "embeddingSum: id out of range")
    precondition(positions.allSatisfy { $0 >= 0 && Int($0) < position.rows }, "embeddingSum: position out of range")
    precondition(types.allSatisfy { $0 >= 0 && Int($0) < type.rows }, "embeddingSum: type out of range")
    ids.withUnsafeBufferPointer { i in
        positions.withUnsafeBufferPointer { p in
            types.withUnsafeBufferPointer { t in
                guard let i = i.baseAddress, let p = p.baseAddress, let t = t.baseAddress else { return }
                Kernels.embeddingSum(
                    out.storage.base, word: word.storage.base, ids: i, position: position.storage.base,
                    positions: p, type: type.storage.base, types: t, tokens: tokens, columns: columns)
            }
        }
    }
}

/// out[r, :] = x[rows[r], :].
public func gatherRows(_ out: Tensor, _ x: Tensor, rows: [Int32]) {
    precondition(out.rows == rows.count && out.columns == x.columns, "gatherRows: output \(out.shape)")
    precondition(rows.allSatisfy { $0 >= 0 && Int($0) < x.rows }, "gatherRows: row out of range")
    rows.withUnsafeBufferPointer { r in
        guard let r = r.baseAddress else { return }
        Kernels.gatherRows(out.storage.base, x.storage.base, rows: r, count: rows.count, columns: x.columns)
    }
}

/// A linear layer evaluated at chosen outputs only: out[r][j] = x[r, :] · table[ids[r][j], :] + bias[ids[r][j]]
/// (a masked-LM decoder scoring each position's few candidates instead of the whole vocabulary).
public func scoreRows(_ x: Tensor, table: Tensor, bias: Tensor?, ids: [[Int32]]) -> [[Float]] {
    precondition(ids.count == x.rows, "scoreRows: \(ids.count) id lists for \(x.rows) rows")
    precondition(table.columns == x.columns, "scoreRows: table \(table.shape) does not take \(x.shape)")
    precondition(bias.map { $0.count == table.rows } ?? true, "scoreRows: bias does not have \(table.rows) elements")
    precondition(ids.allSatisfy { $0.allSatisfy { $0 >= 0 && Int($0) < table.rows } }, "scoreRows: id out of range")
    let columns = x.columns
    return ids.enumerated().map { row, wanted in
        var out = [Float](repeating: 0, count: wanted.count)
        out.withUnsafeMutableBufferPointer { o in
            wanted.withUnsafeBufferPointer { w in
                guard let o = o.baseAddress, let w = w.baseAddress else { return }
                Kernels.scoreRows(o, x.storage.base + row * columns, table.storage.base, bias: bias?.storage.base,
                                  ids: w, count: wanted.count, columns: columns)
            }
        }
        return out
    }
}

/// Floats of `scores` scratch `selfAttention` needs per thread for sequences of up to `longest` tokens.
public func attentionScratchCount(longest: Int, headSize: Int) -> Int {
    Kernels.attentionScratch(longest: longest, headSize: headSize)
}

/// Multi-head scaled dot-product self-attention over packed sequences.
///
/// `qkv` is [tokens, 3·hidden]: queries, keys and values side by side (head h in columns h·d ..< (h+1)·d of
/// each block). Sequence s occupies rows `segmentStarts[s] ..< segmentStarts[s + 1]` and attends only to
/// itself, which is exactly BERT's additive padding mask for right-padded batches, without computing the
/// padded scores. Heads are split over up to `threads` threads; `scores` is scratch space of at least
/// `threads · attentionScratchCount(longest:headSize:)` elements.
/// context[t, h·d + c] = Σ_j softmax_j(q_t · k_j / √d) · v[j, h·d + c].
public func selfAttention(
    _ context: Tensor, qkv: Tensor, scores: Tensor, segmentStarts: [Int32], heads: Int, threads: Int = 1
) {
    let hidden = context.columns
    precondition(heads > 0 && hidden % heads == 0, "selfAttention: \(hidden) not divisible by \(heads) heads")
    precondition(qkv.columns == 3 * hidden && qkv.rows == context.rows, "selfAttention: qkv \(qkv.shape)")
    precondition(segmentStarts.first == 0 && segmentStarts.last.map { Int($0) == context.rows } == true,
                 "selfAttention: segments must cover the rows")
    var longest = 0
    for s in 0..<(segmentStarts.count - 1) {
        precondition(segmentStarts[s + 1] >= segmentStarts[s], "selfAttention: segments out of order")
        longest = max(longest, Int(segmentStarts[s + 1] - segmentStarts[s]))
    }
    let headSize = hidden / heads
    let square = Kernels.attentionScratch(longest: longest, headSize: headSize)
    let chunks = max(1, min(threads, heads, scores.count / max(1, square)))
    precondition(scores.count >= square, "selfAttention: scores scratch too small")
    let operands = AttentionOperands(context: context.storage.base, qkv: qkv.storage.base, scores: scores.storage.base)
    let segments = segmentStarts.count - 1
    let work: @Sendable (Int) -> Void = { index in
        segmentStarts.withUnsafeBufferPointer { starts in
            guard let starts = starts.baseAddress else { return }
            Kernels.selfAttention(
                operands.context, qkv: operands.qkv, scores: operands.scores + index * square,
                segmentStarts: starts, segments: segments, heads: (heads * index / chunks)..<(heads * (index + 1) / chunks),
                headSize: headSize, hidden: hidden)
        }
    }
    splitOverThreads(chunks, work)
}

/// The memory one attention call reads and writes; worker threads write disjoint heads.
struct AttentionOperands: @unchecked Sendable {
    let context: UnsafeMutablePointer<Float>
    let qkv: UnsafeMutablePointer<Float>
    let scores: UnsafeMutablePointer<Float>
}

/// The rows of `parts` stacked into one new matrix (e.g. query, key and value weights fused at load).
public func concatenateRows(_ parts: [Tensor]) -> Tensor {
    let columns = parts.first?.columns ?? 0
    precondition(parts.allSatisfy { $0.columns == columns }, "concatenateRows: widths differ")
    let out = Tensor(zeros: [parts.reduce(0) { $0 + $1.rows }, columns])
    var offset = 0
    for part in parts {
        (out.storage.base + offset).update(from: part.storage.base, count: part.count)
        offset += part.count
    }
    return out
}

/// Sets the number of threads OpenBLAS uses for each GEMM.
public func setBLASThreads(_ count: Int) {
    openblas_set_num_threads(Int32(max(1, count)))
}

/// OpenBLAS's description of itself: core name (the kernels it chose) and build configuration.
public var blasDescription: String {
    let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
    let config = openblas_get_config().map { String(cString: $0) } ?? "?"
    return "OpenBLAS core \(core) (\(config))"
}
