import Foundation
import Testing

@testable import Tensor

// Each kernel against a naive Double-precision reference written straight from its definition.

/// Deterministic pseudo-random numbers (SplitMix64), so every run sees the same inputs.
struct Numbers {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(Double(z >> 11) / Double(1 << 53)) * 2 - 1
    }
    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in next() * scale })
    }
}

func maxAbsDiff(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
}

func reference(_ activation: Activation, _ x: Double) -> Double {
    switch activation {
    case .gelu: 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
    case .geluNew: 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    case .geluFast: 0.5 * x * (1 + tanh(x * 0.7978845608 * (1 + 0.044715 * x * x)))
    case .relu: max(0, x)
    case .silu: x / (1 + exp(-x))
    case .tanh: tanh(x)
    }
}

@Test(arguments: Activation.allCases)
func activationMatchesDefinition(_ activation: Activation) {
    // -12 ... 12 in steps of 1/64, plus a ragged tail so the partial-lane path runs too.
    let xs = (0..<1539).map { Float($0 - 769) / 64 }
    let expected = xs.map { reference(activation, Double($0)) }
    // The vector kernels (where the CPU has them) and the portable lanes must both meet the definition.
    for portable in [false, true] {
        let t = Tensor(shape: [xs.count], values: xs)
        Kernels.addBiasActivate(t.storage.base, nil, rows: 1, ldx: xs.count, columns: 0..<xs.count,
                                activation: activation, portable: portable)
        #expect(maxAbsDiff(t.scalars, expected) < 2e-6, "portable \(portable)")
    }
}

@Test func expIsAccurateOverSoftmaxRange() {
    var lanes = Lanes()
    for start in stride(from: -80, to: 10, by: 1) {
        for i in 0..<16 { lanes[i] = Float(start) + Float(i) / 16 }
        let e = VectorMath.exp(lanes)
        for i in 0..<16 {
            let exact = Foundation.exp(Double(lanes[i]))
            #expect(abs(Double(e[i]) - exact) <= 3e-7 * exact)
        }
    }
}

@Test(arguments: [[1, 1, 1], [3, 5, 7], [17, 33, 40], [64, 8, 16]])
func linearMatchesNaive(_ shape: [Int]) {
    let (m, k, n) = (shape[0], shape[1], shape[2])
    var numbers = Numbers(seed: UInt64(m * 1000 + k * 10 + n))
    let x = numbers.tensor([m, k])
    let w = numbers.tensor([n, k])
    let b = numbers.tensor([n])
    for activation in [nil] + Activation.allCases.map(Optional.some) {
        let out = Tensor(zeros: [m, n])
        linear(out, x, weight: w, bias: b, activation: activation)
        var expected = [Double]()
        for i in 0..<m {
            for j in 0..<n {
                var sum = Double(b.scalars[j])
                for p in 0..<k { sum += Double(x.scalars[i * k + p]) * Double(w.scalars[j * k + p]) }
                expected.append(activation.map { reference($0, sum) } ?? sum)
            }
        }
        #expect(maxAbsDiff(out.scalars, expected) < 1e-5)
    }
    let noBias = Tensor(zeros: [m, n])
    linear(noBias, x, weight: w, bias: nil)
    let plain = Tensor(zeros: [m, n])
    linear(plain, x, weight: w, bias: Tensor(zeros: [n]))
    #expect(noBias.scalars == plain.scalars)
}

func referenceLayerNorm(_ v: [Double], _ gamma: [Float], _ beta: [Float], eps: Double) -> [Double] {
    let mean = v.reduce(0, +) / Double(v.count)
    let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)
    return v.indices.map { (v[$0] - mean) / (variance + eps).squareRoot() * Double(gamma[$0]) + Double(beta[$0]) }
}

@Test(arguments: [1, 7, 16, 40, 768])
func layerNormMatchesNaive(columns: Int) {
    var numbers = Numbers(seed: UInt64(columns))
    let rows = 5
    // An offset mean checks that the variance is computed around the mean, not from raw squares.
    let x = numbers.tensor([rows, columns], scale: 3)
    for i in 0..<x.count { x.storage.base[i] += 100 }
    let residual = numbers.tensor([rows, columns])
    let bias = numbers.tensor([columns])
    let gamma = numbers.tensor([columns])
    let beta = numbers.tensor([columns])
    for eps: Float in [1e-12, 1e-5] {
        let out = Tensor(zeros: [rows, columns])
        layerNorm(out, x, bias: bias, residual: residual, gamma: gamma, beta: beta, eps: eps)
        var expected = [Double]()
        for r in 0..<rows {
            let v = (0..<columns).map {
                Double(x.scalars[r * columns + $0]) + Double(bias.scalars[$0])
                    + Double(residual.scalars[r * columns + $0])
            }
            expected += referenceLayerNorm(v, gamma.scalars, beta.scalars, eps: Double(eps))
        }
        #expect(maxAbsDiff(out.scalars, expected) < 2e-5)

        // In place over the residual gives the same numbers.
        let inPlace = Tensor(shape: residual.shape, values: residual.scalars)
        layerNorm(inPlace, x, bias: bias, residual: inPlace, gamma: gamma, beta: beta, eps: eps)
        #expect(inPlace.scalars == out.scalars)
    }
}

@Test func layerNormSplitOverThreadsEqualsOneThread() {
    var numbers = Numbers(seed: 3)
    let (rows, columns) = (301, 768)  // enough elements for three threads, rows not divisible by three
    let x = numbers.tensor([rows, columns], scale: 3)
    let residual = numbers.tensor([rows, columns])
    let bias = numbers.tensor([columns]), gamma = numbers.tensor([columns]), beta = numbers.tensor([columns])
    let single = Tensor(zeros: [rows, columns]), split = Tensor(zeros: [rows, columns])
    layerNorm(single, x, bias: bias, residual: residual, gamma: gamma, beta: beta, eps: 1e-12)
    layerNorm(split, x, bias: bias, residual: residual, gamma: gamma, beta: beta, eps: 1e-12, threads: 3)
    #expect(split.scalars == single.scalars)
}

@Test(arguments: [1, 5, 16, 33])
func softmaxMatchesNaive(columns: Int) {
    var numbers = Numbers(seed: 77 + UInt64(columns))
    let input = numbers.tensor([3, columns], scale: 20).scalars
    var expected = [Double]()
    for r in 0..<3 {
        let row = input[(r * columns)..<((r + 1) * columns)].map(Double.init)
        let top = row.max() ?? 0
        let sum = row.map { exp($0 - top) }.reduce(0, +)
        expected += row.map { exp($0 - top) / sum }
    }
    for portable in [false, true] {
        let x = Tensor(shape: [3, columns], values: input)
        Kernels.softmaxRows(x.storage.base, ldx: columns, rows: 3, columns: columns, portable: portable)
        #expect(maxAbsDiff(x.scalars, expected) < 1e-6, "portable \(portable)")
    }
}

@Test func stackedWeightsMatchTheirConcatenation() {
    // Parts whose sizes are not multiples of the 32-row panel share panels; the last one zero-pads.
    var numbers = Numbers(seed: 5)
    let parts = [numbers.tensor([13, 37]), numbers.tensor([20, 37]), numbers.tensor([7, 37])]
    let x = numbers.tensor([9, 37])
    let expected = Tensor(zeros: [9, 40])
    linear(expected, x, weight: concatenateRows(parts), bias: nil)
    for pack in [true, false] {
        let out = Tensor(zeros: [9, 40])
        linear(out, x, weight: LinearWeight(stacking: parts, pack: pack), bias: nil, threads: 2)
        #expect(maxAbsDiff(out.scalars, expected.scalars.map(Double.init)) < 1e-5, "pack \(pack)")
    }
}

@Test func embeddingSumAndGather() {
    var numbers = Numbers(seed: 5)
    let word = numbers.tensor([10, 20])
    let position = numbers.tensor([6, 20])
    let type = numbers.tensor([2, 20])
    let ids: [Int32] = [3, 9, 0, 3]
    let positions: [Int32] = [0, 1, 2, 5]
    let types: [Int32] = [0, 1, 1, 0]
    let out = Tensor(zeros: [4, 20])
    embeddingSum(out, word: word, ids: ids, position: position, positions: positions, type: type, types: types)
    var expected = [Double]()
    for t in 0..<4 {
        for c in 0..<20 {
            expected.append(
                Double(word.scalars[Int(ids[t]) * 20 + c]) + Double(position.scalars[Int(positions[t]) * 20 + c])
                    + Double(type.scalars[Int(types[t]) * 20 + c]))
        }
    }
    #expect(maxAbsDiff(out.scalars, expected) < 1e-6)

    let picked = Tensor(zeros: [2, 20])
    gatherRows(picked, word, rows: [9, 3])
    #expect(picked.scalars == Array(word.scalars[180..<200]) + Array(word.scalars[60..<80]))
}

@Test(arguments: [7, 128])  // widths below one lane group and a masked-LM decoder's
func scoreRowsMatchesTheLinearLayerAtTheChosenOutputs(width: Int) {
    var numbers = Numbers(seed: 11)
    let x = numbers.tensor([3, width])
    let table = numbers.tensor([50, width])
    let bias = numbers.tensor([50])
    let ids: [[Int32]] = [[0, 49, 7], [], [12, 12, 3, 40]]  // repeats and an empty list are fine
    let scores = scoreRows(x, table: table, bias: bias, ids: ids)
    #expect(scores.map(\.count) == [3, 0, 4])
    for (row, wanted) in ids.enumerated() {
        for (j, id) in wanted.enumerated() {
            var expected = Double(bias.scalars[Int(id)])
            for c in 0..<width {
                expected += Double(x.scalars[row * width + c]) * Double(table.scalars[Int(id) * width + c])
            }
            #expect(abs(Double(scores[row][j]) - expected) < 1e-5)
        }
    }
    #expect(abs(scoreRows(x, table: table, bias: nil, ids: ids)[0][1] - (scores[0][1] - bias.scalars[49])) < 1e-5)
}

@Test(arguments: [5, 40])  // head sizes below and above one 32-column panel
func selfAttentionMatchesNaivePerSegmentAndHead(headSize: Int) {
    let heads = 3
    let hidden = heads * headSize
    let starts: [Int32] = [0, 4, 5, 12, 57]  // lengths 4, 1, 7, 45 packed together (45 spans two panels)
    let tokens = Int(starts.last ?? 0)
    var numbers = Numbers(seed: 11 + UInt64(headSize))
    let qkv = numbers.tensor([tokens, 3 * hidden], scale: 2)
    let context = Tensor(zeros: [tokens, hidden])
    let scores = Tensor(zeros: [attentionScratchCount(longest: 45, headSize: headSize)])
    selfAttention(context, qkv: qkv, scores: scores, segmentStarts: starts, heads: heads)

    let v = qkv.scalars.map(Double.init)
    var expected = [Double](repeating: 0, count: tokens * hidden)
    for s in 0..<(starts.count - 1) {
        let range = Int(starts[s])..<Int(starts[s + 1])
        for h in 0..<heads {
            for i in range {
                var logits = [Double]()
                for j in range {
                    var dot = 0.0
                    for c in 0..<headSize {
                        dot += v[i * 3 * hidden + h * headSize + c] * v[j * 3 * hidden + hidden + h * headSize + c]
                    }
                    logits.append(dot / Double(headSize).squareRoot())
                }
                let top = logits.max() ?? 0
                let weights = logits.map { exp($0 - top) }
                let total = weights.reduce(0, +)
                for c in 0..<headSize {
                    var sum = 0.0
                    for (w, j) in zip(weights, range) {
                        sum += w / total * v[j * 3 * hidden + 2 * hidden + h * headSize + c]
                    }
                    expected[i * hidden + h * headSize + c] = sum
                }
            }
        }
    }
    #expect(maxAbsDiff(context.scalars, expected) < 1e-5)
}

@Test func concatenateRowsStacks() {
    let a = Tensor(shape: [1, 2], values: [1, 2])
    let b = Tensor(shape: [2, 2], values: [3, 4, 5, 6])
    let c = concatenateRows([a, b])
    #expect(c.shape == [3, 2])
    #expect(c.scalars == [1, 2, 3, 4, 5, 6])
}

@Test(arguments: [[1, 1, 1], [5, 7, 33], [13, 300, 70], [30, 40, 96], [4, 4133, 37]])  // k > 4096: two k blocks
func packedLinearMatchesNaive(_ shape: [Int]) {
    let (m, k, n) = (shape[0], shape[1], shape[2])
    var numbers = Numbers(seed: UInt64(m * 7 + k * 3 + n))
    let x = numbers.tensor([m, k])
    let w = numbers.tensor([n, k])
    let b = numbers.tensor([n])
    var expected = [Double]()
    for i in 0..<m {
        for j in 0..<n {
            var sum = Double(b.scalars[j])
            for p in 0..<k { sum += Double(x.scalars[i * k + p]) * Double(w.scalars[j * k + p]) }
            expected.append(reference(.gelu, sum))
        }
    }
    for pack in [true, false] {
        let weight = LinearWeight(w, pack: pack)
        #expect((weight.packed != nil) == (pack && LinearWeight.packedKernelsAvailable))
        for threads in [1, 2, 3] {
            let out = Tensor(zeros: [m, n])
            linear(out, x, weight: weight, bias: b, activation: .gelu, threads: threads)
            #expect(maxAbsDiff(out.scalars, expected) < 1e-4, "pack \(pack) threads \(threads)")
        }
    }
}

// k not a multiple of 4, m over one 144-row block; CPUs without AVX-512 VNNI never choose the 8-bit path.
@Test(.enabled(if: QuantizedWeight.available), arguments: [[1, 1, 1], [5, 7, 33], [13, 302, 70], [150, 96, 40]])
func quantizedLinearMatchesItsDefinition(_ shape: [Int]) throws {
    let (m, k, n) = (shape[0], shape[1], shape[2])
    var numbers = Numbers(seed: UInt64(m * 5 + k * 3 + n))
    let x = numbers.tensor([m, k]), w = numbers.tensor([n, k]), b = numbers.tensor([n])
    // The definition, in exact arithmetic over the same 8-bit values: per-row symmetric scales for the
    // weight; per-row scale and zero point over the row's range (0 included) for the input, values rounded
    // to nearest, ties to even.
    func weightRow(_ row: ArraySlice<Float>) -> (scale: Double, values: [Double]) {
        let largest = row.map(abs).max() ?? 0
        let scale: Float = largest > 0 ? largest / 127 : 1
        return (Double(scale), row.map { Double(max(-127, min(127, ($0 / scale).rounded(.toNearestOrEven)))) })
    }
    func inputRow(_ row: ArraySlice<Float>) -> (scale: Double, values: [Double]) {
        let low = min(row.min() ?? 0, 0), high = max(row.max() ?? 0, 0)
        let scale: Float = high > low ? (high - low) / 255 : 1
        let inverse = 1 / scale
        let zero = max(0, min(255, (-low * inverse).rounded(.toNearestOrEven)))
        return (Double(scale), row.map { v in
            Double(max(0, min(255, (v * inverse).rounded(.toNearestOrEven) + zero)) - zero)
        })
    }
    let xs = x.scalars, ws = w.scalars
    let rows = (0..<m).map { inputRow(xs[($0 * k)..<(($0 + 1) * k)]) }
    let columns = (0..<n).map { weightRow(ws[($0 * k)..<(($0 + 1) * k)]) }
    var expected = [Double]()
    for i in 0..<m {
        for j in 0..<n {
            let dot = zip(rows[i].values, columns[j].values).reduce(0) { $0 + $1.0 * $1.1 }
            expected.append(reference(.gelu, rows[i].scale * columns[j].scale * dot + Double(b.scalars[j])))
        }
    }
    let exact = Tensor(zeros: [m, n])
    linear(exact, x, weight: w, bias: b, activation: .gelu)
    let weight = LinearWeight(w, quantize: true)
    #expect(weight.quantized != nil && weight.packed == nil)
    for threads in [1, 3] {
        let out = Tensor(zeros: [m, n])
        linear(out, x, weight: weight, bias: b, activation: .gelu, threads: threads, scratch: QuantizationScratch())
        #expect(maxAbsDiff(out.scalars, expected) < 1e-4, "threads \(threads)")
        // And the quantization error itself stays at its expected size (~4 standard deviations of k
        // independent rounding errors of 1/254 and 1/255 of the ranges).
        #expect(maxAbsDiff(out.scalars, exact.scalars.map(Double.init)) < 0.01 * Double(k).squareRoot() + 1e-3)
    }
}

@Test func parallelLoopsRunEveryChunkOnceEvenWhenCallersOverlap() async {
    // Four callers at once: one gets the pool, the others run their chunks themselves; all must be exact.
    await withTaskGroup(of: Bool.self) { group in
        for caller in 0..<4 {
            group.addTask {
                for round in 0..<200 {
                    let chunks = 1 + (caller + round) % 7
                    let counts = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
                    counts.initialize(repeating: 0, count: chunks)
                    let hits = ChunkCounts(base: counts)
                    splitOverThreads(chunks) { index in hits.base[index] += 1 }
                    let exact = (0..<chunks).allSatisfy { counts[$0] == 1 }
                    counts.deallocate()
                    if !exact { return false }
                }
                return true
            }
        }
        for await exact in group { #expect(exact) }
    }
}

/// Per-chunk counters written by the chunks of one loop (each chunk its own slot).
private struct ChunkCounts: @unchecked Sendable {
    let base: UnsafeMutablePointer<Int>
}
