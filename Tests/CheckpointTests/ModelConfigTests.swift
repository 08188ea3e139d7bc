import JSON
import Tensor
import Testing

@testable import Checkpoint

@Suite struct ModelConfigTests {
    private func config(_ text: String) throws -> ModelConfig {
        try ModelConfig(json: JSON.parse(text))
    }

    private func failure(_ text: String) -> String? {
        errorDescription { _ = try config(text) }
    }

    @Test func bertFixture() throws {
        let config = try ModelConfig.load(directory: CheckpointFixtures.path("bert-tagger-gamma-beta"))
        #expect(config == ModelConfig(
            family: .bert, architecture: "BertForTokenClassification", vocabSize: 64, hiddenSize: 8, embeddingSize: 8,
            numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 16, hiddenAct: .gelu,
            maxPositionEmbeddings: 16, typeVocabSize: 2, layerNormEps: 1e-12, padTokenId: 0,
            labels: ["O", "B-PER", "I-PER"], problemType: nil))
    }

    @Test func electraFixture() throws {
        let config = try ModelConfig.load(directory: CheckpointFixtures.path("electra-generator-safetensors/"))
        #expect(config.family == .electra)
        #expect(config.architecture == "ElectraForMaskedLM")
        #expect(config.embeddingSize == 4 && config.hiddenSize == 8)
        #expect(config.labels.isEmpty)
    }

    @Test func defaultsFollowTransformers() throws {
        let bert = try config(#"{"model_type": "bert"}"#)
        #expect(bert == ModelConfig(
            family: .bert, architecture: nil, vocabSize: 30522, hiddenSize: 768, embeddingSize: 768,
            numHiddenLayers: 12, numAttentionHeads: 12, intermediateSize: 3072, hiddenAct: .gelu,
            maxPositionEmbeddings: 512, typeVocabSize: 2, layerNormEps: 1e-12, padTokenId: 0, labels: [],
            problemType: nil))
        // ElectraConfig's defaults: embedding_size 128, hidden 256, 4 heads, intermediate 1024.
        let electra = try config(#"{"architectures": ["ElectraForPreTraining"]}"#)
        #expect(electra.family == .electra)
        #expect([electra.embeddingSize, electra.hiddenSize, electra.numAttentionHeads, electra.intermediateSize]
            == [128, 256, 4, 1024])
        // BERT has no embedding_size: the field is ignored.
        #expect(try config(#"{"model_type": "bert", "hidden_size": 16, "num_attention_heads": 4, "embedding_size": 4}"#)
            .embeddingSize == 16)
    }

    @Test func activationNames() throws {
        let expected: [String: Activation] = [
            "gelu": .gelu, "gelu_new": .geluNew, "gelu_pytorch_tanh": .geluNew, "gelu_fast": .geluFast,
            "relu": .relu, "silu": .silu, "swish": .silu,
        ]
        for (name, activation) in expected {
            #expect(try config(#"{"model_type": "bert", "hidden_act": "\#(name)"}"#).hiddenAct == activation)
        }
    }

    @Test func labelsAreOrderedById() throws {
        let labels = try config(#"{"model_type": "bert", "id2label": {"2": "c", "0": "a", "1": "b"}}"#).labels
        #expect(labels == ["a", "b", "c"])
        #expect(try config(#"{"model_type": "bert", "num_labels": 2}"#).labels == ["LABEL_0", "LABEL_1"])
        #expect(try config(#"{"model_type": "bert", "problem_type": "regression"}"#).problemType == "regression")
        #expect(try config(#"{"model_type": "bert", "pad_token_id": null, "layer_norm_eps": 1e-5}"#).layerNormEps == 1e-5)
    }

    static let errors: [(json: String, message: String)] = [
        (#"[]"#, "config.json: (root): expected an object, got array"),
        (#"{}"#, "config.json: model_type: missing, and architectures names no Bert or Electra model"),
        (#"{"model_type": "roberta"}"#, #"config.json: model_type: "roberta" is not supported (bert, electra)"#),
        (#"{"model_type": 3}"#, "config.json: model_type: expected a string, got integer"),
        (#"{"model_type": "bert", "architectures": ["ElectraForMaskedLM"]}"#,
            #"config.json: architectures: ElectraForMaskedLM does not match model_type "bert""#),
        (#"{"model_type": "bert", "architectures": "BertModel"}"#,
            "config.json: architectures: expected an array of strings, got string"),
        (#"{"model_type": "bert", "position_embedding_type": "relative_key"}"#,
            #"config.json: position_embedding_type: "relative_key" is not supported (absolute only)"#),
        (#"{"model_type": "bert", "is_decoder": true}"#, "config.json: is_decoder: decoder models are not supported"),
        (#"{"model_type": "bert", "add_cross_attention": true}"#,
            "config.json: add_cross_attention: decoder models are not supported"),
        (#"{"model_type": "bert", "hidden_act": "mish"}"#, #"config.json: hidden_act: "mish" is not supported"#),
        (#"{"model_type": "bert", "hidden_size": "768"}"#, "config.json: hidden_size: expected an integer, got string"),
        (#"{"model_type": "bert", "vocab_size": 0}"#, "config.json: vocab_size: 0 is less than 1"),
        (#"{"model_type": "bert", "hidden_size": 10, "num_attention_heads": 4}"#,
            "config.json: num_attention_heads: hidden_size 10 is not a multiple of 4 heads"),
        (#"{"model_type": "bert", "layer_norm_eps": -1}"#, "config.json: layer_norm_eps: -1.0 is not a positive number"),
        (#"{"model_type": "bert", "pad_token_id": 99999}"#, "config.json: pad_token_id: 99999 is outside the vocabulary"),
        (#"{"model_type": "bert", "id2label": {"0": "a", "2": "c"}}"#,
            #"config.json: id2label: key "2" is not an id in 0..<2"#),
        (#"{"model_type": "bert", "id2label": {"0": "a", "01": "b"}}"#,
            #"config.json: id2label: key "01" is not an id in 0..<2"#),
        (#"{"model_type": "bert", "id2label": {"0": 5}}"#, "config.json: id2label.0: expected a string, got integer"),
        (#"{"model_type": "bert", "problem_type": "ranking"}"#,
            #"config.json: problem_type: "ranking" is not a known problem type"#),
        (#"{"model_type": "electra", "tie_word_embeddings": "no"}"#,
            "config.json: tie_word_embeddings: expected a boolean, got string"),
    ]

    @Test func wordEmbeddingTieDefaultsToTransformers() throws {
        #expect(try config(#"{"model_type": "electra"}"#).tiesWordEmbeddings)
        #expect(try config(#"{"model_type": "electra", "tie_word_embeddings": null}"#).tiesWordEmbeddings)
        #expect(try !config(#"{"model_type": "electra", "tie_word_embeddings": false}"#).tiesWordEmbeddings)
    }

    @Test(arguments: 0..<errors.count)
    func unsupportedConfigsNameTheField(_ index: Int) {
        let (json, message) = Self.errors[index]
        let found = failure(json)
        #expect(found?.hasPrefix(message) == true, "\(json): \(found ?? "accepted")")
    }

    @Test func unreadableConfig() throws {
        let message = errorDescription { _ = try ModelConfig.load(directory: "/nonexistent") }
        #expect(message?.hasPrefix("/nonexistent/config.json: ") == true)
        let path = try CheckpointFixtures.temporaryFile(Array("{\"model_type\": ".utf8), name: "config.json")
        defer { CheckpointFixtures.remove(path) }
        let broken = errorDescription { _ = try ModelConfig.load(directory: String(path.dropLast("/config.json".count))) }
        #expect(broken?.contains("config.json: malformed: line 1") == true, "\(broken ?? "accepted")")
    }
}
