import BERT
import Foundation
import RPC
import Tasks
import Testing
import TestSupport
@testable import Service

private func loadModel(_ name: String = "bert-token") throws -> EncoderModel {
    try EncoderModel.load(directory: Fixtures.url("models/\(name)").path)
}

private func input(_ seed: Int, length: Int) -> EncoderInput {
    EncoderInput(ids: [101] + (0..<(length - 2)).map { 670 + (seed * 31 + $0 * 7) % 5000 } + [102])
}

private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct ModelQueueTests {
    @Test func waitingRequestsAreBatchedAndGetTheirOwnResults() async throws {
        let model = try loadModel()
        let queue = ModelQueue(model: model, name: "test")
        defer { queue.stop() }
        let inputs = (0..<12).map { input($0, length: 3 + $0 * 2) }
        let direct = try model.run(EncoderBatch(inputs)).map { try #require($0.tokenLogits).scalars }
        queue.pause()
        let results = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, sequence) in inputs.enumerated() {
                group.addTask {
                    let output = try await queue.run(EncoderBatch([sequence]), maskedLMPositions: nil)
                    return (index, output[0].tokenLogits?.scalars ?? [])
                }
            }
            while queue.queueDepth < inputs.count { try await Task.sleep(for: .milliseconds(2)) }
            queue.resume()
            var collected = [Int: [Float]]()
            for try await (index, logits) in group { collected[index] = logits }
            return collected
        }
        #expect(queue.batchesRun == 1)
        for index in inputs.indices {
            #expect(maxDifference(try #require(results[index]), direct[index]) <= 1e-5)
        }
    }

    @Test func tokenBudgetSplitsBatches() async throws {
        let queue = ModelQueue(model: try loadModel(), name: "test", tokenBudget: 20)
        defer { queue.stop() }
        queue.pause()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask { _ = try await queue.run(EncoderBatch([input(index, length: 10)]), maskedLMPositions: nil) }
            }
            while queue.queueDepth < 4 { try await Task.sleep(for: .milliseconds(2)) }
            queue.resume()
            try await group.waitForAll()
        }
        #expect(queue.batchesRun == 2)
    }

    @Test func fullQueueAnswersOverloaded() async throws {
        let queue = ModelQueue(model: try loadModel(), name: "test", maxQueuedJobs: 2)
        defer { queue.stop() }
        queue.pause()
        let waiting = (0..<2).map { index in
            Task { try await queue.run(EncoderBatch([input(index, length: 5)]), maskedLMPositions: nil) }
        }
        while queue.queueDepth < 2 { try await Task.sleep(for: .milliseconds(2)) }
        await #expect(throws: RPCError.self) {
            _ = try await queue.run(EncoderBatch([input(9, length: 5)]), maskedLMPositions: nil)
        }
        do {
            _ = try await queue.run(EncoderBatch([input(9, length: 5)]), maskedLMPositions: nil)
        } catch let error as RPCError {
            #expect(error.data?["kind"] == "overloaded")
        }
        queue.resume()
        for task in waiting { _ = try await task.value }
    }

    @Test func cancellingAQueuedRequestDropsIt() async throws {
        let queue = ModelQueue(model: try loadModel(), name: "test")
        defer { queue.stop() }
        queue.pause()
        let task = Task { try await queue.run(EncoderBatch([input(1, length: 5)]), maskedLMPositions: nil) }
        while queue.queueDepth < 1 { try await Task.sleep(for: .milliseconds(2)) }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(queue.queueDepth == 0)
        queue.resume()
        #expect(queue.batchesRun == 0)
    }

    @Test func oneBadRequestDoesNotFailItsBatchmates() async throws {
        let model = try loadModel()
        let queue = ModelQueue(model: model, name: "test")
        defer { queue.stop() }
        queue.pause()
        let good = Task { try await queue.run(EncoderBatch([input(1, length: 6)]), maskedLMPositions: nil) }
        let bad = Task {
            try await queue.run(EncoderBatch([EncoderInput(ids: [101, 999_999, 102])]), maskedLMPositions: nil)
        }
        while queue.queueDepth < 2 { try await Task.sleep(for: .milliseconds(2)) }
        queue.resume()
        #expect(try await good.value.count == 1)
        await #expect(throws: ModelError.self) { _ = try await bad.value }
    }
}

@Suite struct ThreadShareTests {
    @Test func aLoneBatchUsesEveryThread() {
        #expect(ModelQueue.threadShare(threads: 4, workers: 4, busy: 1, workLeft: false) == 4)
        #expect(ModelQueue.threadShare(threads: 2, workers: 1, busy: 1, workLeft: true) == 2)  // no one to share with
    }

    @Test func busyWorkersAndWaitingWorkSplitTheThreads() {
        #expect(ModelQueue.threadShare(threads: 2, workers: 2, busy: 1, workLeft: true) == 1)
        #expect(ModelQueue.threadShare(threads: 2, workers: 2, busy: 2, workLeft: false) == 1)
        #expect(ModelQueue.threadShare(threads: 8, workers: 8, busy: 2, workLeft: true) == 2)
        #expect(ModelQueue.threadShare(threads: 3, workers: 8, busy: 8, workLeft: true) == 1)  // never below one
    }

    @Test func resultsDoNotDependOnTheShare() async throws {
        let model = try loadModel()
        let inputs = (0..<6).map { input($0, length: 5 + $0 * 3) }
        let single = try model.run(EncoderBatch(inputs), workspace: Workspace(threads: 2), threads: 1)
        let both = try model.run(EncoderBatch(inputs), workspace: Workspace(threads: 2))
        for (a, b) in zip(single, both) {
            #expect(maxDifference(try #require(a.tokenLogits).scalars, try #require(b.tokenLogits).scalars) <= 1e-5)
        }
    }
}

@Suite struct ModelQueueCandidateTests {
    @Test func mergedRequestsEachGetTheirCandidateLogits() async throws {
        let model = try EncoderModel.load(directory: Fixtures.url("models/bert-mlm").path)
        let queue = ModelQueue(model: model, name: "mlm")
        defer { queue.stop() }
        let first = EncoderInput(ids: [101, 1266, 776, 102]), second = EncoderInput(ids: [101, 872, 1962, 102])
        let full = try model.run(EncoderBatch([first, second]), maskedLMPositions: [[1, 2], [2]])
        queue.pause()
        async let a = queue.run(EncoderBatch([first]), maskedLMPositions: [[1, 2]], maskedLMCandidates: [[[5, 776], [3]]])
        async let b = queue.run(EncoderBatch([second]), maskedLMPositions: [[2]], maskedLMCandidates: nil)
        while queue.queueDepth < 2 { try await Task.sleep(for: .milliseconds(2)) }
        queue.resume()
        let (outA, outB) = try await (a, b)
        #expect(queue.batchesRun == 1)
        let scored = try #require(outA[0].maskedLMCandidateLogits)
        let all = try #require(full[0].maskedLMLogits)
        for (row, ids) in [[Int32(5), 776], [3]].enumerated() {
            for (column, id) in ids.enumerated() {
                #expect(abs(scored[row][column] - all.scalars[row * all.shape[1] + Int(id)]) <= 1e-5)
            }
        }
        // The request without candidates still gets the whole vocabulary.
        let whole = try #require(outB[0].maskedLMLogits)
        let reference = try #require(full[1].maskedLMLogits)
        #expect(maxDifference(whole.scalars, reference.scalars) <= 1e-5)
    }
}
