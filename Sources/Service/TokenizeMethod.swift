import JSON
import RPC
import Tokenizer

extension BertdService {
    /// `annotate/tokenize`: the model's word pieces with ids and offsets into the caller's text.
    static let tokenizeMethod = ServiceMethod(name: "annotate/tokenize") { service, params, context in
        let reader = try service.paramsReader(params, allowed: ["text", "textPair", "addSpecialTokens"])
        let common = try CommonParams(reader, session: service.sessions.session(context.connection))
        let text = try reader.required("text", as: String.self)
        let pair = try reader.optional("textPair", as: String.self)
        try service.checkLimits([text] + (pair.map { [$0] } ?? []), path: "params.text")
        let addSpecial = try reader.optional("addSpecialTokens", as: Bool.self) ?? true
        let model = try service.registry.model(named: common.model, for: .tokenize)
        let encoding = model.tokenizer.encode(text, pair: pair, addSpecialTokens: addSpecial)
        return tokensJSON(encoding, text: text, pair: pair, encoding: common.encoding, model: model)
    }

    static func tokensJSON(_ encoding: Encoding, text: String, pair: String?, encoding unit: PositionEncoding,
                           model: LoadedModel) -> JSON {
        let converters = [OffsetConverter(text: text), OffsetConverter(text: pair ?? "")]
        var tokens: [JSON] = []
        tokens.reserveCapacity(encoding.count)
        let names = encoding.tokens
        for index in 0..<encoding.count {
            var token: JSONObject = [
                "token": .string(names[index]),
                "id": .integer(Int64(encoding.ids[index])),
                "typeId": .integer(Int64(encoding.typeIds[index])),
            ]
            if let sequence = encoding.sequenceIds[index] {
                let span = spanJSON(encoding.offsets[index], converters[sequence], unit)
                token["sequence"] = .integer(Int64(sequence))
                token["start"] = span.start
                token["end"] = span.end
            } else {
                token["special"] = .bool(true)
            }
            tokens.append(.object(token))
        }
        let limit = model.model.config.maxPositionEmbeddings
        return .object([
            "model": .string(model.spec.name),
            "count": .integer(Int64(encoding.count)),
            "maxLength": .integer(Int64(limit)),
            "tokens": .array(tokens),
        ])
    }
}
