/// Turns per-token label probabilities into entities: words (for first/average/max), tags (argmax or
/// Viterbi), then spans grouped by the tagging scheme. Pure: no model, testable with made-up scores.
struct LabelAggregator: Sendable {
    /// One token of the text with its label distribution.
    struct Token: Sendable {
        /// UTF-8 byte range in the text.
        var offsets: Range<Int>
        /// The pre-tokenized word it belongs to.
        var word: Int?
        /// The word piece; nil for the unknown token (reported as the original text).
        var piece: String?
        /// Probability of each label.
        var probabilities: [Float]
    }

    /// A token or word with the distribution its tag is decoded from.
    private struct Unit {
        var tokens: Range<Int>
        var probabilities: [Float]
    }

    let labels: [String]
    let options: LabelingOptions

    func labeling(_ tokens: [Token], text: TextBytes) -> Labeling {
        let units = self.units(tokens)
        let distributions = units.map(\.probabilities)
        let chosen: [Int] =
            switch options.decoding {
            case .argmax, .strict: distributions.map { argmax($0) }
            case .viterbi: TagTransitions(labels: labels).viterbi(distributions)
            }
        let scores = zip(distributions, chosen).map { $0[$1] }

        if options.aggregation == .none {
            var entities: [Entity] = []
            var labeled: [LabeledToken] = []
            for (index, token) in tokens.enumerated() {
                let label = labels[chosen[index]]
                guard !options.ignoreLabels.contains(label), scores[index] >= options.minScore else { continue }
                let original = text[token.offsets]
                entities.append(Entity(start: token.offsets.lowerBound, end: token.offsets.upperBound,
                                       text: original, label: label, score: scores[index]))
                labeled.append(LabeledToken(index: index, token: token.piece ?? original,
                                            start: token.offsets.lowerBound, end: token.offsets.upperBound,
                                            label: label, score: scores[index]))
            }
            return Labeling(entities: entities, tokens: labeled)
        }

        // Group consecutive units whose tags continue one another; score = mean of the units' scores.
        let tags = chosen.map { Tag(labels[$0]) }
        let strict = options.decoding == .strict
        let closingScheme = labels.contains { [.end, .single].contains(Tag($0).role) }
        var entities: [Entity] = []
        var group: Range<Int>? = nil
        func close() {
            guard let members = group else { return }
            group = nil
            // Strict: with closing tags an entity must end on E- (or be one S-).
            if strict && closingScheme {
                let last = tags[members.upperBound - 1].role
                guard last == .end || last == .single || last == .plain else { return }
            }
            let type = tags[members.lowerBound].type
            let score = members.reduce(Float(0)) { $0 + scores[$1] } / Float(members.count)
            guard !options.ignoreLabels.contains(type), score >= options.minScore else { return }
            let start = tokens[units[members.lowerBound].tokens.lowerBound].offsets.lowerBound
            let end = tokens[units[members.upperBound - 1].tokens.upperBound - 1].offsets.upperBound
            entities.append(Entity(start: start, end: end, text: text[start..<end], label: type, score: score))
        }
        for index in units.indices {
            if let open = group, tags[index].continues(tags[index - 1]) {
                group = open.lowerBound..<(index + 1)
            } else {
                close()
                // Strict: an I-/E- that continues nothing starts nothing.
                let orphan = strict && (tags[index].role == .inside || tags[index].role == .end)
                group = orphan ? nil : index..<(index + 1)
            }
        }
        close()
        return Labeling(entities: entities, tokens: nil)
    }

    /// Tokens (none, simple) or words with the distribution of their strategy (first, average, max).
    private func units(_ tokens: [Token]) -> [Unit] {
        switch options.aggregation {
        case .none, .simple:
            return tokens.indices.map { Unit(tokens: $0..<($0 + 1), probabilities: tokens[$0].probabilities) }
        case .first, .average, .max:
            var units: [Unit] = []
            var start = 0
            for index in tokens.indices where index + 1 == tokens.count || !sameWord(tokens[index], tokens[index + 1]) {
                let members = start..<(index + 1)
                units.append(Unit(tokens: members, probabilities: wordDistribution(tokens[members])))
                start = index + 1
            }
            return units
        }
    }

    private func sameWord(_ a: Token, _ b: Token) -> Bool {
        guard let word = a.word else { return false }
        return b.word == word
    }

    /// transformers' `aggregate_word`: the first token's, the most confident token's, or the mean
    /// distribution.
    private func wordDistribution(_ members: ArraySlice<Token>) -> [Float] {
        guard let first = members.first else { return [] }
        switch options.aggregation {
        case .max:
            var best = first
            for token in members.dropFirst()
            where (token.probabilities.max() ?? 0) > (best.probabilities.max() ?? 0) {
                best = token
            }
            return best.probabilities
        case .average:
            var sum = [Float](repeating: 0, count: first.probabilities.count)
            for token in members {
                for (label, p) in token.probabilities.enumerated() { sum[label] += p }
            }
            return sum.map { $0 / Float(members.count) }
        case .none, .simple, .first:
            return first.probabilities
        }
    }
}
