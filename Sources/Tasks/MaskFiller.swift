import BERT
import Tokenizer

/// Options of `MaskFiller.fill`.
public struct FillMaskOptions: Sendable, Equatable {
    /// Predictions per mask, best first (at most the number of targets when targets are given).
    public var topK = 5
    /// Restrict predictions to these words (a word not in the vocabulary stands for its first token, as
    /// in transformers); probabilities stay those of the full-vocabulary softmax.
    public var targets: [String]? = nil

    /// The defaults.
    public init() {}
}

/// One candidate for a mask.
public struct MaskPrediction: Sendable, Equatable {
    /// The vocabulary token ("北", "##ing").
    public var token: String
    /// Its id.
    public var tokenId: Int
    /// Softmax probability over the vocabulary at the mask.
    public var score: Float
    /// The caller's text with this mask replaced by the token (other masks left as they are).
    public var sequence: String
}

/// The predictions for one text.
public struct FilledMasks: Sendable, Equatable {
    /// Per mask, in text order, the `topK` candidates.
    public var masks: [[MaskPrediction]]
    /// Every mask filled with its best candidate (one forward pass scores all masks at once, so this is the
    /// best joint filling under the model's per-position independence).
    public var best: MaskPrediction.Joint
}

extension MaskPrediction {
    /// All masks of a text filled at once.
    public struct Joint: Sendable, Equatable {
        /// The token chosen for each mask.
        public var tokens: [String]
        /// Product of their probabilities.
        public var score: Float
        /// The caller's text with every mask replaced.
        public var sequence: String
    }
}

/// Fill-mask (`annotate/fillMask`) as transformers' `FillMaskPipeline`: softmax over the vocabulary at each
/// mask token, top-k. Differs in `sequence`: the caller's text with the mask replaced (no spaces added
/// between Chinese characters, no "##"), where the pipeline decodes the tokens back to text.
public struct MaskFiller: Sendable {
    /// The tokenizer of the model.
    public let tokenizer: BertTokenizer
    /// Runs the masked-LM model.
    public let runner: any EncoderRunner

    /// A filler over a masked-LM (or pre-training) model.
    /// - Throws: `TaskError.wrongHead` for another head.
    public init(tokenizer: BertTokenizer, runner: any EncoderRunner) throws {
        guard runner.model.head == .maskedLM || runner.model.head == .preTraining else {
            throw TaskError.wrongHead(task: "fill-mask", head: runner.model.head)
        }
        self.tokenizer = tokenizer
        self.runner = runner
    }

    /// Fills the masks of each text; all texts run as one batch.
    /// - Throws: `TaskError.noMaskToken`, `.inputTooLong` (texts are never cut), `.invalidOption` for
    ///   targets that match no token, or the runner's errors.
    public func fill(_ texts: [String], options: FillMaskOptions = FillMaskOptions()) async throws -> [FilledMasks] {
        guard options.topK >= 1 else { throw TaskError.invalidOption("topK must be at least 1") }
        let targets = try options.targets.map(targetIds)
        let limit = runner.model.config.maxPositionEmbeddings
        let encodings = texts.map { tokenizer.encode($0) }
        var positions: [[Int]] = []
        for encoding in encodings {
            guard encoding.count <= limit else { throw TaskError.inputTooLong(tokens: encoding.count, limit: limit) }
            let masks = encoding.ids.indices.filter { encoding.ids[$0] == tokenizer.maskId }
            guard !masks.isEmpty else { throw TaskError.noMaskToken }
            positions.append(masks)
        }
        guard !encodings.isEmpty else { return [] }
        let inputs = encodings.map { EncoderInput(ids: $0.ids.map(Int.init), typeIds: $0.typeIds.map(Int.init)) }
        let outputs = try await runner.run(EncoderBatch(inputs), maskedLMPositions: positions)
        guard outputs.count == inputs.count else { throw TaskError.missingOutput("output for every text") }

        let vocabularySize = runner.model.config.vocabSize
        return try zip(texts, zip(encodings, zip(positions, outputs))).map { text, rest in
            let (encoding, (masks, output)) = rest
            guard let logits = output.maskedLMLogits?.scalars, logits.count == masks.count * vocabularySize else {
                throw TaskError.missingOutput("masked-LM logits")
            }
            let bytes = TextBytes(text)
            var predictions: [[MaskPrediction]] = []
            var bestIds: [Int] = []
            var bestScore: Float = 1
            for (index, position) in masks.enumerated() {
                let probabilities = softmax(row(logits, index, width: vocabularySize))
                let pool = targets ?? Array(0..<vocabularySize)
                let ranked = pool.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
                predictions.append(ranked.prefix(options.topK).map { id in
                    let token = tokenizer.vocabulary.token(for: Int32(id))
                    return MaskPrediction(
                        token: token, tokenId: id, score: probabilities[id],
                        sequence: replacing(bytes, encoding, [position: token]))
                })
                let best = argmax(probabilities)
                bestIds.append(best)
                bestScore *= probabilities[best]
            }
            let bestTokens = bestIds.map { tokenizer.vocabulary.token(for: Int32($0)) }
            let joint = MaskPrediction.Joint(
                tokens: bestTokens, score: bestScore,
                sequence: replacing(bytes, encoding, Dictionary(uniqueKeysWithValues: zip(masks, bestTokens))))
            return FilledMasks(masks: predictions, best: joint)
        }
    }

    /// The text with the mask tokens at the given positions replaced by word pieces (without "##").
    private func replacing(_ text: TextBytes, _ encoding: Encoding, _ fills: [Int: String]) -> String {
        var bytes: [UInt8] = []
        var cursor = 0
        for position in fills.keys.sorted() {
            let range = encoding.offsets[position]
            bytes += text.bytes[cursor..<range.lowerBound]
            let token = fills[position] ?? ""
            bytes += Array((token.hasPrefix("##") ? String(token.dropFirst(2)) : token).utf8)
            cursor = range.upperBound
        }
        bytes += text.bytes[cursor...]
        return String(decoding: bytes, as: UTF8.self)
    }

    /// transformers' `get_target_ids`: a vocabulary word, else the first token of its encoding; deduplicated.
    private func targetIds(_ targets: [String]) throws -> [Int] {
        var ids: [Int] = []
        for target in targets {
            let id = tokenizer.vocabulary.id(for: target) ?? tokenizer.encode(target, addSpecialTokens: false).ids.first
            if let id, !ids.contains(Int(id)) { ids.append(Int(id)) }
        }
        guard !ids.isEmpty else { throw TaskError.invalidOption("no target matches a token") }
        return ids
    }
}
