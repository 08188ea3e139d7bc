import BERT
import Tokenizer

/// A text, or a pair of texts encoded together (`[CLS] text [SEP] pair [SEP]`).
public struct TextPair: Sendable, Equatable {
    public var text: String
    public var pair: String?

    /// A text and an optional second text.
    public init(_ text: String, pair: String? = nil) {
        self.text = text
        self.pair = pair
    }
}

/// How logits become scores (transformers' `ClassificationFunction`).
public enum ScoreFunction: String, Sendable, CaseIterable {
    case softmax, sigmoid, none
}

/// Options of `SequenceClassifier.classify`.
public struct ClassifyOptions: Sendable, Equatable {
    /// Labels to return, best first; nil returns all.
    public var topK: Int? = 1
    /// nil: from the config, as the pipeline does (regression: none; multi-label or one label: sigmoid;
    /// otherwise softmax).
    public var function: ScoreFunction? = nil

    /// The defaults.
    public init() {}
}

/// A label and its score.
public struct LabelScore: Sendable, Equatable {
    public var label: String
    public var score: Float
}

/// Sequence classification (`annotate/classify`), scored as transformers' `TextClassificationPipeline`.
public struct SequenceClassifier: Sendable {
    /// The tokenizer of the model.
    public let tokenizer: BertTokenizer
    /// Runs the sequence-classification model.
    public let runner: any EncoderRunner

    /// A classifier over a sequence-classification model.
    /// - Throws: `TaskError.wrongHead` for another head.
    public init(tokenizer: BertTokenizer, runner: any EncoderRunner) throws {
        guard runner.model.head == .sequenceClassification else {
            throw TaskError.wrongHead(task: "classification", head: runner.model.head)
        }
        self.tokenizer = tokenizer
        self.runner = runner
    }

    /// The score function the pipeline would pick for this model.
    public var defaultFunction: ScoreFunction {
        let config = runner.model.config
        let labels = config.labels.isEmpty ? 2 : config.labels.count
        if config.problemType == "regression" { return .none }
        if config.problemType == "multi_label_classification" || labels == 1 { return .sigmoid }
        return .softmax
    }

    /// Classifies each input; all run as one batch.
    /// - Returns: per input, labels with scores, best first.
    /// - Throws: `TaskError.inputTooLong` (inputs are never cut), or the runner's errors.
    public func classify(_ inputs: [TextPair], options: ClassifyOptions = ClassifyOptions()) async throws -> [[LabelScore]] {
        if let topK = options.topK, topK < 1 { throw TaskError.invalidOption("topK must be at least 1") }
        let outputs = try await runWhole(inputs, tokenizer: tokenizer, runner: runner)
        let config = runner.model.config
        let function = options.function ?? defaultFunction
        return try outputs.map { output in
            guard let logits = output.sequenceLogits else { throw TaskError.missingOutput("sequence logits") }
            let scores: [Float] =
                switch function {
                case .softmax: softmax(logits)
                case .sigmoid: logits.map(sigmoid)
                case .none: logits
                }
            let labeled = scores.enumerated().map { index, score in
                LabelScore(label: index < config.labels.count ? config.labels[index] : "LABEL_\(index)", score: score)
            }
            let ordered = labeled.enumerated().sorted { a, b in
                a.element.score > b.element.score || (a.element.score == b.element.score && a.offset < b.offset)
            }.map(\.element)
            return Array(ordered.prefix(options.topK ?? ordered.count))
        }
    }
}

/// Runs each input whole (`[CLS] text [SEP] (pair [SEP])`) as one batch; inputs longer than the model
/// takes are an error, never cut.
func runWhole(_ inputs: [TextPair], tokenizer: BertTokenizer, runner: any EncoderRunner) async throws -> [SequenceOutput] {
    let limit = runner.model.config.maxPositionEmbeddings
    let encoded = try inputs.map { input in
        let encoding = tokenizer.encode(input.text, pair: input.pair)
        guard encoding.count <= limit else { throw TaskError.inputTooLong(tokens: encoding.count, limit: limit) }
        return EncoderInput(ids: encoding.ids.map(Int.init), typeIds: encoding.typeIds.map(Int.init))
    }
    guard !encoded.isEmpty else { return [] }
    // No masked-LM rows: a pre-training head computes only its next-sentence logits.
    let outputs = try await runner.run(EncoderBatch(encoded), maskedLMPositions: Array(repeating: [], count: encoded.count))
    guard outputs.count == encoded.count else { throw TaskError.missingOutput("output for every input") }
    return outputs
}
