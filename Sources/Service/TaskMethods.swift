import JSON
import RPC
import Tasks
import Tokenizer

extension BertdService {
    /// The annotation methods backed by the task layer.
    static let taskMethods: [ServiceMethod] = [labelMethod, answerMethod, correctMethod, fillMaskMethod,
                                                classifyMethod, nextSentenceMethod, segmentMethod]

    // MARK: - annotate/label

    static let labelMethod = ServiceMethod(name: "annotate/label") { service, params, context in
        let request = try service.request(params, context, allowed: [
            "text", "texts", "aggregation", "decoding", "ignoreLabels", "minScore", "stride", "windowLength"])
        let (texts, isList) = try service.readTexts(request.params)
        var options = LabelingOptions()
        options.aggregation = try request.params.enumeration("aggregation", Aggregation.self) ?? options.aggregation
        let model = try service.registry.model(named: request.common.model, for: .label)
        // transformers' argmax by default; strict spans for BIOES-style models, which the pipeline cannot read.
        let closingTags = model.model.config.labels.contains { $0.hasPrefix("E-") || $0.hasPrefix("S-") }
        options.decoding = try request.params.enumeration("decoding", TagDecoding.self) ?? (closingTags ? .strict : .argmax)
        if let ignore = try request.params.optional("ignoreLabels", as: [String].self) { options.ignoreLabels = Set(ignore) }
        options.minScore = try request.params.optional("minScore", as: Float.self, in: 0...1) ?? 0
        options.stride = try request.params.optional("stride", as: Int.self, in: 0...)
        options.windowLength = try request.params.optional("windowLength", as: Int.self, in: 3...)
        let labeler = try taskCall { try TokenLabeler(tokenizer: model.tokenizer, runner: model.queue) }
        let results = try await service.withDeadline(request.common.timeout) { [options] in
            try await taskCall { try await labeler.label(texts, options: options) }
        }
        let encoding = request.common.encoding
        let entities = zip(texts, results).map { text, labeling -> JSON in
            let converter = OffsetConverter(text: text)
            return .array(labeling.entities.map { entity in
                let span = spanJSON(entity.start..<entity.end, converter, encoding)
                return ["start": span.start, "end": span.end, "text": .string(entity.text),
                        "label": .string(entity.label), "score": JSON(entity.score)]
            })
        }
        var result: JSONObject = ["model": .string(model.spec.name), "entities": isList ? .array(entities) : entities[0]]
        if options.aggregation == .none {
            let tokens = zip(texts, results).map { text, labeling -> JSON in
                let converter = OffsetConverter(text: text)
                return .array((labeling.tokens ?? []).map { token in
                    let span = spanJSON(token.start..<token.end, converter, encoding)
                    return ["token": .string(token.token), "start": span.start, "end": span.end,
                            "label": .string(token.label), "score": JSON(token.score)]
                })
            }
            result["tokens"] = isList ? .array(tokens) : tokens[0]
        }
        return .object(result)
    }

    // MARK: - annotate/answer

    static let answerMethod = ServiceMethod(name: "annotate/answer") { service, params, context in
        let request = try service.request(params, context, allowed: [
            "question", "context", "contexts", "topK", "maxAnswerLength", "docStride", "maxSeqLength",
            "maxQuestionLength", "allowNoAnswer"])
        let reader = request.params
        let question = try reader.required("question", as: String.self)
        let (contexts, isList) = try service.readTexts(reader, single: "context", list: "contexts")
        try service.checkLimits([question], path: "params.question")
        var options = AnswerOptions()
        options.topK = try reader.optional("topK", as: Int.self, in: 1...100) ?? options.topK
        options.maxAnswerLength = try reader.optional("maxAnswerLength", as: Int.self, in: 1...) ?? options.maxAnswerLength
        options.docStride = try reader.optional("docStride", as: Int.self, in: 1...)
        options.maxSeqLength = try reader.optional("maxSeqLength", as: Int.self, in: 8...) ?? options.maxSeqLength
        options.maxQuestionLength = try reader.optional("maxQuestionLength", as: Int.self, in: 1...) ?? options.maxQuestionLength
        options.allowNoAnswer = try reader.optional("allowNoAnswer", as: Bool.self) ?? false
        let model = try service.registry.model(named: request.common.model, for: .answer)
        let answerer = try taskCall { try QuestionAnswerer(tokenizer: model.tokenizer, runner: model.queue) }
        let questions = contexts.map { Question(question, context: $0) }
        let results = try await service.withDeadline(request.common.timeout) { [options] in
            try await taskCall { try await answerer.answer(questions, options: options) }
        }
        let answers = zip(contexts, results).map { context, answers -> JSON in
            let converter = OffsetConverter(text: context)
            return .array(answers.map { answer in
                let span = spanJSON(answer.start..<answer.end, converter, request.common.encoding)
                return ["start": span.start, "end": span.end, "text": .string(answer.text), "score": JSON(answer.score)]
            })
        }
        return ["model": .string(model.spec.name), "answers": isList ? .array(answers) : answers[0]]
    }

    // MARK: - annotate/correct

    static let correctMethod = ServiceMethod(name: "annotate/correct") { service, params, context in
        let request = try service.request(params, context, allowed: [
            "text", "texts", "threshold", "margin", "ignore", "force", "mode", "detectOnly", "maxRounds",
            "laterThreshold", "maxEdits"])
        let (texts, isList) = try service.readTexts(request.params)
        let options = try correctionOptions(request.params)
        let model = try service.registry.model(named: request.common.model, for: .correct)
        let corrections = try await service.withDeadline(request.common.timeout) {
            try await service.correct(texts, options: options, model: model)
        }
        let encoding = request.common.encoding
        let edits = zip(texts, corrections).map { text, correction -> JSON in
            let converter = OffsetConverter(text: text)
            return .array(correction.edits.map { edit in
                let span = spanJSON(edit.start..<edit.end, converter, encoding)
                return ["start": span.start, "end": span.end, "original": .string(edit.original),
                        "replacement": .string(edit.replacement), "score": JSON(edit.score),
                        "kind": .string(edit.kind.rawValue)]
            })
        }
        let corrected = corrections.map { JSON.string($0.corrected) }
        return ["model": .string(model.spec.name),
                "corrected": isList ? .array(corrected) : corrected[0],
                "edits": isList ? .array(edits) : edits[0]]
    }

    static func correctionOptions(_ reader: JSONReader) throws -> CorrectionOptions {
        var options = CorrectionOptions()
        options.mode = try reader.enumeration("mode", CorrectionMode.self)
        options.threshold = try reader.optional("threshold", as: Float.self, in: 0...1)
        options.margin = try reader.optional("margin", as: Float.self, in: 0...1) ?? 0
        options.ignore = try reader.optional("ignore", as: [String].self) ?? []
        options.forced = try reader.optional("force", as: [String: String].self) ?? [:]
        options.detectOnly = try reader.optional("detectOnly", as: Bool.self) ?? false
        options.maxRounds = try reader.optional("maxRounds", as: Int.self, in: 1...10)
        options.laterThreshold = try reader.optional("laterThreshold", as: Float.self, in: 0...1)
        options.maxEditsPerSentence = try reader.optional("maxEdits", as: Int.self, in: 0...)
        return options
    }

    /// Corrects `texts` with `model` (also used by the LSP diagnostics).
    public func correct(_ texts: [String], options requested: CorrectionOptions, model: LoadedModel) async throws -> [Correction] {
        var options = requested
        options.ignore = model.correctionLists.ignore + requested.ignore
        options.forced = model.correctionLists.force.merging(requested.forced) { _, request in request }
        guard let corrector = model.corrector else {
            throw RPCError.server(.modelNotLoaded, "model \"\(model.spec.name)\" has no masked-LM head to correct with")
        }
        return try await taskCall { [options] in try await corrector.correct(texts, options: options) }
    }

    // MARK: - annotate/fillMask

    static let fillMaskMethod = ServiceMethod(name: "annotate/fillMask") { service, params, context in
        let request = try service.request(params, context, allowed: ["text", "texts", "topK", "targets"])
        let (texts, isList) = try service.readTexts(request.params)
        var options = FillMaskOptions()
        options.topK = try request.params.optional("topK", as: Int.self, in: 1...1000) ?? options.topK
        options.targets = try request.params.optional("targets", as: [String].self)
        let model = try service.registry.model(named: request.common.model, for: .fillMask)
        let filler = try taskCall { try MaskFiller(tokenizer: model.tokenizer, runner: model.queue) }
        let results = try await service.withDeadline(request.common.timeout) { [options] in
            try await taskCall { try await filler.fill(texts, options: options) }
        }
        let perText: [(masks: JSON, best: JSON)] = zip(texts, results).map { text, filled in
            let converter = OffsetConverter(text: text)
            let spans = maskSpans(in: text, maskToken: model.tokenizer.options.maskToken)
            let masks: [JSON] = filled.masks.enumerated().map { index, candidates in
                let span = spanJSON(index < spans.count ? spans[index] : 0..<0, converter, request.common.encoding)
                return ["start": span.start, "end": span.end, "candidates": .array(candidates.map { candidate in
                    ["token": .string(candidate.token), "id": .integer(Int64(candidate.tokenId)),
                     "score": JSON(candidate.score), "sequence": .string(candidate.sequence)]
                })]
            }
            let best: JSON = ["sequence": .string(filled.best.sequence),
                              "tokens": .array(filled.best.tokens.map(JSON.string)), "score": JSON(filled.best.score)]
            return (.array(masks), best)
        }
        return ["model": .string(model.spec.name),
                "masks": isList ? .array(perText.map(\.masks)) : perText[0].masks,
                "best": isList ? .array(perText.map(\.best)) : perText[0].best]
    }

    /// UTF-8 ranges of each mask token written in `text`, in order.
    static func maskSpans(in text: String, maskToken: String) -> [Range<Int>] {
        let bytes = Array(text.utf8), pattern = Array(maskToken.utf8)
        var spans: [Range<Int>] = []
        var index = 0
        while !pattern.isEmpty, index + pattern.count <= bytes.count {
            if bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                spans.append(index..<(index + pattern.count))
                index += pattern.count
            } else {
                index += 1
            }
        }
        return spans
    }

    // MARK: - annotate/classify and annotate/nextSentence

    static let classifyMethod = ServiceMethod(name: "annotate/classify") { service, params, context in
        let request = try service.request(params, context, allowed: ["text", "texts", "textPair", "topK", "function"])
        let (texts, isList) = try service.readTexts(request.params)
        let pair = try request.params.optional("textPair", as: String.self)
        if let pair { try service.checkLimits([pair], path: "params.textPair") }
        var options = ClassifyOptions()
        options.topK = try request.params.optional("topK", as: Int.self, in: 1...)
        options.function = try request.params.enumeration("function", ScoreFunction.self)
        let model = try service.registry.model(named: request.common.model, for: .classify)
        let classifier = try taskCall { try SequenceClassifier(tokenizer: model.tokenizer, runner: model.queue) }
        let results = try await service.withDeadline(request.common.timeout) { [options] in
            try await taskCall { try await classifier.classify(texts.map { TextPair($0, pair: pair) }, options: options) }
        }
        let labels = results.map { scores in
            JSON.array(scores.map { ["label": .string($0.label), "score": JSON($0.score)] })
        }
        return ["model": .string(model.spec.name), "labels": isList ? .array(labels) : labels[0]]
    }

    static let nextSentenceMethod = ServiceMethod(name: "annotate/nextSentence") { service, params, context in
        let request = try service.request(params, context, allowed: ["text", "textPair", "texts", "textPairs"])
        let (texts, isList) = try service.readTexts(request.params)
        let (pairs, pairsAreList) = try service.readTexts(request.params, single: "textPair", list: "textPairs")
        guard isList == pairsAreList, texts.count == pairs.count else {
            throw JSONDecodingError(path: "params.\(isList ? "textPairs" : "textPair")",
                                    message: "give text with textPair, or texts with textPairs of the same length")
        }
        let model = try service.registry.model(named: request.common.model, for: .nextSentence)
        let predictor = try taskCall { try NextSentencePredictor(tokenizer: model.tokenizer, runner: model.queue) }
        let scores = try await service.withDeadline(request.common.timeout) {
            try await taskCall { try await predictor.isNext(zip(texts, pairs).map { TextPair($0, pair: $1) }) }
        }
        return ["model": .string(model.spec.name),
                "isNext": isList ? .array(scores.map { JSON($0) }) : JSON(scores[0])]
    }

    // MARK: - annotate/segment

    static let segmentMethod = ServiceMethod(name: "annotate/segment") { service, params, context in
        let request = try service.request(params, context, allowed: ["text", "texts"])
        let (texts, isList) = try service.readTexts(request.params)
        let model = try service.registry.model(named: request.common.model, for: .segment)
        let segmenter = try taskCall { try WordSegmenter(tokenizer: model.tokenizer, runner: model.queue) }
        let results = try await service.withDeadline(request.common.timeout) {
            try await taskCall { try await segmenter.segment(texts) }
        }
        let words = zip(texts, results).map { text, words -> JSON in
            let converter = OffsetConverter(text: text)
            return .array(words.map { word in
                let span = spanJSON(word.start..<word.end, converter, request.common.encoding)
                return ["start": span.start, "end": span.end, "text": .string(word.text), "score": JSON(word.score)]
            })
        }
        return ["model": .string(model.spec.name), "words": isList ? .array(words) : words[0]]
    }
}

// MARK: - Support

/// A request's params with its common members decoded.
struct AnnotateRequest {
    let params: JSONReader
    let common: CommonParams
}

extension BertdService {
    func request(_ params: JSON?, _ context: RequestContext, allowed: Set<String>) throws -> AnnotateRequest {
        let reader = try paramsReader(params, allowed: allowed)
        return AnnotateRequest(params: reader, common: try CommonParams(reader, session: sessions.session(context.connection)))
    }
}

extension JSONReader {
    /// An optional string member that must name a case of `T`.
    func enumeration<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(JSONDecodingError) -> T?
    where T.RawValue == String {
        guard let name = try optional(key, as: String.self) else { return nil }
        guard let value = T(rawValue: name) else {
            let names = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw JSONDecodingError(path: path + ".\(key)", message: "expected one of \(names), got \"\(name)\"")
        }
        return value
    }
}

/// Runs task code, turning `TaskError` into the matching JSON-RPC error.
func taskCall<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as TaskError {
        throw rpcError(error)
    }
}

/// Async variant of `taskCall`.
func taskCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as TaskError {
        throw rpcError(error)
    }
}

func rpcError(_ error: TaskError) -> RPCError {
    switch error {
    case .wrongHead: .server(.modelNotLoaded, error.description)
    case .invalidOption(let message): .invalidParams("params: \(message)")
    case .inputTooLong(let tokens, let limit):
        .server(.inputTooLong, error.description, extra: ["tokens": .integer(Int64(tokens)), "limit": .integer(Int64(limit))])
    case .noMaskToken: .invalidParams("params.text: the text has no mask token", field: "params.text")
    case .missingOutput: .internalError(error.description)
    }
}
