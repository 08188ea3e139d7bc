import BERT
import Tokenizer

/// Token classification (`annotate/label`): entities with offsets into the caller's text.
///
/// Matches transformers' `TokenClassificationPipeline` for aggregation none/simple/first/average/max on
/// BIO and IO labels, with these deliberate differences:
/// - Words are the tokenizer's pre-tokenized words (whitespace and punctuation boundaries, every CJK
///   character its own word), not the pipeline's token-length heuristic (which splits words with
///   decomposed accents and similar normalizations into "subwords").
/// - BIOES/BMES/BILOU tags are understood: B-X E-X is one entity and S-X S-X two, where the pipeline reads
///   E-X and S-X as unrelated plain labels. With BIO tags both agree: B-X B-X is two entities.
/// - Long texts go through overlapping windows; every token is read from the window where it is most
///   central, and entities are grouped over the whole text, so none is cut or duplicated at a window edge.
public struct TokenLabeler: Sendable {
    /// The tokenizer of the model.
    public let tokenizer: BertTokenizer
    /// Runs the token-classification model.
    public let runner: any EncoderRunner
    /// Label names by id.
    public let labels: [String]

    /// A labeler over a token-classification model.
    /// - Throws: `TaskError.wrongHead` for another head, `.invalidOption` when the model has no labels.
    public init(tokenizer: BertTokenizer, runner: any EncoderRunner) throws {
        let model = runner.model
        guard model.head == .tokenClassification else { throw TaskError.wrongHead(task: "labeling", head: model.head) }
        guard !model.config.labels.isEmpty else { throw TaskError.invalidOption("the model's config has no id2label") }
        self.tokenizer = tokenizer
        self.runner = runner
        self.labels = model.config.labels
    }

    /// Labels each text; all windows of all texts run as one batch.
    /// - Throws: `TaskError.invalidOption` for a bad window length or stride, or the runner's errors.
    public func label(_ texts: [String], options: LabelingOptions = LabelingOptions()) async throws -> [Labeling] {
        let maximum = min(runner.model.config.maxPositionEmbeddings, 512)
        let length = options.windowLength ?? maximum
        guard length >= 3, length <= runner.model.config.maxPositionEmbeddings else {
            throw TaskError.invalidOption(
                "windowLength \(length) must be in 3...\(runner.model.config.maxPositionEmbeddings)")
        }
        let capacity = length - 2
        let stride = options.stride ?? capacity / 4

        let encodings = texts.map { tokenizer.encode($0, addSpecialTokens: false) }
        let windows = try encodings.map { try TokenWindows.strided(count: $0.count, capacity: capacity, stride: stride) }
        var inputs: [EncoderInput] = []
        var firstInput: [Int] = []  // per text, the index of its first window in `inputs`
        for (encoding, split) in zip(encodings, windows) {
            firstInput.append(inputs.count)
            guard encoding.count > 0 else { continue }
            for range in split.ranges {
                let ids = [tokenizer.classifierId] + encoding.ids[range] + [tokenizer.separatorId]
                inputs.append(EncoderInput(ids: ids.map(Int.init)))
            }
        }
        let outputs = inputs.isEmpty ? [] : try await runner.run(EncoderBatch(inputs), maskedLMPositions: nil)
        guard outputs.count == inputs.count else { throw TaskError.missingOutput("output for every window") }

        var results: [Labeling] = []
        for (index, text) in texts.enumerated() {
            let encoding = encodings[index], split = windows[index]
            var probabilities: [[Float]] = []
            probabilities.reserveCapacity(encoding.count)
            var logitsByWindow: [Int: [Float]] = [:]
            for token in 0..<encoding.count {
                let window = split.owner[token]
                if logitsByWindow[window] == nil {
                    guard let logits = outputs[firstInput[index] + window].tokenLogits else {
                        throw TaskError.missingOutput("token logits")
                    }
                    logitsByWindow[window] = logits.scalars
                }
                let position = token - split.ranges[window].lowerBound + 1  // after [CLS]
                probabilities.append(softmax(row(logitsByWindow[window] ?? [], position, width: labels.count)))
            }
            let tokens = (0..<encoding.count).map {
                LabelAggregator.Token(
                    offsets: encoding.offsets[$0], word: encoding.wordIds[$0],
                    piece: encoding.ids[$0] == tokenizer.unknownId ? nil : tokenizer.vocabulary.token(for: encoding.ids[$0]),
                    probabilities: probabilities[$0])
            }
            let aggregator = LabelAggregator(labels: labels, options: options)
            results.append(aggregator.labeling(tokens, text: TextBytes(text)))
        }
        return results
    }
}
