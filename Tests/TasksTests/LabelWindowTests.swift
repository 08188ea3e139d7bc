import BERT
import Foundation
import Tasks
import Tensor
import Testing

/// The real model's outputs with token logits replaced by a function of the token id alone, so that a
/// token's label cannot depend on the window it is read from: windowed labeling must then equal labeling
/// in one window exactly.
private struct ContextFreeRunner: EncoderRunner {
    let base: DirectRunner
    var model: EncoderModel { base.model }

    func run(_ batch: EncoderBatch, maskedLMPositions: [[Int]]?, maskedLMCandidates: [[[Int32]]?]?) async throws
        -> [SequenceOutput]
    {
        let labels = model.config.labels.count
        var outputs = try await base.run(batch, maskedLMPositions: maskedLMPositions, maskedLMCandidates: maskedLMCandidates)
        for (index, sequence) in batch.sequences.enumerated() {
            var logits: [Float] = []
            for id in sequence.ids {
                for label in 0..<labels { logits.append(3 * sin(Float(id * (2 * label + 3) % 997))) }
            }
            outputs[index].tokenLogits = Tensor(shape: [sequence.ids.count, labels], values: logits)
        }
        return outputs
    }
}

private let longText = "李明和王芳住在上海浦东新区，他们在 Google 工作。今天天气很好，我们去北京的天安门广场散步。"
    + "Apple 公司在2024年发布了新手机 unbelievable"

@Test(arguments: Aggregation.allCases)
func windowsNeitherLoseNorDuplicateEntities(aggregation: Aggregation) async throws {
    let (tokenizer, direct) = try TaskFixtures.model("tasks/ner-bio")
    let labeler = try TokenLabeler(tokenizer: tokenizer, runner: ContextFreeRunner(base: direct))
    #expect(tokenizer.encode(longText, addSpecialTokens: false).count <= 62, "fits one 64-token window")
    var options = LabelingOptions()
    options.aggregation = aggregation
    let whole = try await labeler.label([longText], options: options)[0]
    #expect(whole.entities.count > 5)
    for (length, stride) in [(8, 2), (10, 0), (16, 5), (33, 10)] {
        options.windowLength = length
        options.stride = stride
        let windowed = try await labeler.label([longText], options: options)[0]
        #expect(windowed == whole, "window \(length), stride \(stride)")
    }
}

@Test func longTextsAreLabeledThroughWindows() async throws {
    let (tokenizer, runner) = try TaskFixtures.model("tasks/ner-bio")
    let labeler = try TokenLabeler(tokenizer: tokenizer, runner: runner)
    let text = String(repeating: longText, count: 3)
    #expect(tokenizer.encode(text, addSpecialTokens: false).count > 64)
    var options = LabelingOptions()
    options.aggregation = .none
    let tokens = try await labeler.label([text], options: options)[0]
    options.aggregation = .simple
    options.decoding = .viterbi
    let result = try await labeler.label([text, "", longText], options: options)
    #expect(result[1].entities.isEmpty)
    #expect(!(tokens.tokens ?? []).isEmpty)
    let entities = result[0].entities
    #expect(!entities.isEmpty)
    for (a, b) in zip(entities, entities.dropFirst()) { #expect(a.end <= b.start) }
    for entity in entities {
        #expect(entity.text == String(decoding: Array(text.utf8)[entity.start..<entity.end], as: UTF8.self))
    }
}

@Test func viterbiNeverLetsAnOrphanInsideStartAnEntity() async throws {
    let (tokenizer, runner) = try TaskFixtures.model("tasks/ner-bio")
    let labeler = try TokenLabeler(tokenizer: tokenizer, runner: runner)
    var options = LabelingOptions()
    options.aggregation = .none
    options.ignoreLabels = []
    let argmax = try await labeler.label([longText], options: options)[0].entities.map(\.label)
    options.decoding = .viterbi
    let viterbi = try await labeler.label([longText], options: options)[0].entities.map(\.label)
    #expect(argmax.count == viterbi.count)
    // The fixture's argmax has orphans (I-LOC after O, ...); the Viterbi path has none.
    func orphans(_ labels: [String]) -> Int {
        zip(["O"] + labels, labels).filter { previous, label in
            label.hasPrefix("I-") && previous.dropFirst(2) != label.dropFirst(2)
        }.count
    }
    #expect(orphans(argmax) > 0)
    #expect(orphans(viterbi) == 0)
}
