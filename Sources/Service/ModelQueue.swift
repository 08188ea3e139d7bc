import BERT
import Foundation
import RPC
import Synchronization
import Tasks

/// One model's work queue: dedicated worker threads run the encoder; requests that wait together are
/// merged into one batch, up to a token budget (dynamic batching).
///
/// With several workers, a lone request runs on one worker using every thread, while under load each
/// worker runs its own batch: parallel batches at fewer threads each beat one batch split thin.
///
/// Queued work of a cancelled request is dropped at once; a running batch stops between layers when
/// every request in it has been cancelled. The queue is bounded: past `maxQueuedJobs` a request is
/// refused with `overloaded` instead of growing memory without limit.
public final class ModelQueue: EncoderRunner, Sendable {
    /// The model this queue runs.
    public let model: EncoderModel
    /// Most tokens merged into one forward pass.
    public let tokenBudget: Int
    /// Most requests waiting at once.
    public let maxQueuedJobs: Int
    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)

    private struct State {
        var queue: [Job] = []
        var stopped = false
        var paused = false
        var batchesRun = 0
        var busyWorkers = 0
    }

    /// Threads each forward pass uses (matrix products and attention heads).
    public let threads: Int
    /// Worker threads taking batches from the queue.
    public let workers: Int

    /// A queue for `model` with `workers` worker threads; each forward pass runs on `threads` threads.
    public init(model: EncoderModel, name: String, tokenBudget: Int = 4096, maxQueuedJobs: Int = 256,
                threads: Int = 1, workers: Int = 1) {
        self.model = model
        self.tokenBudget = tokenBudget
        self.maxQueuedJobs = maxQueuedJobs
        self.threads = max(1, threads)
        self.workers = max(1, workers)
        for index in 0..<self.workers {
            let thread = Thread { [self] in workLoop() }
            thread.name = "bertd.model.\(name).\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Requests waiting to start.
    public var queueDepth: Int { state.withLock { $0.queue.count } }

    /// Forward passes run so far (each may serve several requests).
    public var batchesRun: Int { state.withLock { $0.batchesRun } }

    /// Ends the worker threads once the queue is empty; later requests are refused.
    public func stop() {
        state.withLock { $0.stopped = true }
        for _ in 0..<workers { wakeUp.signal() }
    }

    public func run(_ batch: EncoderBatch, maskedLMPositions: [[Int]]?, maskedLMCandidates: [[[Int32]]?]?) async throws
        -> [SequenceOutput]
    {
        let job = Job(batch: batch, maskedLMPositions: maskedLMPositions, maskedLMCandidates: maskedLMCandidates)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                job.attach(continuation)
                if let refusal = enqueue(job) { job.finish(.failure(refusal)) }
            }
        } onCancel: {
            job.cancel()
            dropIfQueued(job)
        }
    }

    private func enqueue(_ job: Job) -> RPCError? {
        let refusal: RPCError? = state.withLock { state in
            if state.stopped { return .server(.shuttingDown, "the model queue is stopped") }
            if state.queue.count >= maxQueuedJobs {
                return .server(.overloaded, "\(state.queue.count) requests are waiting for this model; retry later",
                               extra: ["queueDepth": .integer(Int64(state.queue.count))])
            }
            state.queue.append(job)
            return nil
        }
        if refusal == nil { wakeUp.signal() }
        // Cancelled before it was queued: take it out again.
        if job.isCancelled { dropIfQueued(job) }
        return refusal
    }

    private func dropIfQueued(_ job: Job) {
        let removed = state.withLock { state -> Bool in
            guard let index = state.queue.firstIndex(where: { $0 === job }) else { return false }
            state.queue.remove(at: index)
            return true
        }
        if removed { job.finish(.failure(CancellationError())) }
    }

    // MARK: - Worker

    private func workLoop() {
        let workspace = Workspace(threads: threads)
        while true {
            wakeUp.wait()
            while let (jobs, share) = takeBatch() {
                runBatch(jobs, workspace: workspace, threads: share)
                state.withLock { $0.busyWorkers -= 1 }
            }
            if state.withLock({ $0.stopped && $0.queue.isEmpty }) {
                wakeUp.signal()  // pass the stop on to the next worker
                return
            }
        }
    }

    /// Holds queued work back (tests use it to make requests wait together).
    func pause() {
        state.withLock { $0.paused = true }
    }

    /// Lets held-back work run.
    func resume() {
        state.withLock { $0.paused = false }
        wakeUp.signal()
    }

    /// The oldest waiting jobs that fit the token budget together (at least one), and the threads to run them
    /// on: all of them for a lone batch, an equal share while other workers run theirs (on 2 cores, two
    /// workers that both fanned out to 2 threads ran SIGHAN test13 corrections at 371 sentences/s; at one
    /// thread each, 450).
    private func takeBatch() -> (jobs: [Job], threads: Int)? {
        state.withLock { state in
            guard !state.queue.isEmpty, !state.paused else { return nil }
            state.busyWorkers += 1
            var taken = [state.queue.removeFirst()]
            var tokens = taken[0].batch.tokenCount
            var index = 0
            while index < state.queue.count {
                let candidate = state.queue[index]
                if tokens + candidate.batch.tokenCount <= tokenBudget {
                    tokens += candidate.batch.tokenCount
                    taken.append(candidate)
                    state.queue.remove(at: index)
                } else {
                    index += 1
                }
            }
            if !state.queue.isEmpty { wakeUp.signal() }  // more work: let another worker take it
            return (taken, Self.threadShare(threads: threads, workers: workers, busy: state.busyWorkers,
                                            workLeft: !state.queue.isEmpty))
        }
    }

    /// Threads for a batch taken while `busy` workers (this one included) run batches: an equal share, with
    /// work left in the queue counted as one more busy worker, since another worker takes it at once.
    static func threadShare(threads: Int, workers: Int, busy: Int, workLeft: Bool) -> Int {
        let sharing = max(1, min(workers, busy + (workLeft ? 1 : 0)))
        return max(1, threads / sharing)
    }

    private func runBatch(_ jobs: [Job], workspace: Workspace, threads: Int) {
        let live = jobs.filter { !$0.isCancelled }
        for job in jobs where job.isCancelled { job.finish(.failure(CancellationError())) }
        guard !live.isEmpty else { return }
        let merged = EncoderBatch(live.flatMap(\.batch.sequences))
        let positions = Self.mergedPositions(live)
        let result = Result {
            try model.run(merged, maskedLMPositions: positions, maskedLMCandidates: Self.mergedCandidates(live),
                          workspace: workspace, threads: threads) {
                live.allSatisfy(\.isCancelled)
            }
        }
        state.withLock { $0.batchesRun += 1 }
        switch result {
        case .success(let outputs):
            var offset = 0
            for job in live {
                let count = job.batch.sequences.count
                let slice = Array(outputs[offset..<(offset + count)])
                offset += count
                job.finish(job.isCancelled ? .failure(CancellationError()) : .success(slice))
            }
        case .failure(let error as ModelError) where error == .cancelled:
            for job in live { job.finish(.failure(CancellationError())) }
        case .failure where live.count > 1:
            // One request's bad input must not fail the others: run each on its own.
            for job in live { runBatch([job], workspace: workspace, threads: threads) }
        case .failure(let error):
            live[0].finish(.failure(error))
        }
    }

    /// Per-sequence masked-LM candidates for the merged batch (each job's sequences keep their own); nil when
    /// no job restricts them.
    private static func mergedCandidates(_ jobs: [Job]) -> [[[Int32]]?]? {
        guard jobs.contains(where: { $0.maskedLMCandidates != nil }) else { return nil }
        return jobs.flatMap { job in
            job.maskedLMCandidates ?? Array(repeating: nil, count: job.batch.sequences.count)
        }
    }

    /// Per-sequence masked-LM positions for the merged batch; nil when no job restricts them.
    private static func mergedPositions(_ jobs: [Job]) -> [[Int]]? {
        guard jobs.contains(where: { $0.maskedLMPositions != nil }) else { return nil }
        return jobs.flatMap { job in
            job.maskedLMPositions ?? job.batch.sequences.map { Array(0..<$0.ids.count) }
        }
    }
}

/// One request's share of the work, and the continuation that answers it (exactly once).
private final class Job: Sendable {
    let batch: EncoderBatch
    let maskedLMPositions: [[Int]]?
    let maskedLMCandidates: [[[Int32]]?]?
    private let cancelled = Atomic<Bool>(false)
    private let slot = Mutex(Slot())

    private struct Slot {
        var continuation: CheckedContinuation<[SequenceOutput], any Error>?
        var result: Result<[SequenceOutput], any Error>?
        var finished = false
    }

    init(batch: EncoderBatch, maskedLMPositions: [[Int]]?, maskedLMCandidates: [[[Int32]]?]?) {
        self.batch = batch
        self.maskedLMPositions = maskedLMPositions
        self.maskedLMCandidates = maskedLMCandidates
    }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    func cancel() { cancelled.store(true, ordering: .releasing) }

    /// Hands over the continuation; resumes it at once if the job already finished.
    func attach(_ continuation: CheckedContinuation<[SequenceOutput], any Error>) {
        let early = slot.withLock { slot -> Result<[SequenceOutput], any Error>? in
            if let result = slot.result { return result }
            slot.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Delivers the result; only the first call counts.
    func finish(_ result: Result<[SequenceOutput], any Error>) {
        let waiting = slot.withLock { slot -> CheckedContinuation<[SequenceOutput], any Error>? in
            guard !slot.finished else { return nil }
            slot.finished = true
            guard let continuation = slot.continuation else {
                slot.result = result
                return nil
            }
            slot.continuation = nil
            return continuation
        }
        waiting?.resume(with: result)
    }
}
