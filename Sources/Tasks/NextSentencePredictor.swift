import BERT
import Tokenizer

/// Next-sentence prediction (`annotate/nextSentence`) with a BertForPreTraining or
/// BertForNextSentencePrediction checkpoint.
public struct NextSentencePredictor: Sendable {
    /// The tokenizer of the model.
    public let tokenizer: BertTokenizer
    /// Runs the model.
    public let runner: any EncoderRunner

    /// A predictor over a model with a next-sentence head.
    /// - Throws: `TaskError.wrongHead` for another head.
    public init(tokenizer: BertTokenizer, runner: any EncoderRunner) throws {
        guard runner.model.head == .nextSentencePrediction || runner.model.head == .preTraining else {
            throw TaskError.wrongHead(task: "next-sentence prediction", head: runner.model.head)
        }
        self.tokenizer = tokenizer
        self.runner = runner
    }

    /// For each pair, the probability that `pair` follows `text` (softmax over (IsNext, NotNext), index 0).
    /// - Throws: `TaskError.invalidOption` for an input without a pair, `.inputTooLong`, or the runner's errors.
    public func isNext(_ inputs: [TextPair]) async throws -> [Float] {
        guard inputs.allSatisfy({ $0.pair != nil }) else { throw TaskError.invalidOption("every input needs a textPair") }
        return try await runWhole(inputs, tokenizer: tokenizer, runner: runner).map { output in
            guard let logits = output.sequenceLogits, logits.count == 2 else {
                throw TaskError.missingOutput("next-sentence logits")
            }
            return softmax(logits)[0]
        }
    }
}
