import ArgumentParser
import BERT
import Foundation
import JSON
import Tensor
import Tokenizer

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run a model once and print its head's raw output as JSON (to compare with another implementation).")

    @Option(help: "A Hugging Face BERT/ELECTRA model directory.")
    var model: String

    @Option(help: "The text.")
    var text: String

    @Option(help: "A second text (question answering, next-sentence prediction, pair classification).")
    var textPair: String?

    @Flag(help: "Also print the last hidden states.")
    var hidden = false

    @Option(help: "Encoder weights to load: float32 (default) or int8 (as `bertd --precision`).")
    var precision: WeightPrecision = .float32

    func run() throws {
        let encoder: EncoderModel
        let tokenizer: BertTokenizer
        do {
            encoder = try EncoderModel.load(directory: model, precision: precision)
            tokenizer = try BertTokenizer.load(directory: URL(fileURLWithPath: model))
        } catch {
            throw CommandFailure("cannot load \(model): \(error)")
        }
        let encoding = tokenizer.encode(text, pair: textPair)
        let limit = encoder.config.maxPositionEmbeddings
        guard encoding.count <= limit else {
            throw CommandFailure("the input has \(encoding.count) tokens; the model takes at most \(limit)")
        }
        let input = EncoderInput(ids: encoding.ids.map(Int.init), typeIds: encoding.typeIds.map(Int.init))
        let output = try encoder.run(EncoderBatch([input]))[0]
        var report: JSONObject = [
            "head": .string(encoder.head.rawValue),
            "tokens": .array(encoding.tokens.map(JSON.string)),
            "ids": .array(encoding.ids.map { .integer(Int64($0)) }),
        ]
        if !encoder.config.labels.isEmpty { report["labels"] = .array(encoder.config.labels.map(JSON.string)) }
        if hidden { report["hidden"] = Self.matrix(output.hidden) }
        if let pooled = output.pooled { report["pooled"] = Self.vector(pooled) }
        if let logits = output.tokenLogits { report["tokenLogits"] = Self.matrix(logits) }
        if let start = output.startLogits { report["startLogits"] = Self.vector(start) }
        if let end = output.endLogits { report["endLogits"] = Self.vector(end) }
        if let logits = output.sequenceLogits { report["sequenceLogits"] = Self.vector(logits) }
        if let logits = output.maskedLMLogits { report["maskedLMLogits"] = Self.matrix(logits) }
        print(JSON.object(report).serializedString)
    }

    static func vector(_ values: [Float]) -> JSON {
        .array(values.map { JSON($0) })
    }

    static func matrix(_ tensor: Tensor) -> JSON {
        let values = tensor.scalars
        let width = tensor.shape.last ?? 1
        let rows = width == 0 ? 0 : values.count / width
        return .array((0..<rows).map { row in vector(Array(values[(row * width)..<((row + 1) * width)])) })
    }
}
