import Foundation
import Tensor
import Testing

@testable import Checkpoint

@Suite struct ModelDirectoryTests {
    /// Canonical names the BERT module asks for, per fixture.
    static let bertEncoder = [
        "bert.embeddings.word_embeddings.weight", "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias",
        "bert.encoder.layer.1.attention.self.query.weight", "bert.encoder.layer.1.output.LayerNorm.weight",
        "bert.pooler.dense.weight",
    ]

    private func load(_ fixture: String, encoderPrefix: String? = nil) throws -> ModelDirectory {
        try ModelDirectory.load(directory: CheckpointFixtures.path(fixture), encoderPrefix: encoderPrefix)
    }

    /// The stored tensor `stored` of `fixture`'s raw file, for comparing with what a canonical name serves.
    private func checkServed(_ directory: ModelDirectory, _ canonical: String, by stored: String) throws {
        #expect(directory.weights.storedName(for: canonical) == stored, "\(canonical)")
        let served = try #require(try directory.weights.tensor(named: canonical), "\(canonical)")
        let original = try #require(try directory.weights.stored.tensor(named: stored))
        #expect(served.shape == original.shape && served.scalars == original.scalars, "\(canonical)")
    }

    @Test(arguments: ["bert-mlm-f32-safetensors", "bert-mlm-f16-safetensors", "bert-mlm-bf16-safetensors",
        "bert-mlm-f32-bin", "bert-mlm-f16-bin"])
    func maskedLMServesTheTiedDecoder(_ fixture: String) throws {
        let directory = try load(fixture)
        #expect(directory.config.architecture == "BertForMaskedLM")
        #expect(directory.format == (fixture.hasSuffix("bin") ? .pytorch : .safetensors))
        for name in Self.bertEncoder.dropLast() + ["cls.predictions.transform.dense.weight", "cls.predictions.bias",
            "cls.predictions.decoder.weight", "cls.predictions.decoder.bias"]
        {
            #expect(directory.weights.tensorNames.contains(name), "\(fixture): \(name)")
        }
        let dtype: StoredElementType = fixture.contains("bf16") ? .bfloat16 : fixture.contains("f16") ? .float16 : .float32
        #expect(directory.weights.elementType(of: "cls.predictions.decoder.weight") == dtype)
        #expect(directory.weights.shape(of: "cls.predictions.decoder.weight") == [64, 8])
        let decoder = try directory.root.scope("cls.predictions.decoder").tensor("weight", shape: [64, 8])
        let embeddings = try directory.root.scope("bert.embeddings").tensor("word_embeddings.weight", shape: [64, 8])
        #expect(decoder.scalars == embeddings.scalars)
    }

    @Test func safetensorsLacksTheDecoderWhichIsTiedToTheEmbeddings() throws {
        let directory = try load("bert-mlm-f32-safetensors")
        #expect(directory.weights.stored.tensorNames.contains("cls.predictions.decoder.weight") == false)
        try checkServed(directory, "cls.predictions.decoder.weight", by: "bert.embeddings.word_embeddings.weight")
        try checkServed(directory, "cls.predictions.decoder.bias", by: "cls.predictions.bias")
    }

    @Test func bareEncoderGetsTheFamilyPrefixAndNoHead() throws {
        let directory = try load("bert-model-noprefix")
        try checkServed(directory, "bert.embeddings.word_embeddings.weight", by: "embeddings.word_embeddings.weight")
        try checkServed(directory, "bert.pooler.dense.bias", by: "pooler.dense.bias")
        #expect(!directory.root.contains("cls.predictions.decoder.weight"))
        // The int64 position_ids buffer is not a weight.
        #expect(directory.weights.stored.tensorNames.contains("embeddings.position_ids"))
        #expect(!directory.weights.tensorNames.contains { $0.hasSuffix("position_ids") })
        #expect(directory.weights.tensorNames.count == directory.weights.stored.tensorNames.count - 1)
    }

    @Test func gammaAndBetaAreLayerNormWeightAndBias() throws {
        let directory = try load("bert-tagger-gamma-beta")
        try checkServed(directory, "bert.embeddings.LayerNorm.weight", by: "bert.embeddings.LayerNorm.gamma")
        try checkServed(
            directory, "bert.encoder.layer.0.attention.output.LayerNorm.bias",
            by: "bert.encoder.layer.0.attention.output.LayerNorm.beta")
        try checkServed(directory, "classifier.weight", by: "classifier.weight")
        #expect(directory.config.labels == ["O", "B-PER", "I-PER"])
    }

    @Test func foreignEncoderPrefix() throws {
        let directory = try load("bert-backbone-prefix", encoderPrefix: "backbone")
        try checkServed(
            directory, "bert.encoder.layer.1.attention.self.query.weight",
            by: "backbone.encoder.layer.1.attention.self.query.weight")
        try checkServed(directory, "classifier.bias", by: "classifier.bias")
        // Without the option the encoder is not found, and the error names the tensor.
        let plain = try load("bert-backbone-prefix")
        let message = errorDescription { _ = try plain.root.tensor("bert.embeddings.word_embeddings.weight", shape: [64, 8]) }
        #expect(message == "checkpoint has no tensor bert.embeddings.word_embeddings.weight")
    }

    @Test func electraGeneratorTiesItsHeadToTheEmbeddings() throws {
        let directory = try load("electra-generator-safetensors")
        try checkServed(directory, "generator_lm_head.weight", by: "electra.embeddings.word_embeddings.weight")
        _ = try directory.root.tensor("electra.embeddings_project.weight", shape: [8, 4])
        _ = try directory.root.tensor("generator_predictions.LayerNorm.weight", shape: [4])
        let discriminator = try load("electra-discriminator-bf16-bin")
        _ = try discriminator.root.tensor("discriminator_predictions.dense.weight", shape: [8, 8])
        #expect(!discriminator.root.contains("generator_lm_head.weight"))
    }

    @Test func untiedDecoderIsNeverServedFromTheEmbeddings() throws {
        let folder = try CheckpointFixtures.temporaryDirectory()
        defer { CheckpointFixtures.remove(folder) }
        let source = CheckpointFixtures.path("electra-generator-safetensors")
        try FileManager.default.copyItem(atPath: source + "/model.safetensors", toPath: folder + "/model.safetensors")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "/config.json")))
            as! [String: Any]
        config["tie_word_embeddings"] = false
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: folder + "/config.json"))
        // The file stores no decoder weight: with the tie off there is none to serve (transformers would not
        // copy the embeddings either), and the head asks for a tensor that is missing.
        let untied = try ModelDirectory.load(directory: folder)
        #expect(!untied.config.tiesWordEmbeddings)
        #expect(!untied.weights.tensorNames.contains("generator_lm_head.weight"))
        #expect(untied.weights.tensorNames.contains("generator_lm_head.bias"))
    }

    @Test func shapeMismatchNamesTheTensor() throws {
        let directory = try load("bert-mlm-f32-bin")
        let message = errorDescription {
            _ = try directory.root.scope("bert").tensor("encoder.layer.0.intermediate.dense.weight", shape: [8, 16])
        }
        #expect(message == "tensor bert.encoder.layer.0.intermediate.dense.weight has shape [16, 8], expected [8, 16]")
    }

    @Test func prefersSafetensorsAndReportsMissingWeights() throws {
        let folder = try CheckpointFixtures.temporaryDirectory()
        defer { CheckpointFixtures.remove(folder) }
        let manager = FileManager.default
        try manager.copyItem(atPath: CheckpointFixtures.path("bert-mlm-f32-bin/config.json"), toPath: folder + "/config.json")
        let missing = errorDescription { _ = try ModelDirectory.load(directory: folder) }
        #expect(missing == "\(folder): no model.safetensors or pytorch_model.bin")
        try manager.copyItem(
            atPath: CheckpointFixtures.path("bert-mlm-f32-bin/pytorch_model.bin"), toPath: folder + "/pytorch_model.bin")
        #expect(try ModelDirectory.load(directory: folder).format == .pytorch)
        try manager.copyItem(
            atPath: CheckpointFixtures.path("bert-mlm-f32-safetensors/model.safetensors"),
            toPath: folder + "/model.safetensors")
        let both = try ModelDirectory.load(directory: folder)
        #expect(both.format == .safetensors && both.weightsPath == folder + "/model.safetensors")
    }

    @Test func nameRules() {
        func canonical(_ stored: String, _ family: ModelFamily = .bert, prefix: String? = nil) -> String? {
            TensorNameRules.canonicalName(stored: stored, family: family, encoderPrefix: prefix)
        }
        #expect(canonical("encoder.layer.0.output.dense.weight") == "bert.encoder.layer.0.output.dense.weight")
        #expect(canonical("embeddings_project.weight", .electra) == "electra.embeddings_project.weight")
        #expect(canonical("bert.embeddings.LayerNorm.gamma") == "bert.embeddings.LayerNorm.weight")
        #expect(canonical("cls.predictions.transform.LayerNorm.beta") == "cls.predictions.transform.LayerNorm.bias")
        #expect(canonical("gamma") == "gamma")
        #expect(canonical("bert.embeddings.position_ids") == nil)
        #expect(canonical("model.encoder.layer.0.x", prefix: "model") == "bert.encoder.layer.0.x")
        #expect(canonical("classifier.weight", prefix: "model") == "classifier.weight")
        #expect(canonical("qa_outputs.weight") == "qa_outputs.weight")
    }

    @Test func twoStoredNamesForOneTensorAreAnError() throws {
        struct Names: TensorSource {
            let tensorNames = ["bert.pooler.dense.weight", "pooler.dense.weight"]
            func tensor(named name: String) throws(CheckpointError) -> Tensor? { nil }
        }
        let message = errorDescription {
            _ = try CanonicalTensorSource(stored: Names(), family: .bert, path: "w.bin")
        }
        #expect(message == "w.bin: malformed: tensors bert.pooler.dense.weight and pooler.dense.weight both stand for bert.pooler.dense.weight")
    }
}
