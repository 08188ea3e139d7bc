// The pointer-level kernels: each is named after the math it computes, takes its output first and states
// its contract in one line. Callers (Ops.swift) check shapes; these only compute.
import CBLAS
import CKernels

typealias Pointer = UnsafeMutablePointer<Float>
typealias ConstPointer = UnsafePointer<Float>

enum Kernels {
    // MARK: - GEMM (OpenBLAS)

    // out[m, n] = alpha · a[m, k] · bᵀ[n, k]   (row strides ldo, lda, ldb)
    static func matmulTransposedB(
        _ out: Pointer, ldo: Int, _ a: ConstPointer, lda: Int, _ b: ConstPointer, ldb: Int,
        m: Int, n: Int, k: Int, alpha: Float = 1
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), 0, out, Int32(ldo))
    }

    // out[m, n] = a[m, k] · b[k, n]   (row strides ldo, lda, ldb)
    static func matmul(
        _ out: Pointer, ldo: Int, _ a: ConstPointer, lda: Int, _ b: ConstPointer, ldb: Int,
        m: Int, n: Int, k: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
            1, a, Int32(lda), b, Int32(ldb), 0, out, Int32(ldo))
    }

    // MARK: - Element-wise

    /// Whether GELU and softmax run on CKernels' AVX-512 code (same formulas as VectorMath) rather than the
    /// portable Swift lanes, which the compiler keeps to the baseline ISA (`portable: true` forces those).
    static let vectorKernelsAvailable = bertd_vector_kernels_available() != 0

    // x[r, c] = act(x[r, c] + bias[c])   for r < rows, c < columns (row stride = columns)
    static func addBiasActivate(
        _ x: Pointer, _ bias: ConstPointer?, rows: Int, columns: Int, activation: Activation?
    ) {
        addBiasActivate(x, bias, rows: rows, ldx: columns, columns: 0..<columns, activation: activation)
    }

    // x[r, c] = act(x[r, c] + bias[c])   for r < rows, c in columns (row stride ldx)
    static func addBiasActivate(
        _ x: Pointer, _ bias: ConstPointer?, rows: Int, ldx: Int, columns: Range<Int>, activation: Activation?,
        portable: Bool = false
    ) {
        if activation == .gelu && vectorKernelsAvailable && !portable {
            bertd_bias_gelu(x, bias, Int32(rows), Int32(ldx), Int32(columns.lowerBound), Int32(columns.upperBound))
            return
        }
        for r in 0..<rows {
            let row = x + r * ldx + columns.lowerBound
            let b = bias.map { UnsafeMutablePointer(mutating: $0) + columns.lowerBound }
            forEachLanes(count: columns.count) { c, lanes in
                var v = load(row + c, lanes)
                if let b { v += load(b + c, lanes) }
                if let activation { v = VectorMath.activate(v, activation) }
                store(v, row + c, lanes)
            }
        }
    }

    // out[r, c] = γ[c] · (v[r, c] − mean_r) / √(var_r + eps) + β[c],  v = x + bias[c] + residual[r, c]
    // (biased variance, as torch.nn.LayerNorm; out may alias x or residual)
    static func layerNorm(
        _ out: Pointer, _ x: ConstPointer, bias: ConstPointer?, residual: ConstPointer?,
        gamma: ConstPointer, beta: ConstPointer, rows: Int, columns: Int, eps: Float
    ) {
        for r in 0..<rows {
            let o = out + r * columns
            let xr = x + r * columns
            let rr = residual.map { $0 + r * columns }
            // Pass 1: v and its sum.
            var sum = Lanes()
            forEachLanes(count: columns) { c, lanes in
                var v = load(UnsafeMutablePointer(mutating: xr) + c, lanes)
                if let bias { v += load(UnsafeMutablePointer(mutating: bias) + c, lanes) }
                if let rr { v += load(UnsafeMutablePointer(mutating: rr) + c, lanes) }
                store(v, o + c, lanes)
                sum += v
            }
            let mean = sum.sum() / Float(columns)
            // Pass 2: centred sum of squares (two passes keep the variance accurate in fp32).
            var squares = Lanes()
            forEachLanes(count: columns) { c, lanes in
                let d = load(o + c, lanes) - mean
                squares += lanes == Lanes.scalarCount ? d * d : d * d * mask(lanes)
            }
            let variance = squares.sum() / Float(columns)
            let scale = 1 / (variance + eps).squareRoot()
            forEachLanes(count: columns) { c, lanes in
                let g = load(UnsafeMutablePointer(mutating: gamma) + c, lanes)
                let b = load(UnsafeMutablePointer(mutating: beta) + c, lanes)
                store((load(o + c, lanes) - mean) * scale * g + b, o + c, lanes)
            }
        }
    }

    // x[r, c] = exp(x[r, c] − max_r) / Σ_c' exp(x[r, c'] − max_r)   for c < columns (row stride ldx)
    static func softmaxRows(_ x: Pointer, ldx: Int, rows: Int, columns: Int, portable: Bool = false) {
        guard columns > 0 else { return }
        if vectorKernelsAvailable && !portable {
            bertd_softmax_rows(x, Int32(ldx), Int32(rows), Int32(columns), 1)
            return
        }
        for r in 0..<rows {
            let row = x + r * ldx
            var top = Lanes(repeating: -.infinity)
            forEachLanes(count: columns) { c, lanes in
                var v = load(row + c, lanes)
                if lanes < Lanes.scalarCount { v = v.replacing(with: -.infinity, where: mask(lanes) .== 0) }
                top = top.replacing(with: v, where: v .> top)
            }
            let maximum = top.max()
            var sum = Lanes()
            forEachLanes(count: columns) { c, lanes in
                let e = VectorMath.exp(load(row + c, lanes) - maximum)
                store(e, row + c, lanes)
                sum += lanes == Lanes.scalarCount ? e : e * mask(lanes)
            }
            let inverse = 1 / sum.sum()
            forEachLanes(count: columns) { c, lanes in
                store(load(row + c, lanes) * inverse, row + c, lanes)
            }
        }
    }

    // out[t, c] = word[ids[t], c] + position[positions[t], c] + type[types[t], c]
    static func embeddingSum(
        _ out: Pointer, word: ConstPointer, ids: UnsafePointer<Int32>,
        position: ConstPointer, positions: UnsafePointer<Int32>,
        type: ConstPointer, types: UnsafePointer<Int32>, tokens: Int, columns: Int
    ) {
        for t in 0..<tokens {
            let o = out + t * columns
            let w = UnsafeMutablePointer(mutating: word) + Int(ids[t]) * columns
            let p = UnsafeMutablePointer(mutating: position) + Int(positions[t]) * columns
            let y = UnsafeMutablePointer(mutating: type) + Int(types[t]) * columns
            forEachLanes(count: columns) { c, lanes in
                store(load(w + c, lanes) + load(p + c, lanes) + load(y + c, lanes), o + c, lanes)
            }
        }
    }

    // out[r, c] = x[rows[r], c]
    static func gatherRows(
        _ out: Pointer, _ x: ConstPointer, rows: UnsafePointer<Int32>, count: Int, columns: Int
    ) {
        for r in 0..<count {
            (out + r * columns).update(from: x + Int(rows[r]) * columns, count: columns)
        }
    }

    // out[j] = x · table[ids[j], :] + bias[ids[j]]   for j < count (table rows `columns` floats apart)
    static func scoreRows(
        _ out: Pointer, _ x: ConstPointer, _ table: ConstPointer, bias: ConstPointer?, ids: UnsafePointer<Int32>,
        count: Int, columns: Int
    ) {
        let xs = Pointer(mutating: x)
        for j in 0..<count {
            let row = Pointer(mutating: table + Int(ids[j]) * columns)
            var sum = Lanes()
            forEachLanes(count: columns) { c, lanes in sum += load(xs + c, lanes) * load(row + c, lanes) }
            out[j] = sum.sum() + (bias?[Int(ids[j])] ?? 0)
        }
    }

    // MARK: - Attention

    // Floats of `scores` scratch one thread of `selfAttention` needs for sequences of up to `longest` tokens.
    static func attentionScratch(longest: Int, headSize: Int) -> Int {
        vectorKernelsAvailable
            ? bertd_attention_scratch_size(Int32(longest), Int32(headSize)) : longest * longest
    }

    // context[s + i, h·d + c] = Σ_j softmax_j(scale · q_i · k_j) · v[s + j, h·d + c]   for each segment
    // [s, s + n) and head h in `heads`, where q, k, v are column blocks 0, H, 2H of qkv[tokens, 3H].
    // Per-head GEMMs read Q/K/V in place through leading dimensions: nothing is copied per head.
    static func selfAttention(
        _ context: Pointer, qkv: ConstPointer, scores: Pointer, segmentStarts: UnsafePointer<Int32>,
        segments: Int, heads: Range<Int>, headSize: Int, hidden: Int
    ) {
        let scale = 1 / Float(headSize).squareRoot()
        for s in 0..<segments {
            let start = Int(segmentStarts[s])
            let n = Int(segmentStarts[s + 1]) - start
            for h in heads {
                let q = qkv + start * 3 * hidden + h * headSize
                let k = q + hidden
                let v = q + 2 * hidden
                if vectorKernelsAvailable {
                    bertd_attention_head(
                        context + start * hidden + h * headSize, Int32(hidden), q, k, v, Int32(3 * hidden),
                        Int32(n), Int32(headSize), scale, scores)
                    continue
                }
                // scores[n, n] = scale · q[n, d] · kᵀ[n, d]
                matmulTransposedB(
                    scores, ldo: n, q, lda: 3 * hidden, k, ldb: 3 * hidden, m: n, n: n, k: headSize,
                    alpha: scale)
                softmaxRows(scores, ldx: n, rows: n, columns: n)
                // context[n, d] = scores[n, n] · v[n, d]
                matmul(
                    context + start * hidden + h * headSize, ldo: hidden, scores, lda: n, v,
                    ldb: 3 * hidden, m: n, n: headSize, k: n)
            }
        }
    }

    // MARK: - Lane helpers

    /// Calls `body(offset, lanes)` over [0, count) in steps of 16; the last step may have fewer lanes.
    @inline(__always)
    static func forEachLanes(count: Int, _ body: (Int, Int) -> Void) {
        var c = 0
        while c + Lanes.scalarCount <= count {
            body(c, Lanes.scalarCount)
            c += Lanes.scalarCount
        }
        if c < count { body(c, count - c) }
    }

    /// `lanes` floats from p (zeros beyond).
    @inline(__always)
    static func load(_ p: Pointer, _ lanes: Int) -> Lanes {
        if lanes == Lanes.scalarCount { return UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
        var v = Lanes()
        for i in 0..<lanes { v[i] = p[i] }
        return v
    }

    /// Stores the first `lanes` floats of v at p.
    @inline(__always)
    static func store(_ v: Lanes, _ p: Pointer, _ lanes: Int) {
        if lanes == Lanes.scalarCount {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
            return
        }
        for i in 0..<lanes { p[i] = v[i] }
    }

    /// 1 in the first `lanes` lanes, 0 beyond.
    @inline(__always)
    static func mask(_ lanes: Int) -> Lanes {
        var m = Lanes()
        for i in 0..<lanes { m[i] = 1 }
        return m
    }
}
