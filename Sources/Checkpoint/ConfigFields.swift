import JSON
import Tensor

/// Typed access to config.json fields; every error names the field.
struct ConfigFields {
    let json: JSON

    init(_ json: JSON) {
        self.json = json
    }

    /// `hidden_act` names as transformers' ACT2FN spells them, mapped to the kernels bertd has.
    /// `gelu_pytorch_tanh` computes the same tanh approximation as `gelu_new`; `swish` is `silu`.
    static let activations: [String: Activation] = [
        "gelu": .gelu, "gelu_python": .gelu, "gelu_new": .geluNew, "gelu_pytorch_tanh": .geluNew,
        "gelu_fast": .geluFast, "relu": .relu, "silu": .silu, "swish": .silu, "tanh": .tanh,
    ]

    static let problemTypes: Set<String> = [
        "single_label_classification", "multi_label_classification", "regression",
    ]

    // MARK: - Identity

    func architecture() throws(CheckpointError) -> String? {
        guard let value = present("architectures") else { return nil }
        guard let list = value.arrayValue else { throw mistyped("architectures", expected: "an array of strings") }
        guard let first = list.first else { return nil }
        guard let name = first.stringValue else {
            throw .unsupportedConfig(field: "architectures[0]", reason: "expected a string, got \(first.typeName)")
        }
        return name
    }

    /// The family from `model_type`, or from the architecture's name when the type is absent.
    func family(architecture: String?) throws(CheckpointError) -> ModelFamily {
        let fromArchitecture: ModelFamily? =
            if architecture?.hasPrefix("Bert") == true { .bert }
            else if architecture?.hasPrefix("Electra") == true { .electra }
            else { nil }
        guard let value = present("model_type") else {
            guard let fromArchitecture else {
                throw .unsupportedConfig(field: "model_type", reason: "missing, and architectures names no Bert or Electra model")
            }
            return fromArchitecture
        }
        guard let typeName = value.stringValue else { throw mistyped("model_type", expected: "a string") }
        guard let family = ModelFamily(rawValue: typeName) else {
            throw .unsupportedConfig(field: "model_type", reason: "\"\(typeName)\" is not supported (bert, electra)")
        }
        if let fromArchitecture, fromArchitecture != family, let architecture {
            throw .unsupportedConfig(field: "architectures", reason: "\(architecture) does not match model_type \"\(typeName)\"")
        }
        return family
    }

    /// Refuses settings that change the computation in ways bertd does not implement.
    func rejectUnsupportedFeatures() throws(CheckpointError) {
        if let value = present("position_embedding_type") {
            guard let kind = value.stringValue else { throw mistyped("position_embedding_type", expected: "a string") }
            guard kind == "absolute" else {
                throw .unsupportedConfig(field: "position_embedding_type", reason: "\"\(kind)\" is not supported (absolute only)")
            }
        }
        for flag in ["is_decoder", "add_cross_attention"] {
            guard let value = present(flag) else { continue }
            guard let enabled = value.boolValue else { throw mistyped(flag, expected: "a boolean") }
            if enabled { throw .unsupportedConfig(field: flag, reason: "decoder models are not supported") }
        }
    }

    // MARK: - Numbers

    func integer(_ field: String, default fallback: Int, minimum: Int) throws(CheckpointError) -> Int {
        guard let value = present(field) else { return fallback }
        guard let number = value.intValue else { throw mistyped(field, expected: "an integer") }
        guard number >= minimum else {
            throw .unsupportedConfig(field: field, reason: "\(number) is less than \(minimum)")
        }
        return number
    }

    func positive(_ field: String, default fallback: Int) throws(CheckpointError) -> Int {
        try integer(field, default: fallback, minimum: 1)
    }

    func layerNormEps() throws(CheckpointError) -> Float {
        guard let value = present("layer_norm_eps") else { return 1e-12 }
        guard let number = value.doubleValue else { throw mistyped("layer_norm_eps", expected: "a number") }
        guard number > 0, number.isFinite else {
            throw .unsupportedConfig(field: "layer_norm_eps", reason: "\(number) is not a positive number")
        }
        return Float(number)
    }

    /// `pad_token_id`, 0 when absent or null (it only marks the embedding row gradients skip, so null
    /// computes the same as any id), and within the vocabulary.
    func padTokenId(vocabSize: Int) throws(CheckpointError) -> Int {
        guard let value = present("pad_token_id") else { return 0 }
        guard let id = value.intValue else { throw mistyped("pad_token_id", expected: "an integer") }
        guard id >= 0, id < vocabSize else {
            throw .unsupportedConfig(field: "pad_token_id", reason: "\(id) is outside the vocabulary (0..<\(vocabSize))")
        }
        return id
    }

    // MARK: - Names

    func activation() throws(CheckpointError) -> Activation {
        guard let value = present("hidden_act") else { return .gelu }
        guard let name = value.stringValue else { throw mistyped("hidden_act", expected: "a string") }
        guard let activation = Self.activations[name] else {
            let known = Self.activations.keys.sorted().joined(separator: ", ")
            throw .unsupportedConfig(field: "hidden_act", reason: "\"\(name)\" is not supported (\(known))")
        }
        return activation
    }

    /// Labels ordered by id from `id2label` ({"0": "O", "1": "B-PER", ...}); ids must be exactly 0..<n.
    /// Without `id2label`, `num_labels` gives transformers' default names LABEL_0...; without either, none.
    func labels() throws(CheckpointError) -> [String] {
        if let value = present("id2label") {
            guard let object = value.objectValue else { throw mistyped("id2label", expected: "an object") }
            var byId = [String?](repeating: nil, count: object.count)
            for (key, item) in object {
                guard let id = Int(key), id >= 0, id < object.count, String(id) == key else {
                    throw .unsupportedConfig(
                        field: "id2label", reason: "key \"\(key)\" is not an id in 0..<\(object.count)")
                }
                guard let label = item.stringValue else {
                    throw .unsupportedConfig(field: "id2label.\(key)", reason: "expected a string, got \(item.typeName)")
                }
                guard byId[id] == nil else { throw .unsupportedConfig(field: "id2label", reason: "id \(id) appears twice") }
                byId[id] = label
            }
            // n distinct ids in 0..<n fill every slot.
            return byId.compactMap { $0 }
        }
        if let value = present("num_labels") {
            guard let count = value.intValue, count >= 0 else { throw mistyped("num_labels", expected: "a non-negative integer") }
            return (0..<count).map { "LABEL_\($0)" }
        }
        return []
    }

    func problemType() throws(CheckpointError) -> String? {
        guard let value = present("problem_type") else { return nil }
        guard let name = value.stringValue else { throw mistyped("problem_type", expected: "a string") }
        guard Self.problemTypes.contains(name) else {
            throw .unsupportedConfig(field: "problem_type", reason: "\"\(name)\" is not a known problem type")
        }
        return name
    }

    /// `tie_word_embeddings` (transformers' default true).
    func tiesWordEmbeddings() throws(CheckpointError) -> Bool {
        guard let value = present("tie_word_embeddings") else { return true }
        guard let flag = value.boolValue else { throw mistyped("tie_word_embeddings", expected: "a boolean") }
        return flag
    }

    // MARK: - Helpers

    /// The field's value, treating JSON null as absent (as transformers' defaults do for None).
    private func present(_ field: String) -> JSON? {
        guard let value = json[field], !value.isNull else { return nil }
        return value
    }

    private func mistyped(_ field: String, expected: String) -> CheckpointError {
        let found = json[field].map(\.typeName) ?? "nothing"
        return .unsupportedConfig(field: field, reason: "expected \(expected), got \(found)")
    }
}
