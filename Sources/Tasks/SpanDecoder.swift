import Tokenizer

/// transformers' `select_starts_ends` / `decode_spans` and the answer merging of
/// `QuestionAnsweringPipeline.postprocess`, over the windows of one question.
struct SpanDecoder: Sendable {
    let topK: Int
    let maxAnswerLength: Int
    let allowNoAnswer: Bool
    let classifierId: Int32

    /// Answers found so far, in the order the pipeline finds them (ties keep that order).
    struct Collector {
        let context: TextBytes
        var answers: [Answer] = []
        /// Lowercased answer text -> index in `answers`.
        var seen: [String: Int] = [:]
        var nullScore = Float(1_000_000)
    }

    func collector(context: TextBytes) -> Collector { Collector(context: context) }

    /// Scores the spans of one window and merges its best `2 * topK + 10` into `collector` (the pipeline
    /// keeps that many per window because aligning to words may merge some).
    func add(_ encoding: Encoding, start startLogits: [Float], end endLogits: [Float], to collector: inout Collector) {
        let count = min(encoding.count, startLogits.count, endLogits.count)
        // Tokens that may hold an answer: the context, plus [CLS] (for the no-answer score).
        let allowed = (0..<count).map { encoding.sequenceIds[$0] == 1 || encoding.ids[$0] == classifierId }
        // The pipeline replaces other logits by -10000 before its softmax; their exp underflows to 0.
        var start = softmax((0..<count).map { allowed[$0] ? startLogits[$0] : -10000 })
        var end = softmax((0..<count).map { allowed[$0] ? endLogits[$0] : -10000 })
        if allowNoAnswer, count > 0 { collector.nullScore = min(collector.nullScore, start[0] * end[0]) }
        if count > 0 {
            start[0] = 0
            end[0] = 0
        }

        struct Span { var start: Int, end: Int, score: Float }
        var spans: [Span] = []
        for s in 0..<count where allowed[s] && start[s] > 0 {
            for e in s..<min(count, s + maxAnswerLength) where allowed[e] {
                let score = start[s] * end[e]
                if score > 0 { spans.append(Span(start: s, end: e, score: score)) }
            }
        }
        spans.sort { $0.score > $1.score || ($0.score == $1.score && ($0.start, $0.end) < ($1.start, $1.end)) }
        for span in spans.prefix(topK * 2 + 10) {
            let range = wordRange(encoding, span.start).lowerBound..<wordRange(encoding, span.end).upperBound
            let text = collector.context[range]
            let key = text.lowercased()
            if let index = collector.seen[key] {
                collector.answers[index].score += span.score
            } else {
                collector.seen[key] = collector.answers.count
                collector.answers.append(Answer(start: range.lowerBound, end: range.upperBound, text: text, score: span.score))
            }
        }
    }

    /// The best `topK` answers, with the no-answer answer competing when allowed.
    func answers(_ collector: Collector) -> [Answer] {
        var answers = collector.answers
        if allowNoAnswer { answers.append(Answer(start: 0, end: 0, text: "", score: collector.nullScore)) }
        // Stable: the pipeline's `sorted` keeps finding order among equal scores.
        let ordered = answers.enumerated().sorted { a, b in
            a.element.score > b.element.score || (a.element.score == b.element.score && a.offset < b.offset)
        }
        return ordered.prefix(topK).map(\.element)
    }

    /// The context bytes of the whole word holding token `index` (tokenizers' `word_to_chars`).
    private func wordRange(_ encoding: Encoding, _ index: Int) -> Range<Int> {
        guard let word = encoding.wordIds[index] else { return encoding.offsets[index] }
        var first = index, last = index
        while first > 0, encoding.sequenceIds[first - 1] == 1, encoding.wordIds[first - 1] == word { first -= 1 }
        while last + 1 < encoding.count, encoding.sequenceIds[last + 1] == 1, encoding.wordIds[last + 1] == word {
            last += 1
        }
        return encoding.offsets[first].lowerBound..<encoding.offsets[last].upperBound
    }
}
