import Tensor

/// A checkpoint's tensors under canonical names (`bert.encoder.layer.0.attention.self.query.weight`,
/// `cls.predictions.decoder.weight`, ...), whatever variant of those names the file stores.
///
/// See `TensorNameRules` for the variants: missing or foreign encoder prefix, `LayerNorm.gamma/beta`,
/// tied decoder weights, ignored `position_ids` buffers.
public struct CanonicalTensorSource: TensorSource {
    /// The checkpoint as stored.
    public let stored: any TensorSource
    /// Canonical names served, stored tensors first (in stored order), then tied aliases.
    public let tensorNames: [String]
    private let storedNames: [String: String]

    /// Indexes `stored` under canonical names for `family`.
    /// - Parameters:
    ///   - encoderPrefix: a prefix (e.g. `backbone`) the file uses for the encoder instead of `bert`/`electra`.
    ///   - path: the weights file, for error messages.
    ///   - tiesWordEmbeddings: the config's `tie_word_embeddings`; when false a missing decoder weight is not
    ///     served from the word embeddings (transformers would not load it from them either).
    /// - Throws: `CheckpointError.malformed` when two stored tensors map to one canonical name.
    public init(
        stored: any TensorSource, family: ModelFamily, encoderPrefix: String? = nil, path: String,
        tiesWordEmbeddings: Bool = true
    ) throws(CheckpointError) {
        var storedNames: [String: String] = [:]
        var names: [String] = []
        for name in stored.tensorNames {
            guard let canonical = TensorNameRules.canonicalName(stored: name, family: family, encoderPrefix: encoderPrefix)
            else { continue }
            if let other = storedNames[canonical] {
                throw .malformed(path: path, reason: "tensors \(other) and \(name) both stand for \(canonical)")
            }
            storedNames[canonical] = name
            names.append(canonical)
        }
        for tie in TensorNameRules.ties(family)
        where storedNames[tie.name] == nil && (tiesWordEmbeddings || !tie.isWordEmbeddingTie) {
            guard let source = storedNames[tie.source], names.contains(where: { $0.hasPrefix(tie.head) }) else { continue }
            storedNames[tie.name] = source
            names.append(tie.name)
        }
        self.stored = stored
        self.storedNames = storedNames
        self.tensorNames = names
    }

    /// The stored name that serves canonical `name`, or nil.
    public func storedName(for name: String) -> String? {
        storedNames[name]
    }

    public func tensor(named name: String) throws(CheckpointError) -> Tensor? {
        guard let storedName = storedNames[name] else { return nil }
        return try stored.tensor(named: storedName)
    }
}
