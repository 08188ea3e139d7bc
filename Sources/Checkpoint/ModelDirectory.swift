/// A Hugging Face model directory: `config.json` plus weights in `model.safetensors` (preferred) or
/// `pytorch_model.bin`, with the weights served under canonical tensor names.
public struct ModelDirectory: Sendable {
    /// How the weights file is encoded.
    public enum WeightsFormat: String, Sendable {
        case safetensors
        case pytorch
    }

    /// Weight file names in order of preference: safetensors needs no pickle and maps without parsing.
    static let weightFiles: [(name: String, format: WeightsFormat)] = [
        ("model.safetensors", .safetensors), ("pytorch_model.bin", .pytorch),
    ]

    /// The directory as given.
    public let path: String
    /// The parsed `config.json`.
    public let config: ModelConfig
    /// The weights file that was mapped.
    public let weightsPath: String
    public let format: WeightsFormat
    /// The weights under canonical names, for `WeightScope`.
    public let weights: CanonicalTensorSource

    /// The root scope over the canonical weights.
    public var root: WeightScope { WeightScope(source: weights) }

    /// Reads `config.json` and maps the weights of the model in `directory`.
    /// - Parameter encoderPrefix: the prefix the checkpoint stores the encoder under when it is neither
    ///   the family's (`bert`, `electra`) nor absent, e.g. `backbone`.
    /// - Throws: `CheckpointError` naming the file, field or tensor at fault; `.io` when no weights file exists.
    public static func load(directory: String, encoderPrefix: String? = nil) throws(CheckpointError) -> ModelDirectory {
        let config = try ModelConfig.load(directory: directory)
        let folder = directory.hasSuffix("/") ? directory : directory + "/"
        guard let (weightsPath, format) = weightFiles.lazy.map({ (folder + $0.name, $0.format) })
            .first(where: { MappedFile.exists($0.0) })
        else {
            let sharded = MappedFile.exists(folder + "model.safetensors.index.json")
                || MappedFile.exists(folder + "pytorch_model.bin.index.json")
            throw .io(
                path: directory,
                reason: sharded
                    ? "sharded checkpoints (*.index.json) are not supported"
                    : "no model.safetensors or pytorch_model.bin")
        }
        let stored: any TensorSource =
            switch format {
            case .safetensors: try SafetensorsFile(path: weightsPath)
            case .pytorch: try PyTorchCheckpoint(path: weightsPath)
            }
        let weights = try CanonicalTensorSource(
            stored: stored, family: config.family, encoderPrefix: encoderPrefix, path: weightsPath,
            tiesWordEmbeddings: config.tiesWordEmbeddings)
        return ModelDirectory(path: directory, config: config, weightsPath: weightsPath, format: format, weights: weights)
    }
}
