// Times bertd's encoder on random weights of a given shape: median latency and GFLOPS per thread count.
// Usage: EngineBenchmark [--shape base|small] [--tokens 128] [--batch 1] [--threads 1,2] [--runs 10] [--mlm]
//                        [--int8]
// Prints one `result ...` line per configuration (read by Benchmarks/engine.sh) after a kernel check.
// With --int8 the encoder layers run on 8-bit weights (WeightPrecision.int8) and the output is first compared
// with the fp32 model's on the same input.
import BERT
import Checkpoint
import Foundation
import Tensor

struct Options {
    var shape = "base"
    var tokens = 128
    var batch = 1
    var threads = [1, 2]
    var runs = 10
    var mlm = false
    var profile = false
    var int8 = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--shape": shape = iterator.next() ?? shape
            case "--tokens": tokens = iterator.next().flatMap(Int.init) ?? tokens
            case "--batch": batch = iterator.next().flatMap(Int.init) ?? batch
            case "--threads": threads = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--runs": runs = iterator.next().flatMap(Int.init) ?? runs
            case "--mlm": mlm = true
            case "--profile": profile = true
            case "--int8": int8 = true
            default: fatalError("unknown argument \(flag)")
            }
        }
    }
}

/// bert-base-chinese (12 x 768) or a small model (4 x 312, as TinyBERT-4).
func config(_ shape: String, architecture: String) -> ModelConfig {
    let (layers, hidden, heads, intermediate) = shape == "small" ? (4, 312, 12, 1200) : (12, 768, 12, 3072)
    return ModelConfig(
        family: .bert, architecture: architecture, vocabSize: 21128, hiddenSize: hidden, embeddingSize: hidden,
        numHiddenLayers: layers, numAttentionHeads: heads, intermediateSize: intermediate, hiddenAct: .gelu,
        maxPositionEmbeddings: 512, typeVocabSize: 2, layerNormEps: 1e-12, padTokenId: 0, labels: [],
        problemType: nil)
}

/// Random tensors under the canonical names of a BertForMaskedLM / BertModel checkpoint.
struct RandomWeights: TensorSource {
    let tensors: [String: Tensor]
    var tensorNames: [String] { Array(tensors.keys) }
    func tensor(named name: String) throws(CheckpointError) -> Tensor? { tensors[name] }

    init(_ c: ModelConfig) {
        var state: UInt32 = 12345
        func random(_ shape: [Int], scale: Float = 0.05) -> Tensor {
            let t = Tensor(zeros: shape)
            for i in 0..<t.count {
                state = state &* 1_664_525 &+ 1_013_904_223
                t.storage.base[i] = (Float(state >> 8) / Float(1 << 24) - 0.5) * 2 * scale
            }
            return t
        }
        let (h, i) = (c.hiddenSize, c.intermediateSize)
        var w: [String: Tensor] = [:]
        func linear(_ name: String, _ outputs: Int, _ inputs: Int) {
            w[name + ".weight"] = random([outputs, inputs])
            w[name + ".bias"] = random([outputs])
        }
        func norm(_ name: String, _ width: Int) {
            w[name + ".weight"] = Tensor(shape: [width], values: [Float](repeating: 1, count: width))
            w[name + ".bias"] = Tensor(zeros: [width])
        }
        w["bert.embeddings.word_embeddings.weight"] = random([c.vocabSize, h])
        w["bert.embeddings.position_embeddings.weight"] = random([c.maxPositionEmbeddings, h])
        w["bert.embeddings.token_type_embeddings.weight"] = random([c.typeVocabSize, h])
        norm("bert.embeddings.LayerNorm", h)
        for l in 0..<c.numHiddenLayers {
            let p = "bert.encoder.layer.\(l)"
            for part in ["query", "key", "value"] { linear("\(p).attention.self.\(part)", h, h) }
            linear("\(p).attention.output.dense", h, h)
            norm("\(p).attention.output.LayerNorm", h)
            linear("\(p).intermediate.dense", i, h)
            linear("\(p).output.dense", h, i)
            norm("\(p).output.LayerNorm", h)
        }
        linear("bert.pooler.dense", h, h)
        linear("cls.predictions.transform.dense", h, h)
        norm("cls.predictions.transform.LayerNorm", h)
        w["cls.predictions.decoder.weight"] = w["bert.embeddings.word_embeddings.weight"]
        w["cls.predictions.bias"] = random([c.vocabSize])
        tensors = w
    }
}

/// Multiply-adds ×2 of one forward pass.
func flops(_ c: ModelConfig, tokens: Int, batch: Int, mlm: Bool) -> Double {
    let (h, i, n) = (Double(c.hiddenSize), Double(c.intermediateSize), Double(tokens))
    let perLayer = 2 * n * (4 * h * h + 2 * h * i) + 4 * n * n * h
    var total = Double(c.numHiddenLayers) * perLayer
    if mlm { total += 2 * n * (h * h + h * Double(c.vocabSize)) }
    return total * Double(batch)
}

/// The GEMM path's result on a bert-base-sized product against a Double reference at sampled entries,
/// so a fast but wrong BLAS kernel is caught in the benchmark itself.
func verifyGEMM() -> Double {
    let (m, k, n) = (128, 768, 3072)
    var state: UInt32 = 7
    func fill(_ t: Tensor) {
        for i in 0..<t.count {
            state = state &* 1_664_525 &+ 1_013_904_223
            t.storage.base[i] = Float(state >> 8) / Float(1 << 24) - 0.5
        }
    }
    let x = Tensor(zeros: [m, k]), w = Tensor(zeros: [n, k]), b = Tensor(zeros: [n]), out = Tensor(zeros: [m, n])
    fill(x); fill(w); fill(b)
    linear(out, x, weight: LinearWeight(w), bias: b, activation: .gelu, threads: 2)
    var worst = 0.0
    for sample in 0..<512 {
        let (r, c) = ((sample * 37) % m, (sample * 1031) % n)
        var sum = Double(b.storage.base[c])
        for p in 0..<k { sum += Double(x.storage.base[r * k + p]) * Double(w.storage.base[c * k + p]) }
        let gelu = 0.5 * sum * (1 + erf(sum / 2.0.squareRoot()))
        worst = max(worst, abs(Double(out.storage.base[r * n + c]) - gelu))
    }
    return worst
}

let options = Options(CommandLine.arguments)
print("blas: \(blasDescription)")
print("verify: linear (the path the model runs) + bias + GELU, max abs error vs double reference: \(verifyGEMM())")

let architecture = options.mlm ? "BertForMaskedLM" : "BertModel"
let c = config(options.shape, architecture: architecture)
let source = RandomWeights(c)
let loadStart = ContinuousClock.now
let model = try EncoderModel(
    config: c, weights: WeightScope(source: source), precision: options.int8 ? .int8 : .float32)
let load = ContinuousClock.now - loadStart
print("load: EncoderModel init (fuse QKV, pack weights): \(load.components.seconds * 1000 + load.components.attoseconds / 1_000_000_000_000_000) ms")
var state: UInt32 = 99
let batch = EncoderBatch((0..<options.batch).map { _ in
    EncoderInput(ids: (0..<options.tokens).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return 1000 + Int(state >> 20) % 20000
    })
})
if options.int8 {
    guard model.precision == .int8 else { fatalError("--int8: this CPU has no AVX-512 VNNI") }
    let reference = try EncoderModel(config: c, weights: WeightScope(source: RandomWeights(c)))
    let exact = try reference.run(batch)[0].hidden.scalars, quantized = try model.run(batch)[0].hidden.scalars
    var (dot, normA, normB, worst) = (0.0, 0.0, 0.0, 0.0)
    for (a, b) in zip(exact, quantized) {
        dot += Double(a) * Double(b)
        normA += Double(a) * Double(a)
        normB += Double(b) * Double(b)
        worst = max(worst, Double(abs(a - b)))
    }
    print("int8: last hidden state vs fp32, cosine \(dot / (normA * normB).squareRoot()), max abs diff \(worst)")
}
if options.profile {
    setBLASThreads(options.threads.first ?? 1)
    profileKernels(c, tokens: options.tokens)
}
let work = flops(c, tokens: options.tokens, batch: options.batch, mlm: options.mlm)
print("gemm: \(options.int8 ? "int8 AVX-512 VNNI kernels (CKernels)" : LinearWeight.packedKernelsAvailable ? "packed AVX-512 kernels (CKernels)" : "BLAS (no AVX-512)")")
for threads in options.threads {
    // The packed kernels thread themselves; BLAS then only runs attention's small per-head products, on
    // the calling worker thread (nested BLAS threading there oversubscribes the cores).
    setBLASThreads(LinearWeight.packedKernelsAvailable ? 1 : threads)
    let workspace = Workspace(threads: threads)
    for _ in 0..<2 { _ = try model.run(batch, workspace: workspace) }  // warm-up: pages, caches, threads
    var times = [Double]()
    for _ in 0..<options.runs {
        let start = ContinuousClock.now
        _ = try model.run(batch, workspace: workspace)
        let elapsed = ContinuousClock.now - start
        times.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15)
    }
    times.sort()
    let median = times[times.count / 2]
    let head = options.mlm ? "mlm" : "encoder"
    print(
        "result engine=bertd shape=\(options.shape) head=\(head) batch=\(options.batch) tokens=\(options.tokens) "
            + "threads=\(threads) median_ms=\(String(format: "%.2f", median)) min_ms=\(String(format: "%.2f", times[0])) "
            + "gflops=\(String(format: "%.1f", work / median / 1e6))")
}

/// Per-kernel timings at the chosen shape (one layer's operations), to see where a forward pass goes.
func profileKernels(_ c: ModelConfig, tokens n: Int) {
    let (h, i) = (c.hiddenSize, c.intermediateSize)
    let x = Tensor(zeros: [n, h]), wqkv = Tensor(zeros: [3 * h, h]), bqkv = Tensor(zeros: [3 * h])
    let qkv = Tensor(zeros: [n, 3 * h]), ctx = Tensor(zeros: [n, h]), scores = Tensor(zeros: [attentionScratchCount(longest: n, headSize: h / c.numAttentionHeads)])
    let w1 = Tensor(zeros: [i, h]), b1 = Tensor(zeros: [i]), mid = Tensor(zeros: [n, i])
    let w2 = Tensor(zeros: [h, i]), g = Tensor(zeros: [h]), b = Tensor(zeros: [h])
    for t in [x, wqkv, qkv, w1, w2, mid] {
        for k in 0..<t.count { t.storage.base[k] = Float((k * 7919) % 1000) / 1000 - 0.5 }
    }
    func time(_ label: String, _ body: () -> Void) {
        body()
        var best = Double.infinity
        for _ in 0..<10 {
            let start = ContinuousClock.now
            body()
            let e = ContinuousClock.now - start
            best = min(best, Double(e.components.seconds) * 1e3 + Double(e.components.attoseconds) * 1e-15)
        }
        print("profile \(label): \(String(format: "%.3f", best)) ms (best of 10)")
    }
    let packed = LinearWeight(wqkv), packed1 = LinearWeight(w1), packed2 = LinearWeight(w2)
    let threads = options.threads.first ?? 1
    time("qkv gemm packed") { linear(qkv, x, weight: packed, bias: nil, threads: threads) }
    time("intermediate gemm packed") { linear(mid, x, weight: packed1, bias: nil, threads: threads) }
    time("output gemm packed") { linear(ctx, mid, weight: packed2, bias: nil, threads: threads) }
    time("qkv gemm") { linear(qkv, x, weight: wqkv, bias: nil) }
    time("qkv gemm+bias") { linear(qkv, x, weight: wqkv, bias: bqkv) }
    time("attention") { selfAttention(ctx, qkv: qkv, scores: scores, segmentStarts: [0, Int32(n)], heads: c.numAttentionHeads) }
    time("intermediate gemm") { linear(mid, x, weight: w1, bias: nil) }
    time("intermediate gemm+bias+gelu") { linear(mid, x, weight: w1, bias: b1, activation: .gelu) }
    time("gelu alone") { activate(mid, .gelu) }
    time("output gemm") { linear(ctx, mid, weight: w2, bias: nil) }
    time("layernorm") { layerNorm(x, ctx, bias: b, residual: x, gamma: g, beta: b, eps: 1e-12) }
}
