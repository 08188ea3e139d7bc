import BERT
import Foundation
import Tensor
import Testing

// bertd's outputs against transformers' on every fixture (each head x family, safetensors and .bin, F32,
// F16 and BF16 weights), one sequence at a time and all inputs batched together.

/// The named outputs of one sequence, flattened, keyed as in expected.json.
func flattened(_ output: SequenceOutput) -> [String: [Float]] {
    var values: [String: [Float]] = ["hidden": output.hidden.scalars]
    values["pooled"] = output.pooled
    values["mlm"] = output.maskedLMLogits?.scalars
    values["sequenceLogits"] = output.sequenceLogits
    values["tokenLogits"] = output.tokenLogits?.scalars
    values["start"] = output.startLogits
    values["end"] = output.endLogits
    return values
}

@Test func everyHeadFamilyFormatAndDTypeHasAFixture() {
    let fixtures = ModelFixture.all
    #expect(fixtures.count == 22)
    let architectures = Set(fixtures.compactMap { try? ModelFixture($0).index.architecture })
    #expect(architectures.count == 13)
}

@Test(arguments: ModelFixture.all)
func matchesTransformers(_ name: String) throws {
    let fixture = try ModelFixture(name)
    let model = try EncoderModel.load(directory: fixture.directory.path)
    #expect(model.config.architecture == fixture.index.architecture)

    var worst: Float = 0
    var unbatched = [[String: [Float]]]()
    for input in fixture.index.inputs {
        let batch = EncoderBatch([EncoderInput(ids: input.ids, typeIds: input.typeIds)])
        let output = try #require(try model.run(batch, maskedLMPositions: [input.positions]).first)
        let actual = flattened(output)
        // Every output transformers produced is produced here (pooler heads also report the pooled vector).
        #expect(Set(input.outputs.keys).isSubset(of: actual.keys), "\(name): outputs \(actual.keys.sorted())")
        for key in input.outputs.keys {
            let expected = try #require(fixture.expected(input, key))
            let diff = maxAbsDiff(actual[key] ?? [], expected)
            #expect(diff <= 1e-4, "\(name) length \(input.ids.count) \(key): max abs diff \(diff)")
            worst = max(worst, diff)
        }
        unbatched.append(actual)
    }

    // All inputs at once (lengths 1 ... max_position_embeddings) equal the one-at-a-time results.
    let batch = EncoderBatch(fixture.index.inputs.map { EncoderInput(ids: $0.ids, typeIds: $0.typeIds) })
    let batched = try model.run(batch, maskedLMPositions: fixture.index.inputs.map(\.positions))
    #expect(batched.count == unbatched.count)
    for (one, many) in zip(unbatched, batched.map(flattened)) {
        for (key, values) in one {
            let diff = maxAbsDiff(many[key] ?? [], values)
            #expect(diff <= 1e-5, "\(name) batched \(key): max abs diff \(diff)")
        }
    }
    print("parity \(name): max abs diff \(worst)")
}
