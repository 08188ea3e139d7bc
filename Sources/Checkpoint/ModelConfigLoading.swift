import JSON
import Tensor

extension ModelConfig {
    /// Reads `config.json` in `directory`.
    /// - Throws: `CheckpointError.io` when the file cannot be read, `.malformed` when it is not JSON,
    ///   `.unsupportedConfig` naming the field otherwise.
    public static func load(directory: String) throws(CheckpointError) -> ModelConfig {
        let path = directory.hasSuffix("/") ? directory + "config.json" : directory + "/config.json"
        let file = try MappedFile(path: path)
        let json: JSON
        do {
            json = try JSON.parse(file.allBytes, maxDepth: 16)
        } catch {
            throw .malformed(path: path, reason: "\(error)")
        }
        return try ModelConfig(json: json)
    }

    /// The configuration a transformers `BertConfig` or `ElectraConfig` with these fields would have;
    /// absent fields take those classes' defaults.
    /// - Throws: `CheckpointError.unsupportedConfig` naming the first field that is mistyped, out of
    ///   range or asks for something bertd does not compute.
    public init(json: JSON) throws(CheckpointError) {
        guard case .object = json else {
            throw .unsupportedConfig(field: "(root)", reason: "expected an object, got \(json.typeName)")
        }
        let fields = ConfigFields(json)
        let architecture = try fields.architecture()
        let family = try fields.family(architecture: architecture)
        try fields.rejectUnsupportedFeatures()
        let defaults = ConfigDefaults(family)
        let hiddenSize = try fields.positive("hidden_size", default: defaults.hiddenSize)
        let vocabSize = try fields.positive("vocab_size", default: defaults.vocabSize)
        let heads = try fields.positive("num_attention_heads", default: defaults.numAttentionHeads)
        guard hiddenSize % heads == 0 else {
            throw .unsupportedConfig(
                field: "num_attention_heads", reason: "hidden_size \(hiddenSize) is not a multiple of \(heads) heads")
        }
        let padTokenId = try fields.padTokenId(vocabSize: vocabSize)
        self.init(
            family: family,
            architecture: architecture,
            vocabSize: vocabSize,
            hiddenSize: hiddenSize,
            // BERT has no separate embedding width; ELECTRA's defaults to 128 as in ElectraConfig.
            embeddingSize: family == .electra
                ? try fields.positive("embedding_size", default: defaults.embeddingSize) : hiddenSize,
            numHiddenLayers: try fields.integer("num_hidden_layers", default: defaults.numHiddenLayers, minimum: 0),
            numAttentionHeads: heads,
            intermediateSize: try fields.positive("intermediate_size", default: defaults.intermediateSize),
            hiddenAct: try fields.activation(),
            maxPositionEmbeddings: try fields.positive("max_position_embeddings", default: 512),
            typeVocabSize: try fields.positive("type_vocab_size", default: 2),
            layerNormEps: try fields.layerNormEps(),
            padTokenId: padTokenId,
            labels: try fields.labels(),
            problemType: try fields.problemType(),
            tiesWordEmbeddings: try fields.tiesWordEmbeddings())
    }
}

/// transformers' defaults for fields a config.json may omit (BertConfig / ElectraConfig, 4.57).
private struct ConfigDefaults {
    var vocabSize = 30522
    var hiddenSize: Int
    var embeddingSize: Int
    var numHiddenLayers = 12
    var numAttentionHeads: Int
    var intermediateSize: Int

    init(_ family: ModelFamily) {
        switch family {
        case .bert:
            (hiddenSize, embeddingSize, numAttentionHeads, intermediateSize) = (768, 768, 12, 3072)
        case .electra:
            (hiddenSize, embeddingSize, numAttentionHeads, intermediateSize) = (256, 128, 4, 1024)
        }
    }
}
