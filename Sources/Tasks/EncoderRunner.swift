import BERT

/// Runs a loaded encoder. The daemon's implementation queues calls per model and batches concurrent
/// ones together; `DirectRunner` runs them at once on the caller's thread (tests, command line).
public protocol EncoderRunner: Sendable {
    /// The model being run (config, head, labels).
    var model: EncoderModel { get }

    /// Runs `batch`; `maskedLMPositions` as in `EncoderModel.run`.
    /// - Throws: `ModelError` from the model, or `CancellationError` when the calling task is cancelled.
    func run(_ batch: EncoderBatch, maskedLMPositions: [[Int]]?) async throws -> [SequenceOutput]
}

/// Runs the model immediately on the calling thread, with a fresh workspace per call.
public struct DirectRunner: EncoderRunner {
    /// The model being run.
    public let model: EncoderModel

    /// A runner for `model`.
    public init(model: EncoderModel) {
        self.model = model
    }

    public func run(_ batch: EncoderBatch, maskedLMPositions: [[Int]]?) async throws -> [SequenceOutput] {
        try Task.checkCancellation()
        return try model.run(batch, maskedLMPositions: maskedLMPositions) { Task.isCancelled }
    }
}
