import ArgumentParser
import BERT
import Checkpoint
import Foundation
import JSON

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a model directory: family, head, labels, tensor shapes and dtypes, size, load time.")

    @Option(help: "A Hugging Face BERT/ELECTRA model directory.")
    var model: String

    @Flag(help: "List every tensor with its shape and stored dtype.")
    var tensors = false

    @Option(help: "Encoder weights to load: float32 (default) or int8 (as `bertd --precision`).")
    var precision: WeightPrecision = .float32

    func run() throws {
        let started = ContinuousClock.now
        let directory: ModelDirectory
        let encoder: EncoderModel
        do {
            directory = try ModelDirectory.load(directory: model)
            encoder = try EncoderModel(config: directory.config, weights: directory.root, precision: precision)
        } catch {
            throw CommandFailure("cannot load \(model): \(error)")
        }
        let loadMilliseconds = Self.milliseconds(ContinuousClock.now - started)
        let weights = directory.weights
        var parameters = 0
        var dtypes: [String: Int] = [:]
        var listing: [JSON] = []
        for name in weights.tensorNames.sorted() {
            let shape = weights.shape(of: name) ?? []
            let dtype = weights.elementType(of: name)?.rawValue ?? "?"
            // Tied weights are listed under both names but stored once.
            if weights.storedName(for: name) == name || !weights.tensorNames.contains(weights.storedName(for: name) ?? "") {
                parameters += shape.reduce(1, *)
            }
            dtypes[dtype, default: 0] += 1
            listing.append(["name": .string(name), "shape": .array(shape.map { .integer(Int64($0)) }), "dtype": .string(dtype)])
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: directory.weightsPath)[.size] as? Int) ?? 0
        let config = directory.config
        var report: JSONObject = [
            "directory": .string(model),
            "family": .string(config.family.rawValue),
            "architecture": config.architecture.map(JSON.string) ?? .null,
            "head": .string(encoder.head.rawValue),
            "labels": .array(config.labels.map(JSON.string)),
            "layers": .integer(Int64(config.numHiddenLayers)),
            "hiddenSize": .integer(Int64(config.hiddenSize)),
            "embeddingSize": .integer(Int64(config.embeddingSize)),
            "heads": .integer(Int64(config.numAttentionHeads)),
            "intermediateSize": .integer(Int64(config.intermediateSize)),
            "activation": .string(config.hiddenAct.rawValue),
            "maxLength": .integer(Int64(config.maxPositionEmbeddings)),
            "vocabSize": .integer(Int64(config.vocabSize)),
            "weightsFile": .string(directory.weightsPath),
            "format": .string(directory.format.rawValue),
            "precision": .string(encoder.precision.rawValue),
            "dtypes": .object(JSONObject(dtypes.sorted { $0.key < $1.key }.map { ($0.key, .integer(Int64($0.value))) })),
            "parameters": .integer(Int64(parameters)),
            "sizeBytes": .integer(Int64(size)),
            "loadMilliseconds": .double(loadMilliseconds),
        ]
        if tensors { report["tensors"] = .array(listing) }
        print(JSON.object(report).serializedString)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) * 1e-15
    }
}
