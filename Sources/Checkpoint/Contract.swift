// The interface between checkpoint loading and the model graph. Loading code (this module) produces
// `ModelConfig` and a `TensorSource`; the BERT module reads weights through `WeightScope`.
import Tensor

/// Model families whose checkpoints bertd reads.
public enum ModelFamily: String, Sendable {
    case bert
    case electra
}

/// Everything in `config.json` that changes the computation of a BERT or ELECTRA model.
public struct ModelConfig: Sendable, Equatable {
    public var family: ModelFamily
    /// `architectures[0]`, e.g. "BertForMaskedLM"; nil when the config names none.
    public var architecture: String?
    public var vocabSize: Int
    public var hiddenSize: Int
    /// ELECTRA's embedding width (projected to `hiddenSize` when different); equals `hiddenSize` for BERT.
    public var embeddingSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var hiddenAct: Activation
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var padTokenId: Int
    /// Label names by id (`id2label`), empty when the config has none.
    public var labels: [String]
    /// "single_label_classification", "multi_label_classification", "regression" or nil.
    public var problemType: String?
    /// Whether the masked-LM decoder reuses the word embeddings (`tie_word_embeddings`); when false the
    /// checkpoint must store its own decoder weight.
    public var tiesWordEmbeddings: Bool

    public init(
        family: ModelFamily, architecture: String?, vocabSize: Int, hiddenSize: Int, embeddingSize: Int,
        numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int, hiddenAct: Activation,
        maxPositionEmbeddings: Int, typeVocabSize: Int, layerNormEps: Float, padTokenId: Int,
        labels: [String], problemType: String?, tiesWordEmbeddings: Bool = true
    ) {
        self.family = family
        self.architecture = architecture
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.embeddingSize = embeddingSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.hiddenAct = hiddenAct
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.padTokenId = padTokenId
        self.labels = labels
        self.problemType = problemType
        self.tiesWordEmbeddings = tiesWordEmbeddings
    }
}

/// Named fp32 tensors of one checkpoint, under their names as stored in the file.
public protocol TensorSource: Sendable {
    /// The tensor stored under exactly this name (fp16/bf16 already widened to fp32), or nil.
    func tensor(named name: String) throws(CheckpointError) -> Tensor?
    /// Every stored tensor name.
    var tensorNames: [String] { get }
}

/// Errors from reading a model directory; every message names the file, field or tensor at fault.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file could not be opened, mapped or read.
    case io(path: String, reason: String)
    /// A file is not in the expected format (truncated, bad header, out-of-bounds offset, ...).
    case malformed(path: String, reason: String)
    /// A config field is missing, mistyped or names something unsupported.
    case unsupportedConfig(field: String, reason: String)
    /// A tensor the model needs is not in the checkpoint.
    case missingTensor(name: String)
    /// A tensor has another shape than the config implies.
    case shapeMismatch(name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .io(let path, let reason): "\(path): \(reason)"
        case .malformed(let path, let reason): "\(path): malformed: \(reason)"
        case .unsupportedConfig(let field, let reason): "config.json: \(field): \(reason)"
        case .missingTensor(let name): "checkpoint has no tensor \(name)"
        case .shapeMismatch(let name, let expected, let found):
            "tensor \(name) has shape \(found), expected \(expected)"
        }
    }
}

/// A prefix-scoped view of a checkpoint's tensors, following the module tree
/// (`weights.scope("encoder").scope("layer.0")`), so tensor names come from the call tree.
public struct WeightScope: Sendable {
    /// The checkpoint read through this scope.
    public let source: any TensorSource
    /// Dotted prefix, empty at the root.
    public let prefix: String

    /// A root scope over `source`.
    public init(source: any TensorSource, prefix: String = "") {
        self.source = source
        self.prefix = prefix
    }

    /// The scope one level (or several dotted levels) down.
    public func scope(_ name: String) -> WeightScope {
        WeightScope(source: source, prefix: qualified(name))
    }

    /// The full dotted name of `name` under this scope.
    public func qualified(_ name: String) -> String {
        prefix.isEmpty ? name : "\(prefix).\(name)"
    }

    /// The tensor `name` under this scope, checked against `shape`.
    /// - Throws: `CheckpointError.missingTensor` or `.shapeMismatch`, naming the full tensor name.
    public func tensor(_ name: String, shape: [Int]) throws(CheckpointError) -> Tensor {
        let full = qualified(name)
        guard let found = try source.tensor(named: full) else { throw .missingTensor(name: full) }
        guard found.shape == shape else {
            throw .shapeMismatch(name: full, expected: shape, found: found.shape)
        }
        return found
    }

    /// Whether the checkpoint stores `name` under this scope.
    public func contains(_ name: String) -> Bool {
        source.tensorNames.contains(qualified(name))
    }
}
