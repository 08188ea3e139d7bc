import Checkpoint
import Tensor

/// A BERT or ELECTRA encoder with the head its checkpoint was trained with.
///
/// The weights are immutable and shared: any number of threads may call `run` at once, each with its own
/// `Workspace`.
public final class EncoderModel: Sendable {
    /// The checkpoint's configuration.
    public let config: ModelConfig
    /// The head, from `config.architecture`.
    public let head: HeadKind
    /// How the encoder layers' weights are held (8-bit only where asked for and the CPU has the kernels).
    public let precision: WeightPrecision

    let embeddings: BertEmbeddings
    let embeddingsProject: Linear?  // ELECTRA: [hidden, embedding] when embedding_size != hidden_size
    let encoder: BertEncoder
    let pooler: BertPooler?
    let maskedLM: MaskedLMHead?
    let nextSentence: Linear?  // cls.seq_relationship: [2, hidden]
    let classifier: Linear?  // token / sequence classifier or qa_outputs: [labels, hidden]
    let discriminator: ElectraDiscriminatorPredictions?
    let electraClassifier: ElectraClassificationHead?

    /// Builds the model from a checkpoint's config and its tensors under transformers' canonical names
    /// (`bert.embeddings.word_embeddings.weight`, `cls.predictions.bias`, `qa_outputs.weight`, ...).
    /// - Parameter precision: `.int8` quantizes the encoder layers' linear weights (heads, embeddings and
    ///   everything else stay fp32); it falls back to `.float32` on CPUs without AVX-512 VNNI.
    /// - Throws: `ModelError.unsupportedArchitecture` / `.invalidConfig`, or the `CheckpointError` naming
    ///   a missing or mis-shaped tensor.
    public init(config: ModelConfig, weights: WeightScope, precision: WeightPrecision = .float32) throws {
        guard let architecture = config.architecture,
            let head = HeadKind(architecture: architecture, family: config.family)
        else { throw ModelError.unsupportedArchitecture(config.architecture) }
        guard config.numAttentionHeads > 0, config.hiddenSize % config.numAttentionHeads == 0 else {
            throw ModelError.invalidConfig(
                "hidden_size \(config.hiddenSize) is not a multiple of num_attention_heads \(config.numAttentionHeads)")
        }
        self.config = config
        self.head = head
        self.precision = precision == .int8 && QuantizedWeight.available ? .int8 : .float32

        let base = weights.scope(config.family.rawValue)
        embeddings = try BertEmbeddings(base.scope("embeddings"), config: config)
        embeddingsProject =
            config.family == .electra && config.embeddingSize != config.hiddenSize
            ? try Linear(base.scope("embeddings_project"), in: config.embeddingSize, out: config.hiddenSize)
            : nil
        if config.family == .bert && config.embeddingSize != config.hiddenSize {
            throw ModelError.invalidConfig("BERT embeddings must be hidden_size wide")
        }
        encoder = try BertEncoder(base.scope("encoder"), config: config, quantize: self.precision == .int8)

        let labels = config.labels.isEmpty ? 2 : config.labels.count  // transformers' default num_labels
        let hidden = config.hiddenSize
        let usesPooler = config.family == .bert
            && [.model, .preTraining, .nextSentencePrediction, .sequenceClassification].contains(head)
        pooler = usesPooler ? try BertPooler(base.scope("pooler"), config: config) : nil
        maskedLM =
            switch (head, config.family) {
            case (.maskedLM, .bert), (.preTraining, .bert):
                try MaskedLMHead(bert: weights.scope("cls.predictions"), config: config)
            case (.maskedLM, .electra): try MaskedLMHead(electra: weights, config: config)
            default: nil
            }
        nextSentence =
            switch head {
            case .preTraining: try Linear(weights.scope("cls.seq_relationship"), in: hidden, out: 2)
            case .nextSentencePrediction: try Linear(weights.scope("cls.seq_relationship"), in: hidden, out: 2)
            default: nil
            }
        classifier =
            switch (head, config.family) {
            case (.tokenClassification, _), (.sequenceClassification, .bert):
                try Linear(weights.scope("classifier"), in: hidden, out: labels)
            case (.questionAnswering, _): try Linear(weights.scope("qa_outputs"), in: hidden, out: 2)
            default: nil
            }
        discriminator =
            head == .replacedTokenDetection
            ? try ElectraDiscriminatorPredictions(weights.scope("discriminator_predictions"), config: config)
            : nil
        electraClassifier =
            head == .sequenceClassification && config.family == .electra
            ? try ElectraClassificationHead(weights.scope("classifier"), config: config, labels: labels)
            : nil
    }

    /// Runs the encoder and head over a batch.
    /// - Parameters:
    ///   - batch: the sequences; each 1 ... max_position_embeddings tokens.
    ///   - maskedLMPositions: per sequence, the token positions to compute masked-LM logits at (the head
    ///     is ~10% of bert-base's work per position); nil computes them at every position.
    ///   - maskedLMCandidates: per sequence, per masked-LM position, the vocabulary ids to score there (its
    ///     `maskedLMCandidateLogits`), or nil for the whole vocabulary at every position (`maskedLMLogits`);
    ///     nil scores the whole vocabulary everywhere. A spelling corrector's ~20 candidates instead of 21,128
    ///     words make the head nearly free.
    ///   - workspace: scratch memory to reuse; a fresh one when nil.
    ///   - threads: threads for this pass, at most the workspace's (nil: all of them); a queue whose other
    ///     workers are busy passes fewer, so the cores are not oversubscribed.
    ///   - shouldCancel: polled before each layer; when it returns true the run stops.
    /// - Returns: one output per sequence, in batch order.
    /// - Throws: `ModelError.invalidInput` for a batch the model cannot run, `.cancelled` when cancelled.
    public func run(
        _ batch: EncoderBatch, maskedLMPositions: [[Int]]? = nil, maskedLMCandidates: [[[Int32]]?]? = nil,
        workspace: Workspace? = nil, threads: Int? = nil, shouldCancel: () -> Bool = { false }
    ) throws -> [SequenceOutput] {
        try validate(batch, maskedLMPositions: maskedLMPositions, maskedLMCandidates: maskedLMCandidates)
        let tokens = batch.tokenCount
        let workspace = workspace ?? Workspace()
        let threads = min(workspace.threads, max(1, threads ?? workspace.threads))
        workspace.reserve(tokens: tokens, longest: batch.longest, config: config)

        // Packed inputs: sequence s occupies rows starts[s] ..< starts[s + 1].
        var starts: [Int32] = [0]
        var ids = [Int32](), positions = [Int32](), types = [Int32]()
        ids.reserveCapacity(tokens)
        positions.reserveCapacity(tokens)
        types.reserveCapacity(tokens)
        for sequence in batch.sequences {
            ids += sequence.ids.map { Int32($0) }
            types += sequence.typeIds.map { Int32($0) }
            positions += (0..<sequence.ids.count).map { Int32($0) }
            starts.append(Int32(ids.count))
        }

        let hidden = Tensor(shape: [tokens, config.hiddenSize], storage: workspace.hidden)  // [tokens, hidden]
        if let embeddingsProject {
            let embedded = Tensor(shape: [tokens, config.embeddingSize], storage: workspace.embedded)
            embeddings.forward(embedded, ids: ids, positions: positions, types: types)  // [tokens, embedding]
            embeddingsProject.forward(hidden, embedded, threads: threads)
        } else {
            embeddings.forward(hidden, ids: ids, positions: positions, types: types)
        }
        let scratch = LayerScratch(
            qkv: Tensor(shape: [tokens, 3 * config.hiddenSize], storage: workspace.qkv),
            context: Tensor(shape: [tokens, config.hiddenSize], storage: workspace.context),
            projected: Tensor(shape: [tokens, config.hiddenSize], storage: workspace.projected),
            intermediate: Tensor(shape: [tokens, config.intermediateSize], storage: workspace.intermediate),
            scores: Tensor(shape: [workspace.scoresCount(longest: batch.longest, config: config)], storage: workspace.scores),
            segmentStarts: starts, threads: threads, quantization: workspace.quantization)
        try encoder.forward(hidden, scratch) {
            if shouldCancel() || Task.isCancelled { throw ModelError.cancelled }
        }
        return heads(hidden, starts: starts, maskedLMPositions: maskedLMPositions,
                     maskedLMCandidates: maskedLMCandidates, threads: threads)
    }

    // MARK: - Heads

    private func heads(
        _ hidden: Tensor, starts: [Int32], maskedLMPositions: [[Int]]?, maskedLMCandidates: [[[Int32]]?]?,
        threads: Int
    ) -> [SequenceOutput] {
        let count = starts.count - 1
        let width = config.hiddenSize
        var outputs = (0..<count).map { s in
            SequenceOutput(hidden: rows(hidden, Int(starts[s])..<Int(starts[s + 1])))
        }
        // [sequences, hidden]: each sequence's [CLS] state.
        let first = Tensor(zeros: [count, width])
        gatherRows(first, hidden, rows: Array(starts.dropLast()))

        if let pooler {
            let pooled = Tensor(zeros: [count, width])  // [sequences, hidden]
            pooler.forward(pooled, first)
            for s in 0..<count { outputs[s].pooled = rows(pooled, s..<(s + 1)).scalars }
            if let nextSentence {
                let logits = project(pooled, nextSentence)  // [sequences, 2]
                for s in 0..<count { outputs[s].sequenceLogits = rows(logits, s..<(s + 1)).scalars }
            }
        }
        if let maskedLM {
            // Two products: one over the positions scored on the whole vocabulary, one over those scored on
            // their candidates.
            for scoresCandidates in [false, true] {
                let members = (0..<count).filter { (maskedLMCandidates?[$0] != nil) == scoresCandidates }
                guard !members.isEmpty else { continue }
                var picked = [Int32]()
                var wantedBySequence = [[Int]]()
                for s in members {
                    let wanted = maskedLMPositions?[s] ?? Array(0..<Int(starts[s + 1] - starts[s]))
                    wantedBySequence.append(wanted)
                    picked += wanted.map { starts[s] + Int32($0) }
                }
                let selected = Tensor(zeros: [picked.count, width])  // [picked, hidden]
                gatherRows(selected, hidden, rows: picked)
                if scoresCandidates {
                    let candidates = members.flatMap { maskedLMCandidates?[$0] ?? [] }
                    let scores = maskedLM.score(selected, candidates: candidates, threads: threads)
                    var row = 0
                    for (s, wanted) in zip(members, wantedBySequence) {
                        outputs[s].maskedLMCandidateLogits = Array(scores[row..<(row + wanted.count)])
                        outputs[s].maskedLMPositions = wanted
                        row += wanted.count
                    }
                } else {
                    let logits = maskedLM.forward(selected, threads: threads)  // [picked, vocab]
                    var row = 0
                    for (s, wanted) in zip(members, wantedBySequence) {
                        outputs[s].maskedLMLogits = rows(logits, row..<(row + wanted.count))
                        outputs[s].maskedLMPositions = wanted
                        row += wanted.count
                    }
                }
            }
        }
        switch head {
        case .tokenClassification:
            if let classifier {
                let logits = project(hidden, classifier)  // [tokens, labels]
                for s in 0..<count { outputs[s].tokenLogits = rows(logits, Int(starts[s])..<Int(starts[s + 1])) }
            }
        case .questionAnswering:
            if let classifier {
                let logits = project(hidden, classifier)  // [tokens, 2]: start, end
                for s in 0..<count {
                    let span = rows(logits, Int(starts[s])..<Int(starts[s + 1])).scalars
                    outputs[s].startLogits = stride(from: 0, to: span.count, by: 2).map { span[$0] }
                    outputs[s].endLogits = stride(from: 1, to: span.count, by: 2).map { span[$0] }
                }
            }
        case .replacedTokenDetection:
            if let discriminator {
                let logits = discriminator.forward(hidden)  // [tokens, 1]
                for s in 0..<count { outputs[s].tokenLogits = rows(logits, Int(starts[s])..<Int(starts[s + 1])) }
            }
        case .sequenceClassification:
            let logits: Tensor? =
                if let electraClassifier { electraClassifier.forward(first) }  // [sequences, labels]
                else if let classifier, let pooled = pooledRows(outputs) { project(pooled, classifier) }
                else { nil }
            if let logits {
                for s in 0..<count { outputs[s].sequenceLogits = rows(logits, s..<(s + 1)).scalars }
            }
        case .model, .maskedLM, .preTraining, .nextSentencePrediction:
            break
        }
        return outputs
    }

    /// The pooled vectors of all sequences stacked [sequences, hidden], when the pooler ran.
    private func pooledRows(_ outputs: [SequenceOutput]) -> Tensor? {
        var values = [Float]()
        for output in outputs {
            guard let pooled = output.pooled else { return nil }
            values += pooled
        }
        return Tensor(shape: [outputs.count, config.hiddenSize], values: values)
    }

    /// A copy of rows `range` of a matrix.
    private func rows(_ matrix: Tensor, _ range: Range<Int>) -> Tensor {
        let out = Tensor(zeros: [range.count, matrix.columns])
        gatherRows(out, matrix, rows: range.map { Int32($0) })
        return out
    }

    // MARK: - Input checks

    private func validate(_ batch: EncoderBatch, maskedLMPositions: [[Int]]?, maskedLMCandidates: [[[Int32]]?]?) throws {
        guard !batch.sequences.isEmpty else { throw ModelError.invalidInput("empty batch") }
        if let maskedLMPositions, maskedLMPositions.count != batch.sequences.count {
            throw ModelError.invalidInput(
                "\(maskedLMPositions.count) masked-LM position lists for \(batch.sequences.count) sequences")
        }
        if let maskedLMCandidates {
            guard maskedLMCandidates.count == batch.sequences.count else {
                throw ModelError.invalidInput(
                    "\(maskedLMCandidates.count) masked-LM candidate lists for \(batch.sequences.count) sequences")
            }
            for (s, candidates) in maskedLMCandidates.enumerated() {
                guard let candidates else { continue }
                let positions = maskedLMPositions?[s].count ?? batch.sequences[s].ids.count
                guard candidates.count == positions else {
                    throw ModelError.invalidInput(
                        "sequence \(s): \(candidates.count) candidate lists for \(positions) masked-LM positions")
                }
                for ids in candidates {
                    if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
                        throw ModelError.invalidInput("masked-LM candidate id \(bad) outside 0..<\(config.vocabSize)")
                    }
                }
            }
        }
        for (s, sequence) in batch.sequences.enumerated() {
            let length = sequence.ids.count
            guard length >= 1, length <= config.maxPositionEmbeddings else {
                throw ModelError.invalidInput(
                    "sequence \(s) has \(length) tokens; the model takes 1 to \(config.maxPositionEmbeddings)")
            }
            guard sequence.typeIds.count == length else {
                throw ModelError.invalidInput("sequence \(s) has \(sequence.typeIds.count) type ids for \(length) tokens")
            }
            if let bad = sequence.ids.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
                throw ModelError.invalidInput("sequence \(s): token id \(bad) outside the vocabulary (\(config.vocabSize))")
            }
            if let bad = sequence.typeIds.first(where: { $0 < 0 || $0 >= config.typeVocabSize }) {
                throw ModelError.invalidInput("sequence \(s): token type \(bad) outside 0..<\(config.typeVocabSize)")
            }
            if let positions = maskedLMPositions?[s], let bad = positions.first(where: { $0 < 0 || $0 >= length }) {
                throw ModelError.invalidInput("sequence \(s): masked-LM position \(bad) outside 0..<\(length)")
            }
        }
    }
}

extension EncoderModel {
    /// Loads the model in a Hugging Face model directory (config.json + model.safetensors or
    /// pytorch_model.bin); weights are memory-mapped, not copied, when stored as fp32.
    /// - Throws: `CheckpointError` for unreadable or incomplete checkpoints, `ModelError` for unsupported ones.
    public static func load(directory: String, precision: WeightPrecision = .float32) throws -> EncoderModel {
        let model = try ModelDirectory.load(directory: directory)
        return try EncoderModel(config: model.config, weights: model.root, precision: precision)
    }
}

/// How a model's encoder weights are held in memory.
public enum WeightPrecision: String, Sendable, CaseIterable {
    /// As in the checkpoint, converted to fp32: transformers' numbers.
    case float32
    /// Encoder layers' linear weights in 8 bits with activations quantized per token at run time (dynamic
    /// quantization): faster and a quarter of the memory, at a small accuracy cost.
    case int8
}
