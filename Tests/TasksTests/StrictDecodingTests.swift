import Testing
@testable import Tasks

@Suite struct StrictDecodingTests {
    static let labels = ["O", "B-PER", "I-PER", "E-PER", "S-PER"]

    /// One CJK character per token, each certain of its label.
    private func entities(_ tags: [String], decoding: TagDecoding) -> [String] {
        let text = String(repeating: "字", count: tags.count)
        let tokens = tags.enumerated().map { index, tag in
            LabelAggregator.Token(
                offsets: (index * 3)..<(index * 3 + 3), word: index, piece: "字",
                probabilities: Self.labels.map { $0 == tag ? 0.9 : 0.025 })
        }
        var options = LabelingOptions()
        options.decoding = decoding
        let labeling = LabelAggregator(labels: Self.labels, options: options).labeling(tokens, text: TextBytes(text))
        return labeling.entities.map { "\($0.start / 3)-\($0.end / 3)" }
    }

    @Test(arguments: [
        // (tags, argmax entities, strict entities)
        (["I-PER", "E-PER", "O"], ["0-2"], [String]()),
        (["B-PER", "I-PER", "O"], ["0-2"], []),
        (["B-PER", "E-PER", "O", "S-PER"], ["0-2", "3-4"], ["0-2", "3-4"]),
        (["O", "E-PER", "B-PER", "I-PER", "E-PER"], ["1-2", "2-5"], ["2-5"]),
    ])
    func strictDropsOrphansAndUnclosedEntities(tags: [String], plain: [String], strict: [String]) {
        #expect(entities(tags, decoding: .argmax) == plain)
        #expect(entities(tags, decoding: .strict) == strict)
    }
}
