import BERT
import JSON
import RPC
import Tokenizer

extension BertdService {
    /// `annotate/embed`: one vector per text (pooled from the last hidden states), TEI-style.
    static let embedMethod = ServiceMethod(name: "annotate/embed") { service, params, context in
        let reader = try service.paramsReader(params, allowed: ["text", "texts", "pooling", "normalize", "truncate"])
        let common = try CommonParams(reader, session: service.sessions.session(context.connection))
        let (texts, isList) = try service.readTexts(reader)
        let poolingName = try reader.optional("pooling", as: String.self) ?? "mean"
        guard let pooling = Pooling(rawValue: poolingName) else {
            throw JSONDecodingError(path: "params.pooling", message: "expected one of cls, mean, none, got \"\(poolingName)\"")
        }
        let normalize = try reader.optional("normalize", as: Bool.self) ?? (pooling != .none)
        let truncate = try reader.optional("truncate", as: Bool.self) ?? false
        let model = try service.registry.model(named: common.model, for: .embed)
        let limit = model.model.config.maxPositionEmbeddings
        var inputs: [EncoderInput] = []
        for (index, text) in texts.enumerated() {
            var encoding = model.tokenizer.encode(text)
            if encoding.count > limit {
                guard truncate else {
                    throw RPCError.server(
                        .inputTooLong,
                        "params.\(isList ? "texts[\(index)]" : "text"): \(encoding.count) tokens exceed the model's limit of \(limit); pass \"truncate\": true to embed the first \(limit)",
                        extra: ["tokens": .integer(Int64(encoding.count)), "limit": .integer(Int64(limit))])
                }
                encoding = try model.tokenizer.encode(text, truncation: Truncation(maxLength: limit), padding: nil)
            }
            inputs.append(EncoderInput(ids: encoding.ids.map(Int.init), typeIds: encoding.typeIds.map(Int.init)))
        }
        let batch = EncoderBatch(inputs)
        let outputs = try await service.withDeadline(common.timeout) {
            try await model.queue.run(batch, maskedLMPositions: batch.sequences.map { _ in [] })
        }
        let vectors: [JSON] = outputs.map { output in
            let pooled = pooling.apply(output.hidden.scalars, rows: output.hidden.shape[0], width: output.hidden.shape[1])
            let rows = pooled.map { normalize ? l2Normalized($0) : $0 }
            let json = rows.map { JSON.array($0.map { JSON(Double($0)) }) }
            return pooling == .none ? .array(json) : json[0]
        }
        return .object([
            "model": .string(model.spec.name),
            "dimensions": .integer(Int64(model.model.config.hiddenSize)),
            "embeddings": isList ? .array(vectors) : vectors[0],
        ])
    }
}

/// How token vectors become one text vector.
enum Pooling: String {
    /// The [CLS] token's vector.
    case cls
    /// The average over every token (special tokens included, as sentence-transformers does).
    case mean
    /// Every token's vector.
    case none

    func apply(_ hidden: [Float], rows: Int, width: Int) -> [[Float]] {
        switch self {
        case .cls: return [Array(hidden[0..<width])]
        case .none: return (0..<rows).map { Array(hidden[($0 * width)..<(($0 + 1) * width)]) }
        case .mean:
            var sum = [Double](repeating: 0, count: width)
            for row in 0..<rows {
                for column in 0..<width { sum[column] += Double(hidden[row * width + column]) }
            }
            return [sum.map { Float($0 / Double(max(rows, 1))) }]
        }
    }
}

/// `vector / ‖vector‖₂` (unchanged when the norm is zero).
func l2Normalized(_ vector: [Float]) -> [Float] {
    let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    guard norm > 0 else { return vector }
    return vector.map { Float(Double($0) / norm) }
}
