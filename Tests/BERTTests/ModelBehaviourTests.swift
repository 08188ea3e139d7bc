import BERT
import Checkpoint
import Foundation
import Tensor
import TestSupport
import Testing

/// A checkpoint with some tensors hidden, to check the errors a model gives for incomplete checkpoints.
struct HidingSource: TensorSource {
    let base: any TensorSource
    let hidden: Set<String>
    var tensorNames: [String] { base.tensorNames.filter { !hidden.contains($0) } }
    func tensor(named name: String) throws(CheckpointError) -> Tensor? {
        hidden.contains(name) ? nil : try base.tensor(named: name)
    }
}

func fixtureDirectory(_ name: String) throws -> ModelDirectory {
    try ModelDirectory.load(directory: Fixtures.url("models/\(name)").path)
}

let sample = EncoderInput(ids: [101, 791, 1921, 1921, 3698, 2523, 1962, 511, 102], typeIds: [0, 0, 0, 0, 0, 1, 1, 1, 1])

@Test func headsComeFromTheArchitecture() throws {
    let expected: [String: HeadKind] = [
        "bert-model": .model, "bert-mlm": .maskedLM, "bert-pretraining": .preTraining,
        "bert-nsp": .nextSentencePrediction, "bert-token": .tokenClassification, "bert-qa": .questionAnswering,
        "bert-seq": .sequenceClassification, "electra-model": .model, "electra-mlm": .maskedLM,
        "electra-pretraining": .replacedTokenDetection, "electra-token": .tokenClassification,
        "electra-qa": .questionAnswering, "electra-seq": .sequenceClassification,
    ]
    for (name, head) in expected {
        let directory = try fixtureDirectory(name)
        #expect(try EncoderModel(config: directory.config, weights: directory.root).head == head, "\(name)")
    }
}

@Test func unknownArchitectureIsAnError() throws {
    let directory = try fixtureDirectory("bert-token")
    for name in ["BertForMultipleChoice", "ElectraForTokenClassification", nil] as [String?] {
        var config = directory.config
        config.architecture = name
        #expect(throws: ModelError.unsupportedArchitecture(name)) {
            try EncoderModel(config: config, weights: directory.root)
        }
    }
}

@Test func missingTensorIsNamed() throws {
    let directory = try fixtureDirectory("bert-pretraining")
    for name in [
        "bert.encoder.layer.1.output.dense.weight", "bert.pooler.dense.bias", "cls.seq_relationship.weight",
        "bert.embeddings.LayerNorm.weight", "cls.predictions.transform.dense.weight",
    ] {
        let source = HidingSource(base: directory.weights, hidden: [name])
        #expect(throws: CheckpointError.missingTensor(name: name)) {
            try EncoderModel(config: directory.config, weights: WeightScope(source: source))
        }
    }
}

@Test func misShapedConfigIsAnError() throws {
    let directory = try fixtureDirectory("electra-qa")
    var config = directory.config
    config.intermediateSize += 1
    #expect(throws: CheckpointError.shapeMismatch(
        name: "electra.encoder.layer.0.intermediate.dense.weight", expected: [33, 16], found: [32, 16])) {
        try EncoderModel(config: config, weights: directory.root)
    }
    config = directory.config
    config.numAttentionHeads = 3
    #expect(throws: ModelError.self) { try EncoderModel(config: config, weights: directory.root) }
}

@Test func invalidInputsAreRejected() throws {
    let model = try EncoderModel.load(directory: Fixtures.url("models/bert-mlm").path)
    let cases: [(EncoderBatch, [[Int]]?)] = [
        (EncoderBatch([]), nil),
        (EncoderBatch([EncoderInput(ids: [])]), nil),
        (EncoderBatch([EncoderInput(ids: [101, 21128])]), nil),
        (EncoderBatch([EncoderInput(ids: [101, -1])]), nil),
        (EncoderBatch([EncoderInput(ids: [101, 102], typeIds: [0, 2])]), nil),
        (EncoderBatch([EncoderInput(ids: [101, 102], typeIds: [0])]), nil),
        (EncoderBatch([EncoderInput(ids: [Int](repeating: 100, count: 65))]), nil),
        (EncoderBatch([sample]), [[9]]),
        (EncoderBatch([sample]), [[1], [2]]),
    ]
    for (batch, positions) in cases {
        #expect(throws: ModelError.self) { try model.run(batch, maskedLMPositions: positions) }
    }
}

@Test func cancellationIsCheckedBeforeEachLayer() throws {
    let model = try EncoderModel.load(directory: Fixtures.url("models/electra-token").path)
    var polls = 0
    _ = try model.run(EncoderBatch([sample]), shouldCancel: { polls += 1; return false })
    #expect(polls == model.config.numHiddenLayers)

    polls = 0
    #expect(throws: ModelError.cancelled) {
        try model.run(EncoderBatch([sample]), shouldCancel: { polls += 1; return polls == 2 })
    }
    #expect(polls == 2)
}

@Test func maskedLMAtPositionsEqualsThoseRowsOfAllPositions() throws {
    for name in ["bert-mlm", "electra-mlm"] {
        let model = try EncoderModel.load(directory: Fixtures.url("models/\(name)").path)
        let all = try #require(try model.run(EncoderBatch([sample])).first)
        let logits = try #require(all.maskedLMLogits)
        #expect(logits.shape == [sample.ids.count, model.config.vocabSize])
        #expect(all.maskedLMPositions == Array(0..<sample.ids.count))
        let some = try #require(try model.run(EncoderBatch([sample]), maskedLMPositions: [[7, 2]]).first)
        let picked = try #require(some.maskedLMLogits)
        let vocab = model.config.vocabSize
        #expect(picked.shape == [2, vocab])
        #expect(Array(picked.scalars[0..<vocab]) == Array(logits.scalars[(7 * vocab)..<(8 * vocab)]))
        #expect(Array(picked.scalars[vocab...]) == Array(logits.scalars[(2 * vocab)..<(3 * vocab)]))
    }
}

@Test func workspaceIsReusedAcrossShapes() throws {
    let model = try EncoderModel.load(directory: Fixtures.url("models/bert-qa").path)
    let workspace = Workspace()
    let short = EncoderBatch([sample])
    let long = EncoderBatch([sample, EncoderInput(ids: [Int](repeating: 800, count: 64)), sample])
    let fresh = try model.run(short)[0]
    _ = try model.run(long, workspace: workspace)
    let reused = try model.run(short, workspace: workspace)[0]
    #expect(reused.startLogits == fresh.startLogits)
    #expect(reused.endLogits == fresh.endLogits)
    #expect(reused.hidden.scalars == fresh.hidden.scalars)
}

@Test func concurrentRunsWithOwnWorkspacesAgree() async throws {
    let model = try EncoderModel.load(directory: Fixtures.url("models/electra-seq").path)
    let reference = try model.run(EncoderBatch([sample]))[0].sequenceLogits
    try await withThrowingTaskGroup(of: [Float]?.self) { group in
        for _ in 0..<4 {
            group.addTask { try model.run(EncoderBatch([sample]), workspace: Workspace())[0].sequenceLogits }
        }
        for try await logits in group { #expect(logits == reference) }
    }
}

@Test func threadCountDoesNotChangeResults() throws {
    // Threads split GEMM columns and attention heads; every element is still summed in the same order.
    let long = EncoderInput(ids: (0..<64).map { 100 + $0 * 37 }, typeIds: [Int](repeating: 0, count: 32) + [Int](repeating: 1, count: 32))
    for name in ["bert-pretraining", "electra-mlm"] {
        let model = try EncoderModel.load(directory: Fixtures.url("models/\(name)").path)
        let batch = EncoderBatch([sample, long])
        let one = try model.run(batch, maskedLMPositions: [[0, 8], [63]], workspace: Workspace(threads: 1))
        let three = try model.run(batch, maskedLMPositions: [[0, 8], [63]], workspace: Workspace(threads: 3))
        for (a, b) in zip(one, three) {
            #expect(a.hidden.scalars == b.hidden.scalars)
            #expect(a.maskedLMLogits?.scalars == b.maskedLMLogits?.scalars)
            #expect(a.sequenceLogits == b.sequenceLogits)
        }
    }
}

@Suite struct MaskedLMCandidateTests {
    @Test(arguments: ["bert-mlm", "electra-mlm", "bert-pretraining"])
    func scoringCandidatesGivesTheSameLogitsAsTheFullVocabulary(_ name: String) throws {
        let model = try EncoderModel.load(directory: Fixtures.url("models/\(name)").path)
        let batch = EncoderBatch([
            EncoderInput(ids: [101, 1266, 776, 3614, 102]), EncoderInput(ids: [101, 872, 102]),
            EncoderInput(ids: [101, 1962, 102]),
        ])
        let positions = [[1, 2, 3], [1], [1]]
        // Each position its own list (one empty, one with a repeat), and one sequence on the whole vocabulary.
        let candidates: [[[Int32]]?] = [[[1266, 7, 21127], [776, 100, 776], []], [[872, 9]], nil]
        let full = try model.run(batch, maskedLMPositions: positions)
        let scored = try model.run(batch, maskedLMPositions: positions, maskedLMCandidates: candidates)
        for ((whole, part), chosen) in zip(zip(full, scored), candidates) {
            #expect(part.maskedLMPositions == whole.maskedLMPositions)
            guard let chosen else {
                #expect(part.maskedLMCandidateLogits == nil)
                #expect(part.maskedLMLogits?.scalars == whole.maskedLMLogits?.scalars)
                continue
            }
            #expect(part.maskedLMLogits == nil)
            let wholeLogits = try #require(whole.maskedLMLogits)
            let partLogits = try #require(part.maskedLMCandidateLogits)
            #expect(partLogits.map(\.count) == chosen.map(\.count))
            let width = wholeLogits.shape[1]
            for (row, ids) in chosen.enumerated() {
                for (column, id) in ids.enumerated() {
                    #expect(abs(partLogits[row][column] - wholeLogits.scalars[row * width + Int(id)]) <= 1e-5)
                }
            }
        }
        let two = EncoderBatch(Array(batch.sequences.prefix(2)))
        let twoPositions = Array(positions.prefix(2))
        #expect(throws: ModelError.self) {  // an id outside the vocabulary
            _ = try model.run(two, maskedLMPositions: twoPositions, maskedLMCandidates: [nil, [[21128]]])
        }
        #expect(throws: ModelError.self) {  // one list for two sequences
            _ = try model.run(two, maskedLMPositions: twoPositions, maskedLMCandidates: [nil])
        }
        #expect(throws: ModelError.self) {  // two lists for three positions
            _ = try model.run(two, maskedLMPositions: twoPositions, maskedLMCandidates: [[[1], [2]], nil])
        }
    }
}

/// 8-bit encoder weights (opt-in) stay close to the fp32 model; CPUs without AVX-512 VNNI keep fp32.
@Test(arguments: ["bert-token", "electra-qa", "bert-mlm"])
func int8PrecisionStaysCloseToFloat(_ name: String) throws {
    let path = Fixtures.url("models/\(name)").path
    let exact = try EncoderModel.load(directory: path)
    let quantized = try EncoderModel.load(directory: path, precision: .int8)
    #expect(exact.precision == .float32)
    #expect(quantized.precision == (QuantizedWeight.available ? .int8 : .float32))
    let batch = EncoderBatch([sample, EncoderInput(ids: [101, 872, 1962, 102])])
    for (a, b) in zip(try exact.run(batch), try quantized.run(batch)) {
        let x = a.hidden.scalars.map(Double.init), y = b.hidden.scalars.map(Double.init)
        let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
        let cosine = dot / (x.reduce(0) { $0 + $1 * $1 } * y.reduce(0) { $0 + $1 * $1 }).squareRoot()
        #expect(cosine > 0.999, "\(name): cosine \(cosine)")
    }
}
