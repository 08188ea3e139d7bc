import BERT
import Tokenizer

/// Options of `QuestionAnswerer.answer` (transformers' `QuestionAnsweringPipeline` parameters).
public struct AnswerOptions: Sendable, Equatable {
    /// Answers to return, best first.
    public var topK = 1
    /// Longest answer, in tokens.
    public var maxAnswerLength = 15
    /// Tokens shared by consecutive windows over a long context; nil: min(maxSeqLength / 2, 128).
    public var docStride: Int? = nil
    /// Tokens per window ([CLS] question [SEP] context [SEP]); capped at the model's maximum.
    public var maxSeqLength = 384
    /// Longest question, in tokens; a longer one is an error (never cut).
    public var maxQuestionLength = 64
    /// Whether the empty answer (scored from [CLS]) competes with the spans.
    public var allowNoAnswer = false

    /// The defaults.
    public init() {}
}

/// A span of the context that answers the question.
public struct Answer: Sendable, Equatable {
    /// UTF-8 byte offsets into the context; 0..<0 for the empty (no-answer) answer.
    public var start: Int, end: Int
    /// The context between `start` and `end`, unchanged.
    public var text: String
    /// start probability x end probability, summed over windows and spans giving the same text.
    public var score: Float

    /// An answer.
    public init(start: Int, end: Int, text: String, score: Float) {
        self.start = start
        self.end = end
        self.text = text
        self.score = score
    }
}

/// A question about a context.
public struct Question: Sendable, Equatable {
    public var question: String
    public var context: String

    /// A question about `context`.
    public init(_ question: String, context: String) {
        self.question = question
        self.context = context
    }
}

/// Extractive question answering (`annotate/answer`), scored as transformers' `QuestionAnsweringPipeline`
/// scores: `[CLS] question [SEP] context [SEP]` windows over the context (overflow with stride), per window
/// a softmax over start and end logits of the context tokens and [CLS], spans scored by start x end
/// probability, answers aligned to whole words, equal answers (case-insensitive) merged by adding scores,
/// and the no-answer score the smallest [CLS] start x end over the windows.
public struct QuestionAnswerer: Sendable {
    /// The tokenizer of the model.
    public let tokenizer: BertTokenizer
    /// Runs the question-answering model.
    public let runner: any EncoderRunner

    /// An answerer over a question-answering model.
    /// - Throws: `TaskError.wrongHead` for another head.
    public init(tokenizer: BertTokenizer, runner: any EncoderRunner) throws {
        guard runner.model.head == .questionAnswering else {
            throw TaskError.wrongHead(task: "question answering", head: runner.model.head)
        }
        self.tokenizer = tokenizer
        self.runner = runner
    }

    /// Answers each question; all windows of all questions run as one batch.
    /// - Returns: per question, up to `topK` answers, best first.
    /// - Throws: `TaskError.invalidOption` / `.inputTooLong`, `TokenizerError` when the question leaves no
    ///   room for the context, or the runner's errors.
    public func answer(_ questions: [Question], options: AnswerOptions = AnswerOptions()) async throws -> [[Answer]] {
        guard options.topK >= 1 else { throw TaskError.invalidOption("topK must be at least 1") }
        guard options.maxAnswerLength >= 1 else { throw TaskError.invalidOption("maxAnswerLength must be at least 1") }
        let length = min(options.maxSeqLength, runner.model.config.maxPositionEmbeddings)
        let stride = options.docStride ?? min(length / 2, 128)
        guard stride >= 0, stride <= length else {
            throw TaskError.invalidOption("docStride \(stride) is larger than maxSeqLength \(length)")
        }
        var windows: [[Encoding]] = []
        for item in questions {
            let questionTokens = tokenizer.encode(item.question, addSpecialTokens: false).count
            guard questionTokens <= options.maxQuestionLength else {
                throw TaskError.inputTooLong(tokens: questionTokens, limit: options.maxQuestionLength)
            }
            windows.append(try tokenizer.encodeWindows(
                item.question, pair: item.context,
                truncation: Truncation(maxLength: length, strategy: .onlySecond, stride: stride)))
        }
        let inputs = windows.joined().map { EncoderInput(ids: $0.ids.map(Int.init), typeIds: $0.typeIds.map(Int.init)) }
        let outputs = inputs.isEmpty ? [] : try await runner.run(EncoderBatch(inputs), maskedLMPositions: nil)
        guard outputs.count == inputs.count else { throw TaskError.missingOutput("output for every window") }

        var results: [[Answer]] = []
        var next = 0
        for (item, itemWindows) in zip(questions, windows) {
            let decoder = SpanDecoder(
                topK: options.topK, maxAnswerLength: options.maxAnswerLength, allowNoAnswer: options.allowNoAnswer,
                classifierId: tokenizer.classifierId)
            var collector = decoder.collector(context: TextBytes(item.context))
            for encoding in itemWindows {
                let output = outputs[next]
                next += 1
                guard let start = output.startLogits, let end = output.endLogits else {
                    throw TaskError.missingOutput("start and end logits")
                }
                decoder.add(encoding, start: start, end: end, to: &collector)
            }
            results.append(decoder.answers(collector))
        }
        return results
    }
}
