import BERT
import Tokenizer

/// Chinese spelling correction with a masked-LM model (`annotate/correct`).
///
/// Decodes as the training helper's evaluator does (Benchmarks/quality/csc_eval.py): at each CJK ideograph
/// token, a softmax over its candidate set (the character itself first, then its confusion set; the whole
/// vocabulary when the model has no candidate sets), argmax; an edit when the argmax is another single CJK
/// ideograph with probability >= threshold (and a lead of at least `margin` over the original). A model that ships
/// priors (word list, n-grams, error channel: `CorrectionCandidates`) instead picks, among its `rerank` most
/// probable candidates, the one whose score the priors move highest, and that score meets the threshold; at most
/// `maxEditsPerSentence` per sentence, highest score first. Texts an edit changed can be run again (`maxRounds`),
/// with a threshold of their own (`laterThreshold`), when the cap held back a proposal that reaches it: a
/// sentence with two errors gets its second fix from a context where the first is already mended. Latin, digits,
/// punctuation, whitespace and characters outside the vocabulary are never touched. Long texts are split at
/// sentence ends (。！？!?；and newlines) into windows.
public struct Corrector: Sendable {
    /// The tokenizer of the model.
    public let tokenizer: BertTokenizer
    /// Runs the masked-LM model.
    public let runner: any EncoderRunner
    /// The model's confusion sets, if it has any.
    public let candidates: CorrectionCandidates?
    /// Candidate token ids per original token id, the original first (from `candidates`).
    private let table: [Int32: [Int32]]

    /// Most tokens sent to the runner in one call (mask mode makes one sequence per character).
    private static let tokensPerRun = 16_384

    /// A corrector over a masked-LM model, with the confusion sets of its `candidates.json` if any.
    /// - Throws: `TaskError.wrongHead` for a model without a masked-LM head.
    public init(tokenizer: BertTokenizer, runner: any EncoderRunner, candidates: CorrectionCandidates? = nil) throws {
        guard runner.model.head == .maskedLM || runner.model.head == .preTraining else {
            throw TaskError.wrongHead(task: "correction", head: runner.model.head)
        }
        self.tokenizer = tokenizer
        self.runner = runner
        self.candidates = candidates
        var table: [Int32: [Int32]] = [:]
        for (character, others) in candidates?.candidates ?? [:] {
            guard let id = tokenizer.vocabulary.id(for: character) else { continue }
            var row = [id]
            for other in others.unicodeScalars {
                if let otherId = tokenizer.vocabulary.id(for: String(other)), !row.contains(otherId) {
                    row.append(otherId)
                }
            }
            table[id] = row
        }
        self.table = table
    }

    /// The mode used when the request names none.
    public var defaultMode: CorrectionMode { candidates == nil ? .mask : .direct }

    /// Corrects each text; every round runs all texts' windows together.
    /// - Throws: `TaskError.invalidOption` for bad options, or the runner's errors.
    public func correct(_ texts: [String], options: CorrectionOptions = CorrectionOptions()) async throws -> [Correction] {
        let rounds = options.maxRounds ?? candidates?.maxRounds ?? 1
        guard rounds >= 1 else { throw TaskError.invalidOption("maxRounds must be at least 1") }
        let config = runner.model.config
        let length = options.windowLength ?? min(config.maxPositionEmbeddings, 512)
        guard length >= 3, length <= config.maxPositionEmbeddings else {
            throw TaskError.invalidOption("windowLength \(length) must be in 3...\(config.maxPositionEmbeddings)")
        }
        let threshold = options.threshold ?? candidates?.threshold ?? 0.5
        let firstDecision = Decision(threshold: threshold, margin: options.margin,
                                     cap: options.maxEditsPerSentence ?? candidates?.maxEdits ?? 0)
        let laterDecision = Decision(threshold: options.laterThreshold ?? candidates?.laterThreshold ?? threshold,
                                     margin: firstDecision.margin, cap: firstDecision.cap)
        let mode = options.mode ?? defaultMode

        var states = texts.map { CorrectionText($0, forced: options.forced, ignore: options.ignore) }
        let initial = states.map(\.scalars)
        var scores = states.map { [Float](repeating: 0, count: $0.scalars.count) }
        var active = Array(states.indices)
        for round in 0..<rounds where !active.isEmpty {
            let proposals = try await propose(active.map { states[$0] }, mode: mode, capacity: length - 2)
            let decision = round == 0 ? firstDecision : laterDecision
            var again: [Int] = []
            for (slot, text) in active.enumerated() {
                let accepted = decision.accept(proposals[slot])
                for proposal in accepted {
                    states[text].scalars[proposal.scalar] = proposal.replacement
                    scores[text][proposal.scalar] = proposal.score
                }
                // Another round only where this one changed the text and held back (over the cap) a proposal that
                // already reaches the later threshold: from the mended context it is taken or dropped. Weaker
                // proposals seldom become right edits there, and each text run again costs a model pass.
                let applied = Set(accepted.map(\.scalar))
                let heldBack = proposals[slot].contains {
                    $0.score >= laterDecision.threshold && !applied.contains($0.scalar)
                }
                if !applied.isEmpty, heldBack { again.append(text) }
            }
            active = again
        }

        return texts.indices.map { index in
            let state = states[index]
            var edits = state.forcedEdits
            for position in state.scalars.indices where state.scalars[position] != initial[index][position] {
                guard let origin = state.origins[position] else { continue }
                edits.append(Edit(start: origin.lowerBound, end: origin.upperBound,
                                  original: String(initial[index][position]), replacement: String(state.scalars[position]),
                                  score: scores[index][position], kind: .spelling))
            }
            edits.sort { $0.start < $1.start }
            let corrected = edits.isEmpty || options.detectOnly ? texts[index] : state.string
            return Correction(corrected: corrected, edits: edits)
        }
    }

    // MARK: - One round

    /// A proposed replacement of one scalar.
    struct Proposal: Sendable {
        var scalar: Int
        var replacement: Unicode.Scalar
        var score: Float
        var originalScore: Float
        var sentence: Int
    }

    /// Which proposals become edits.
    struct Decision: Sendable {
        let threshold: Float
        let margin: Float
        let cap: Int

        func accept(_ proposals: [Proposal]) -> [Proposal] {
            let passing = proposals.filter { $0.score >= threshold && $0.score - $0.originalScore >= margin }
            guard cap > 0 else { return passing }
            let bySentence = Dictionary(grouping: passing, by: \.sentence)
            return bySentence.values.flatMap { group in
                group.sorted { $0.score > $1.score || ($0.score == $1.score && $0.scalar < $1.scalar) }.prefix(cap)
            }
        }
    }

    /// One correctable token: where it is and what the model reads it as.
    private struct Site {
        var text: Int
        var token: Int
        var scalar: Int
        var sentence: Int
        var originalId: Int
    }

    /// The model's proposals for each text (threshold not yet applied).
    private func propose(_ texts: [CorrectionText], mode: CorrectionMode, capacity: Int) async throws -> [[Proposal]] {
        var inputs: [EncoderInput] = []
        var positions: [[Int]] = []
        var sites: [[Site]] = []  // per input, the site of each masked-LM row
        for (textIndex, text) in texts.enumerated() {
            let encoding = tokenizer.encode(text.string, addSpecialTokens: false)
            let scalarAt = text.scalarIndexByByte()
            var sentenceOf: [Int] = []  // per scalar
            var sentence = 0
            for scalar in text.scalars {
                sentenceOf.append(sentence)
                if endsSentence(scalar) { sentence += 1 }
            }
            // Tokens grouped by sentence (a token belongs to the sentence of its first scalar).
            var sentences: [Range<Int>] = []
            var tokenSentence: [Int] = []
            for token in 0..<encoding.count {
                let id = sentenceOf[scalarAt[encoding.offsets[token].lowerBound]]
                tokenSentence.append(id)
                if token > 0, tokenSentence[token - 1] == id, let last = sentences.popLast() {
                    sentences.append(last.lowerBound..<(token + 1))
                } else {
                    sentences.append(token..<(token + 1))
                }
            }
            let windows = try TokenWindows.sentences(sentences, capacity: capacity)
            for range in windows.ranges where !range.isEmpty {
                let windowSites = range.compactMap { token -> Site? in
                    let offsets = encoding.offsets[token]
                    let scalar = scalarAt[offsets.lowerBound]
                    guard encoding.ids[token] != tokenizer.unknownId, scalarAt[offsets.upperBound] == scalar + 1,
                          scalarAt[offsets.upperBound - 1] == scalar,
                          isCJKIdeograph(text.scalars[scalar]), !text.frozen[scalar], hasChoices(encoding.ids[token])
                    else { return nil }
                    return Site(text: textIndex, token: token, scalar: scalar, sentence: tokenSentence[token],
                                originalId: Int(encoding.ids[token]))
                }
                guard !windowSites.isEmpty else { continue }
                let ids = [tokenizer.classifierId] + encoding.ids[range] + [tokenizer.separatorId]
                let rows = windowSites.map { $0.token - range.lowerBound + 1 }  // after [CLS]
                switch mode {
                case .direct:
                    inputs.append(EncoderInput(ids: ids.map(Int.init)))
                    positions.append(rows)
                    sites.append(windowSites)
                case .mask:
                    for (site, position) in zip(windowSites, rows) {
                        var masked = ids
                        masked[position] = tokenizer.maskId
                        inputs.append(EncoderInput(ids: masked.map(Int.init)))
                        positions.append([position])
                        sites.append([site])
                    }
                }
            }
        }

        // With confusion sets each position scores only its own set (the original first).
        let pools: [[[Int32]]]? =
            candidates == nil ? nil : sites.map { row in row.map { table[Int32($0.originalId)] ?? [] } }
        var proposals = [[Proposal]](repeating: [], count: texts.count)
        var start = 0
        while start < inputs.count {
            var end = start
            var tokens = 0
            while end < inputs.count, end == start || tokens + inputs[end].ids.count <= Self.tokensPerRun {
                tokens += inputs[end].ids.count
                end += 1
            }
            let outputs = try await runner.run(EncoderBatch(Array(inputs[start..<end])),
                                               maskedLMPositions: Array(positions[start..<end]),
                                               maskedLMCandidates: pools.map { Array($0[start..<end]) })
            guard outputs.count == end - start else { throw TaskError.missingOutput("output for every window") }
            for (offset, output) in outputs.enumerated() {
                let rowSites = sites[start + offset], rowPools = pools?[start + offset]
                let scored = try scores(output, pools: rowPools, rows: rowSites.count)
                for (row, site) in rowSites.enumerated() {
                    guard let proposal = decode(scored[row], pool: rowPools?[row], site: site,
                                                scalars: texts[site.text].scalars)
                    else { continue }
                    proposals[site.text].append(proposal)
                }
            }
            start = end
        }
        return proposals
    }

    /// Whether a token may become something else: with confusion sets, only a character that has one (the
    /// others are neither scored nor run: a window with none of them is skipped).
    private func hasChoices(_ id: Int32) -> Bool {
        candidates == nil || (table[id]?.count ?? 0) > 1
    }

    /// Per masked-LM row of `output`, its logits: over the row's pool when pools were scored, else over the
    /// whole vocabulary.
    private func scores(_ output: SequenceOutput, pools: [[Int32]]?, rows: Int) throws -> [ArraySlice<Float>] {
        if let pools {
            guard let scored = output.maskedLMCandidateLogits, scored.count == rows,
                  zip(scored, pools).allSatisfy({ $0.count == $1.count })
            else { throw TaskError.missingOutput("masked-LM candidate logits") }
            return scored.map { $0[...] }
        }
        let width = runner.model.config.vocabSize
        guard let logits = output.maskedLMLogits?.scalars, logits.count == rows * width else {
            throw TaskError.missingOutput("masked-LM logits")
        }
        return (0..<rows).map { row(logits, $0, width: width) }
    }

    /// The best of the softmax over the site's pool (the original first) or, without confusion sets, over the
    /// whole vocabulary: the argmax, or with priors (word list, n-grams, channel) the highest moved score among the
    /// `rerank` most probable (the original keeps its probability); a proposal when it is another CJK ideograph.
    private func decode(_ logits: ArraySlice<Float>, pool: [Int32]?, site: Site, scalars: [Unicode.Scalar]) -> Proposal? {
        let probabilities = softmax(logits)
        let original = scalars[site.scalar]
        let considered = candidates.map { $0.hasPriors ? $0.rerank : 1 } ?? 1
        let ranked = considered == 1 ? [argmax(probabilities)] : mostProbable(probabilities, count: considered)
        var best: (replacement: Unicode.Scalar?, score: Float)?
        let largestRise = candidates?.largestRise ?? 0
        for index in ranked {
            // Ranked by probability: once even the largest rise cannot lift one past the best, none can.
            if let best, probabilities[index] + largestRise + 1e-6 <= best.score { break }
            let id = pool.map { Int($0[index]) } ?? index
            var choice: (replacement: Unicode.Scalar?, score: Float) = (nil, probabilities[index])
            if id != site.originalId {
                let token = tokenizer.vocabulary.token(for: Int32(id)).unicodeScalars
                guard token.count == 1, let replacement = token.first, isCJKIdeograph(replacement), replacement != original
                else { continue }
                if let candidates {
                    guard let moved = candidates.adjusted(choice.score, scalars, at: site.scalar, replacement: replacement,
                                                          beating: best?.score)
                    else { continue }  // cannot win
                    choice = (replacement, moved)
                } else {
                    choice.replacement = replacement
                }
            }
            if best == nil || choice.score > best!.score { best = choice }
        }
        guard let best, let replacement = best.replacement else { return nil }
        return Proposal(scalar: site.scalar, replacement: replacement, score: best.score,
                        originalScore: probabilities[pool == nil ? site.originalId : 0], sentence: site.sentence)
    }

    /// Indices of the `count` largest probabilities, largest first (ties: the lower index first).
    private func mostProbable(_ probabilities: [Float], count: Int) -> [Int] {
        Array(probabilities.indices.sorted { (probabilities[$0], $1) > (probabilities[$1], $0) }.prefix(count))
    }
}
