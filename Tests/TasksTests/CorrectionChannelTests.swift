import Foundation
import JSON
import Tasks
import TestSupport
import Testing

private let channel = CorrectionChannel(miswritten: ["地": 0.4, "的": 0.1], unseenWeight: 0.3, floor: 1e-6,
                                        confusions: ["地": ["的": 0.5]], weight: 0.1, cap: 0.05)

@Test func channelLogRatioWeighsMeantAgainstKept() {
    // Meant 地 (miswritten 40% of the time, as 的 half of those) and wrote 的, against meant 的 (kept 90%).
    #expect(abs(channel.logRatio(original: "的", replacement: "地") - log((0.4 * 0.5 + 1e-6) / 0.9)) < 1e-12)
    // A confusion the channel never makes keeps only the floor.
    #expect(abs(channel.logRatio(original: "地", replacement: "的") - log(1e-6 / 0.6)) < 1e-12)
    // Characters it has not seen count as miswritten at the unseen weight.
    #expect(abs(channel.logRatio(original: "天", replacement: "夫") - log(1e-6 / 0.7)) < 1e-12)
    #expect(channel.adjustment(original: "的", replacement: "地") == -0.05)
    var gentle = channel
    gentle.cap = 10
    #expect(gentle.adjustment(original: "的", replacement: "地") == Float(0.1 * log((0.4 * 0.5 + 1e-6) / 0.9)))
}

@Test func channelFileReadsAsGiven() throws {
    let directory = try Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("channel.json")
    try Data(#"{"weights": {"地": 0.4, "的": 0.1}, "unseen_weight": 0.3, "floor": 1e-6, "confusions": {"地": {"的": 0.5}}}"#.utf8)
        .write(to: file)
    #expect(try CorrectionChannel(contentsOf: file, weight: 0.1, cap: 0.05) == channel)
    for broken in [#"{"weights": {}, "unseen_weight": 0.3, "confusions": {}}"#,
                   #"{"weights": {"地": "0.4"}, "unseen_weight": 0.3, "floor": 1e-6, "confusions": {}}"#,
                   #"{"weights": {}, "unseen_weight": 0.3, "floor": 0, "confusions": {}}"#,
                   #"{"weights": {}, "unseen_weight": 0.3, "floor": 1e-6, "confusions": {"地": 1}}"#, "{"] {
        try Data(broken.utf8).write(to: file)
        #expect(throws: (any Error).self) { try CorrectionChannel(contentsOf: file, weight: 0.1, cap: 0.05) }
    }
}

@Test func channelFromTheCandidatesFileMovesTheScore() async throws {
    let (tokenizer, runner) = try TaskFixtures.model("tasks/csc")
    let plain = try #require(try CorrectionCandidates.load(modelDirectory: Fixtures.url("tasks/csc")))
    var options = CorrectionOptions()
    options.mode = .direct
    options.threshold = 0
    options.maxEditsPerSentence = 0
    let text = "今天天气很好，我们去北京的天安门广场。"
    let first = try #require(try await Corrector(tokenizer: tokenizer, runner: runner, candidates: plain)
        .correct([text], options: options)[0].edits.first, "the fixture proposes an edit")

    // A channel under which the writer of the original likely meant the proposed replacement: +cap.
    let directory = try Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let table: JSON = ["weights": .object(JSONObject([(first.replacement, JSON.double(0.9)), (first.original, .double(0.5))])),
                       "unseen_weight": 0.3, "floor": 1e-6,
                       "confusions": .object(JSONObject([(first.replacement, .object(JSONObject([(first.original, .double(1))])))]))]
    try Data(table.serialized()).write(to: directory.appendingPathComponent("channel.json"))
    let file = directory.appendingPathComponent("candidates.json")
    let json: JSON = ["candidates": .object(JSONObject(plain.candidates.map { ($0.key, JSON.string($0.value)) })),
                      "channel": "channel.json", "channel_weight": 0.1, "channel_cap": 0.02]
    try Data(json.serialized()).write(to: file)
    let withChannel = try CorrectionCandidates.load(contentsOf: file)
    #expect(withChannel.channel?.cap == 0.02)
    let moved = try #require(try await Corrector(tokenizer: tokenizer, runner: runner, candidates: withChannel)
        .correct([text], options: options)[0].edits.first { $0.start == first.start })
    #expect(moved.replacement == first.replacement && abs(moved.score - min(1, first.score + 0.02)) < 1e-6)

    try Data(#"{"candidates": {}, "channel": "channel.json", "channel_weight": 0.1}"#.utf8).write(to: file)
    #expect(throws: TaskError.self) { try CorrectionCandidates.load(contentsOf: file) }
}
