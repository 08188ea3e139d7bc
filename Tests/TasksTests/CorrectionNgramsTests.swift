import Foundation
import JSON
import Tasks
import TestSupport
import Testing

/// Bytes of an n-gram file (the layout Training/csc_ngrams.py writes) holding `counts`.
private func ngramFile(_ counts: [String: Int], order: Int, backoff: Double = 0.4) -> Data {
    var bytes = Array("BNGR".utf8)
    func put(_ value: UInt64, _ width: Int) { for shift in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * shift))) } }
    put(1, 4)
    put(UInt64(order), 4)
    put(backoff.bitPattern, 8)
    put(UInt64(counts.filter { $0.key.unicodeScalars.count == 1 }.values.reduce(0, +)), 8)
    for n in 1...order {
        let entries = counts.filter { $0.key.unicodeScalars.count == n }
            .map { (CorrectionNgrams.fingerprint(Array($0.key.unicodeScalars)[...]), $0.value) }
            .sorted { $0.0 < $1.0 }
        put(UInt64(entries.count), 4)
        for (key, _) in entries { put(UInt64(key), 4) }
        for (_, count) in entries { put(UInt64(count), n == 1 ? 4 : 2) }
    }
    return Data(bytes)
}

private let counts = ["a": 4, "b": 2, "c": 2, "ab": 2, "\u{2}a": 1]

@Test func fingerprintsMatchTheTrainingScript() {
    // Values from Benchmarks/quality/csc_eval.py fingerprint().
    #expect(CorrectionNgrams.fingerprint(Array("天气".unicodeScalars)[...]) == 0x47D3_4BB0)
    #expect(CorrectionNgrams.fingerprint(Array("\u{2}a".unicodeScalars)[...]) == 0x3C7B_58AC)
}

@Test func deltaIsTheChangeOfBackedOffLogScores() {
    let model = CorrectionNgrams(counts: counts, order: 2, weight: 0.1, cap: 0.05)
    // "ac" -> "ab": position 1 now reads the seen bigram "ab" (2 of 4 "a") instead of backing off to "c"
    // (0.4 x (2 + 0.5) / 8); the end mark after it is unseen either way.
    let expected = log(2.0 / 4.0) - (log(0.4) + log(2.5 / 8.0))
    let delta = model.delta(Array("ac".unicodeScalars), at: 1, replacement: "b")
    #expect(abs(delta - expected) < 1e-12)
    #expect(model.adjustment(Array("ac".unicodeScalars), at: 1, replacement: "b") == 0.05)
    #expect(model.adjustment(Array("ab".unicodeScalars), at: 1, replacement: "c") == -0.05)
    var gentle = model
    gentle.cap = 10
    #expect(gentle.adjustment(Array("ac".unicodeScalars), at: 1, replacement: "b") == Float(0.1 * expected))
    // An unchanged character changes nothing.
    #expect(model.delta(Array("ac".unicodeScalars), at: 0, replacement: "a") == 0)
}

@Test func ngramFileReadsAsTheCountsItHolds() throws {
    let directory = try Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("ngrams.bin")
    try ngramFile(counts, order: 2).write(to: file)
    let read = try CorrectionNgrams(contentsOf: file, weight: 0.1, cap: 0.05)
    #expect(read == CorrectionNgrams(counts: counts, order: 2, weight: 0.1, cap: 0.05))

    let good = ngramFile(counts, order: 2)
    var unsorted = good
    let firstKey = 4 + 4 + 4 + 8 + 8 + 4
    unsorted.replaceSubrange(firstKey..<(firstKey + 8), with: good[(firstKey + 4)..<(firstKey + 8)] + good[firstKey..<(firstKey + 4)])
    for broken in [Data("BNGX".utf8) + good.dropFirst(4), good.prefix(good.count - 1), good.prefix(10), unsorted] {
        try broken.write(to: file)
        #expect(throws: TaskError.self) { try CorrectionNgrams(contentsOf: file, weight: 0.1, cap: 0.05) }
    }
}

@Test func ngramsFromTheCandidatesFileRerankTheCandidates() async throws {
    let (tokenizer, runner) = try TaskFixtures.model("tasks/csc")
    let plain = try #require(try CorrectionCandidates.load(modelDirectory: Fixtures.url("tasks/csc")))
    #expect(plain.rerank == 1 && plain.ngrams == nil)
    let text = "今天天气很好。"
    let directory = try Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // Counts that make "天器很" the only reading seen: 器 (a candidate of 气) must win at position 3 once the
    // priors may look past the argmax.
    try ngramFile(["天": 10, "器": 10, "很": 10, "天器": 10, "器很": 10], order: 2)
        .write(to: directory.appendingPathComponent("ngrams.bin"))
    let file = directory.appendingPathComponent("candidates.json")
    func candidates(rerank: Int) throws -> CorrectionCandidates {
        let json: JSON = ["candidates": .object(JSONObject(plain.candidates.map { ($0.key, JSON.string($0.value)) })),
                          "ngrams": "ngrams.bin", "ngram_weight": 1.0, "ngram_cap": 1.0, "rerank": .integer(Int64(rerank))]
        try Data(json.serialized()).write(to: file)
        return try CorrectionCandidates.load(contentsOf: file)
    }
    let reranked = try candidates(rerank: 4)
    #expect(reranked.rerank == 4 && reranked.ngrams?.order == 2)
    let edits = try await Corrector(tokenizer: tokenizer, runner: runner, candidates: reranked)
        .correct([text], options: allProposals())[0].edits
    let atQi = try #require(edits.first { $0.original == "气" }, "the n-grams put 器 in place of 气")
    #expect(atQi.replacement == "器" && atQi.score == 1)

    for broken in [#"{"candidates": {}, "ngrams": "ngrams.bin"}"#,
                   #"{"candidates": {}, "ngrams": "ngrams.bin", "ngram_weight": 0.1, "ngram_cap": -1}"#,
                   #"{"candidates": {}, "rerank": 0}"#,
                   #"{"candidates": {}, "ngrams": "missing.bin", "ngram_weight": 0.1, "ngram_cap": 0.1}"#] {
        try Data(broken.utf8).write(to: file)
        #expect(throws: (any Error).self) { try CorrectionCandidates.load(contentsOf: file) }
    }
}

private func allProposals() -> CorrectionOptions {
    var options = CorrectionOptions()
    options.mode = .direct
    options.threshold = 0
    options.maxEditsPerSentence = 0
    return options
}
