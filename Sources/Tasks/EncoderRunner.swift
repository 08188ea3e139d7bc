import Foundation
import BERT

/// Runs a loaded encoder. The daemon's implementation queues calls per model and batches concurrent
/// ones together; `DirectRunner` runs them at once on the caller's thread (tests, command line).
public protocol EncoderRunner: Sendable {
    /// The model being run (config, head, labels).
    var model: EncoderModel { get }

    /// Runs `batch`; `maskedLMPositions` and `maskedLMCandidates` (one per sequence) as in `EncoderModel.run`.
    /// - Throws: `ModelError` from the model, or `CancellationError` when the calling task is cancelled.
    func run(_ batch: EncoderBatch, maskedLMPositions: [[Int]]?, maskedLMCandidates: [[[Int32]]?]?) async throws
        -> [SequenceOutput]
}

extension EncoderRunner {
    /// Runs `batch`, scoring the whole vocabulary at `maskedLMPositions`.
    public func run(_ batch: EncoderBatch, maskedLMPositions: [[Int]]?) async throws -> [SequenceOutput] {
        try await run(batch, maskedLMPositions: maskedLMPositions, maskedLMCandidates: nil)
    }
}

/// Runs the model immediately on the calling thread, reusing one workspace (calls through the same
/// runner take turns).
public struct DirectRunner: EncoderRunner {
    /// The model being run.
    public let model: EncoderModel
    private let workspace: WorkspaceLock

    /// A runner for `model` whose forward passes use `threads` threads.
    public init(model: EncoderModel, threads: Int = 1) {
        self.model = model
        self.workspace = WorkspaceLock(threads: threads)
    }

    public func run(_ batch: EncoderBatch, maskedLMPositions: [[Int]]?, maskedLMCandidates: [[[Int32]]?]?) async throws
        -> [SequenceOutput]
    {
        try Task.checkCancellation()
        return try workspace.with { workspace in
            try model.run(batch, maskedLMPositions: maskedLMPositions, maskedLMCandidates: maskedLMCandidates,
                          workspace: workspace) { Task.isCancelled }
        }
    }
}

/// One scratch workspace, lent to one caller at a time.
private final class WorkspaceLock: @unchecked Sendable {
    // Guarded by `lock`: a workspace is scratch memory for one forward pass at a time.
    private let lock = NSLock()
    private let workspace: Workspace

    init(threads: Int) {
        workspace = Workspace(threads: threads)
    }

    func with<T>(_ body: (Workspace) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(workspace)
    }
}
