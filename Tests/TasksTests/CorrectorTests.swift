import BERT
import Foundation
import JSON
import Tasks
import TestSupport
import Testing

private func corrector(candidates: Bool = true) throws -> Corrector {
    let (tokenizer, runner) = try TaskFixtures.model("tasks/csc")
    let sets = candidates ? try CorrectionCandidates.load(modelDirectory: Fixtures.url("tasks/csc")) : nil
    return try Corrector(tokenizer: tokenizer, runner: runner, candidates: sets)
}

/// Every proposal: threshold 0, no cap.
private func allProposals(_ mode: CorrectionMode) -> CorrectionOptions {
    var options = CorrectionOptions()
    options.mode = mode
    options.threshold = 0
    options.maxEditsPerSentence = 0
    return options
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Test func candidatesFileIsRead() throws {
    let sets = try #require(try CorrectionCandidates.load(modelDirectory: Fixtures.url("tasks/csc")))
    #expect(sets.candidates["气"] == "汽器弃")
    #expect(sets.threshold == 0.5 && sets.maxEdits == 0)
    #expect(try CorrectionCandidates.load(modelDirectory: Fixtures.url("models/bert-mlm")) == nil)
    #expect(try corrector().defaultMode == .direct)
    #expect(try corrector(candidates: false).defaultMode == .mask)
}

/// The decoding of the training helper's evaluator, recorded by scripts/make_task_fixtures.py.
@Test func proposalsMatchTheReferenceDecoder() async throws {
    let cases = try TaskFixtures.expected("correct.json").elements()
    #expect(cases.contains { !(($0["edits"]?.arrayValue ?? []).isEmpty) })
    for item in cases {
        let text = try item.string("text")
        let mode = try #require(CorrectionMode(rawValue: try item.string("mode")))
        let restricted = try #require(item["candidates"]?.boolValue as Bool?, "missing candidates")
        let result = try await corrector(candidates: restricted).correct([text], options: allProposals(mode))[0]
        let expected = try item.array("edits")
        let label = "\(mode) candidates \(restricted): \(text)"
        #expect(result.edits.map { [$0.start, $0.end] } == (try expected.map { [try $0.int("start"), try $0.int("end")] }),
                "\(label)")
        #expect(result.edits.map(\.replacement) == (try expected.map { try $0.string("replacement") }), "\(label)")
        #expect(result.edits.map(\.original) == (try expected.map { try $0.string("original") }), "\(label)")
        #expect(result.edits.allSatisfy { $0.kind == .spelling })
        for (edit, reference) in zip(result.edits, expected) {
            #expect(abs(edit.score - (try reference.float("score"))) <= scoreTolerance, "\(label)")
        }
        // Margin: only edits leading the original by at least 0.3 survive.
        var options = allProposals(mode)
        options.margin = 0.3
        let leading = try await corrector(candidates: restricted).correct([text], options: options)[0]
        let expectedLeading = try expected.filter { try $0.float("score") - $0.float("originalScore") >= 0.3 }
        #expect(leading.edits.map(\.start) == (try expectedLeading.map { try $0.int("start") }), "\(label)")
    }
}

@Test(arguments: CorrectionMode.allCases)
func onlyCJKIdeographsAreTouched(mode: CorrectionMode) async throws {
    // Without candidate sets every position may become any vocabulary token: still only CJK -> CJK.
    let text = "ABC abc 123 ２０２４ Ｆｕｌｌ， 。! ?\n\tMixed 中文 Text 今天天气很好"
    let result = try await corrector(candidates: false).correct([text], options: allProposals(mode))[0]
    for edit in result.edits {
        #expect(edit.original.unicodeScalars.count == 1 && edit.replacement.unicodeScalars.count == 1)
        let original = try #require(edit.original.unicodeScalars.first), replacement = try #require(edit.replacement.unicodeScalars.first)
        #expect((0x4E00...0x9FFF).contains(original.value) && (0x4E00...0x9FFF).contains(replacement.value) || replacement.value > 0x9FFF)
        #expect(bytes(text)[edit.start..<edit.end].elementsEqual(bytes(edit.original)))
    }
    // Rebuild the corrected text from the edits: nothing else changed.
    var rebuilt = bytes(text)
    for edit in result.edits.reversed() { rebuilt.replaceSubrange(edit.start..<edit.end, with: bytes(edit.replacement)) }
    #expect(rebuilt == bytes(result.corrected))
    let latin = "ABC 123 ， 。Hello, World! ｆｕｌｌ-ｗｉｄｔｈ"
    let untouched = try await corrector(candidates: false).correct([latin], options: allProposals(mode))[0]
    #expect(untouched.edits.isEmpty && bytes(untouched.corrected) == bytes(latin))
}

@Test func textWithoutEditsComesBackByteIdentical() async throws {
    // Decomposed é and a fullwidth space: String == would call other spellings equal; the bytes must match.
    let text = "Cafe\u{301}\u{3000}今天天气很好。\r\n"
    var options = CorrectionOptions()
    options.threshold = 1.01
    let result = try await corrector().correct([text], options: options)[0]
    #expect(result.edits.isEmpty)
    #expect(bytes(result.corrected) == bytes(text))
    // Detect-only reports the edits but keeps the bytes.
    var detect = allProposals(.direct)
    detect.detectOnly = true
    let detected = try await corrector().correct([text], options: detect)[0]
    #expect(!detected.edits.isEmpty)
    #expect(bytes(detected.corrected) == bytes(text))
    let applied = try await corrector().correct([text], options: allProposals(.direct))[0]
    #expect(applied.edits == detected.edits && bytes(applied.corrected) != bytes(text))
}

@Test func ignoredWordsAreNeverFlagged() async throws {
    let text = "今天天气很好，我们去北京的天安门广场。"
    let all = try await corrector().correct([text], options: allProposals(.direct))[0]
    #expect(all.edits.contains { $0.original == "京" } && all.edits.contains { $0.original == "气" })
    var options = allProposals(.direct)
    options.ignore = ["北京", "天气"]
    let result = try await corrector().correct([text], options: options)[0]
    #expect(!result.edits.contains { $0.original == "京" || $0.original == "气" })
    // Freezing a word must not move the others (its own positions are still read by the model).
    #expect(result.edits == all.edits.filter { $0.original != "京" && $0.original != "气" })
}

@Test func forcedCorrectionsApplyFirstAndAreReported() async throws {
    let text = "他因该住在上海，Apple 因该很好。"
    var options = allProposals(.direct)
    options.forced = ["因该": "应该", "Apple": "苹果公司"]
    let result = try await corrector().correct([text], options: options)[0]
    let forced = result.edits.filter { $0.kind == .forced }
    #expect(forced.map(\.original) == ["因该", "Apple", "因该"])
    #expect(forced.map(\.replacement) == ["应该", "苹果公司", "应该"])
    for edit in result.edits { #expect(bytes(text)[edit.start..<edit.end].elementsEqual(bytes(edit.original))) }
    #expect(forced.allSatisfy { $0.score == 1 })
    #expect(result.corrected.contains("苹果公司") && !result.corrected.contains("因该"))
    var rebuilt = bytes(text)
    for edit in result.edits.reversed() { rebuilt.replaceSubrange(edit.start..<edit.end, with: bytes(edit.replacement)) }
    #expect(rebuilt == bytes(result.corrected))
    // Forced text is frozen: no spelling edit inside a forced replacement.
    let insideForced = result.edits.filter { edit in
        edit.kind == .spelling && forced.contains { $0.start <= edit.start && edit.end <= $0.end }
    }
    #expect(insideForced.isEmpty)
}

@Test func longTextsAreSplitAtSentenceEnds() async throws {
    let sentences = ["今天天气很好。", "我们去北京！", "他住在上海？", "天安门广场很大；", "我们很好的\n", "是的是的。"]
    let text = sentences.joined()
    var options = allProposals(.direct)
    options.windowLength = 10  // 8 tokens; sentences have 5 to 8, so no two share a window
    let whole = try await corrector().correct([text], options: options)[0]
    let parts = try await corrector().correct(sentences, options: options)
    var expected: [Edit] = []
    var offset = 0
    for (sentence, part) in zip(sentences, parts) {
        expected += part.edits.map { edit in
            var shifted = edit
            shifted.start += offset
            shifted.end += offset
            return shifted
        }
        offset += sentence.utf8.count
    }
    #expect(!expected.isEmpty)
    #expect(whole.edits == expected)
    // A sentence longer than a window is cut into window-sized pieces rather than dropped.
    let long = String(repeating: "天气很好", count: 10) + "。"
    let cut = try await corrector().correct([long], options: options)[0]
    #expect(cut.edits.last.map { $0.end > long.utf8.count - 15 } == true)
}

@Test func roundsRepeatOnTheCorrectedText() async throws {
    let text = "今天天气很好，我们去北京的天安门广场。他住在上海。"
    var options = allProposals(.direct)
    options.maxEditsPerSentence = 1
    let first = try await corrector().correct([text], options: options)[0]
    let second = try await corrector().correct([first.corrected], options: options)[0]
    #expect(!first.edits.isEmpty && !second.edits.isEmpty)
    #expect(first.edits.count <= 2, "one edit per sentence")
    options.maxRounds = 2
    let twice = try await corrector().correct([text], options: options)[0]
    #expect(bytes(twice.corrected) == bytes(second.corrected))
    // Edits point into the caller's text and compose both rounds.
    var rebuilt = bytes(text)
    for edit in twice.edits.reversed() { rebuilt.replaceSubrange(edit.start..<edit.end, with: bytes(edit.replacement)) }
    #expect(rebuilt == bytes(twice.corrected))
    #expect(twice.edits.allSatisfy { bytes(text)[$0.start..<$0.end].elementsEqual(bytes($0.original)) })
}

@Test func laterThresholdGovernsTheRoundsAfterTheFirst() async throws {
    let text = "今天天气很好，我们去北京的天安门广场。他住在上海。"
    var options = allProposals(.direct)
    options.maxEditsPerSentence = 1
    let once = try await corrector().correct([text], options: options)[0]
    options.maxRounds = 2
    let twice = try await corrector().correct([text], options: options)[0]
    #expect(twice.edits.count > once.edits.count)
    options.laterThreshold = 1.01  // nothing clears it: the second round changes nothing
    #expect(try await corrector().correct([text], options: options)[0] == once)
    options.laterThreshold = 0
    #expect(try await corrector().correct([text], options: options)[0] == twice)
    // Only the second round's edits are held to the later threshold.
    let secondRound = twice.edits.filter { !once.edits.contains($0) }
    let cut = try #require(secondRound.map(\.score).max())
    options.laterThreshold = cut + 1e-6
    #expect(try await corrector().correct([text], options: options)[0] == once)
}

private actor CallCount {
    var value = 0
    func add() { value += 1 }
}

/// The real runner, counting its calls (one per round for a short text).
private struct CountingRunner: EncoderRunner {
    let base: any EncoderRunner
    let calls = CallCount()
    var model: EncoderModel { base.model }

    func run(_ batch: EncoderBatch, maskedLMPositions: [[Int]]?, maskedLMCandidates: [[[Int32]]?]?) async throws
        -> [SequenceOutput]
    {
        await calls.add()
        return try await base.run(batch, maskedLMPositions: maskedLMPositions, maskedLMCandidates: maskedLMCandidates)
    }
}

@Test func onlyTextsWithAHeldBackProposalRunAgain() async throws {
    let (tokenizer, base) = try TaskFixtures.model("tasks/csc")
    let sets = try CorrectionCandidates.load(modelDirectory: Fixtures.url("tasks/csc"))
    let text = "今天天气很好我们去北京的天安门广场玩"
    func runs(cap: Int, later: Float) async throws -> (calls: Int, edits: [Edit]) {
        let runner = CountingRunner(base: base)
        var options = allProposals(.direct)
        options.maxEditsPerSentence = cap
        options.maxRounds = 3
        options.laterThreshold = later
        let edits = try await Corrector(tokenizer: tokenizer, runner: runner, candidates: sets)
            .correct([text], options: options)[0].edits
        return (await runner.calls.value, edits)
    }
    let uncapped = try await runs(cap: 0, later: 0)
    let scores = uncapped.edits.map(\.score).sorted()
    try #require(scores.count >= 2, "the fixture proposes several edits in one sentence")
    #expect(uncapped.calls == 1, "round 1 applied every proposal: nothing is held back")
    #expect(try await runs(cap: 1, later: 0).calls > 1, "the cap holds proposals back for the next round")
    // With one edit taken, the proposals held back score at most the second best: a later threshold above that
    // leaves nothing worth another pass.
    #expect(try await runs(cap: 1, later: scores[scores.count - 2] + 1e-4).calls == 1)
}

@Test func candidatesFileSetsTheRoundDefaults() async throws {
    let (tokenizer, runner) = try TaskFixtures.model("tasks/csc")
    var sets = try #require(try CorrectionCandidates.load(modelDirectory: Fixtures.url("tasks/csc")))
    sets.maxEdits = 1
    sets.threshold = 0
    sets.maxRounds = 2
    sets.laterThreshold = 0.2
    let tuned = try Corrector(tokenizer: tokenizer, runner: runner, candidates: sets)
    var explicit = CorrectionOptions()
    explicit.threshold = 0
    explicit.maxEditsPerSentence = 1
    explicit.maxRounds = 2
    explicit.laterThreshold = 0.2
    let text = "今天天气很好，我们去北京的天安门广场。他住在上海。"
    let byDefault = try await tuned.correct([text])[0]
    #expect(byDefault == (try await corrector().correct([text], options: explicit)[0]))
    explicit.maxRounds = 1
    #expect(byDefault != (try await corrector().correct([text], options: explicit)[0]))

    let directory = try Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("candidates.json")
    try Data(#"{"candidates": {"气": "汽"}, "max_rounds": 2, "later_threshold": 0.9}"#.utf8).write(to: file)
    let read = try CorrectionCandidates.load(contentsOf: file)
    #expect(read.maxRounds == 2 && read.laterThreshold == 0.9 && read.threshold == nil)
    try Data(#"{"candidates": {}, "max_rounds": 0}"#.utf8).write(to: file)
    #expect(throws: TaskError.self) { try CorrectionCandidates.load(contentsOf: file) }
}

@Test func capKeepsTheMostProbableEditPerSentence() async throws {
    let text = "今天天气很好，我们去北京的天安门广场。"
    let all = try await corrector().correct([text], options: allProposals(.direct))[0]
    var options = allProposals(.direct)
    options.maxEditsPerSentence = 1
    let capped = try await corrector().correct([text], options: options)[0]
    #expect(all.edits.count > 1)
    #expect(capped.edits.count == 1 && capped.edits[0] == all.edits.max { $0.score < $1.score })
}

@Test func lexiconMovesScoresByWordFormation() throws {
    let bonus: Float = 0.2, score: Float = 0.6
    let lexicon = CorrectionLexicon(words: ["天气", "北京大学"], bonus: bonus)
    let scalars = Array("今天天汽很好".unicodeScalars)
    // 汽 -> 气 makes 天气: +bonus; 天 (in 天气 after the fix, here in no word) -> 夫 changes nothing.
    #expect(lexicon.adjusted(score, scalars, at: 3, replacement: "气") == score + bonus)
    #expect(lexicon.adjusted(0.6, scalars, at: 1, replacement: "夫") == 0.6)
    // Breaking the only word covering a position costs the bonus; scores stay in 0...1.
    let fixed = Array("今天天气很好".unicodeScalars)
    #expect(lexicon.adjusted(score, fixed, at: 3, replacement: "汽") == score - bonus)
    #expect(lexicon.adjusted(0.1, fixed, at: 3, replacement: "汽") == 0)
    #expect(lexicon.adjusted(0.95, scalars, at: 3, replacement: "气") == 1)
    // Four-character words count, at either end of the text.
    #expect(lexicon.adjusted(0.5, Array("北京大字".unicodeScalars), at: 3, replacement: "学") == Float(0.5) + bonus)
    // Scalar for scalar: a compatibility ideograph (U+F900) is not the unified one it is canonically equivalent to.
    let unified = CorrectionLexicon(words: ["\u{8C48}然"], bonus: bonus)
    #expect(unified.adjusted(score, Array("\u{8C48}燃".unicodeScalars), at: 1, replacement: "然") == score + bonus)
    #expect(unified.adjusted(score, Array("\u{F900}燃".unicodeScalars), at: 1, replacement: "然") == score)
    // A separate penalty applies to breaking a word only.
    let penalty: Float = 0.05
    let asymmetric = CorrectionLexicon(words: ["天气"], bonus: bonus, penalty: penalty)
    #expect(asymmetric.adjusted(score, fixed, at: 3, replacement: "汽") == score - penalty)
    #expect(asymmetric.adjusted(score, scalars, at: 3, replacement: "气") == score + bonus)
}

@Test func lexiconFromTheCandidatesFileChangesTheDecision() async throws {
    let (tokenizer, runner) = try TaskFixtures.model("tasks/csc")
    let plain = try #require(try CorrectionCandidates.load(modelDirectory: Fixtures.url("tasks/csc")))
    let text = "今天天气很好，我们去北京的天安门广场。"
    let proposals = try await Corrector(tokenizer: tokenizer, runner: runner, candidates: plain)
        .correct([text], options: allProposals(.direct))[0].edits
    let first = try #require(proposals.first, "the fixture proposes an edit")

    // A candidates.json naming a word list that the first proposal completes: its score gains the bonus.
    let directory = try Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let json: JSON = ["candidates": .object(JSONObject(plain.candidates.map { ($0.key, JSON.string($0.value)) })),
                      "words": "words.txt", "word_bonus": 0.25]
    try Data(json.serialized()).write(to: directory.appendingPathComponent("candidates.json"))
    let scalars = Array(text.unicodeScalars)
    let at = String(decoding: Array(text.utf8)[..<first.start], as: UTF8.self).unicodeScalars.count
    let replacement = String(first.replacement)
    let word = at > 0 ? String(Character(scalars[at - 1])) + replacement : replacement + String(Character(scalars[at + 1]))
    try Data((word + "\n").utf8).write(to: directory.appendingPathComponent("words.txt"))
    let withWords = try CorrectionCandidates.load(contentsOf: directory.appendingPathComponent("candidates.json"))
    #expect(withWords.lexicon == CorrectionLexicon(words: [word], bonus: 0.25))
    let nudged = try await Corrector(tokenizer: tokenizer, runner: runner, candidates: withWords)
        .correct([text], options: allProposals(.direct))[0].edits
    let moved = try #require(nudged.first { $0.start == first.start })
    #expect(abs(moved.score - min(1, first.score + 0.25)) < 1e-6)

    let file = directory.appendingPathComponent("candidates.json")
    try Data(#"{"candidates": {}, "words": "words.txt", "word_bonus": 0.3, "word_penalty": 0.1}"#.utf8).write(to: file)
    #expect(try CorrectionCandidates.load(contentsOf: file).lexicon == CorrectionLexicon(words: [word], bonus: 0.3, penalty: 0.1))
    for broken in [#"{"candidates": {}, "words": "words.txt"}"#,
                   #"{"candidates": {}, "words": "words.txt", "word_bonus": 0.3, "word_penalty": "0.1"}"#] {
        try Data(broken.utf8).write(to: file)
        #expect(throws: TaskError.self) { try CorrectionCandidates.load(contentsOf: file) }
    }
}
