import Service
import Synchronization
import Tasks

/// Checks sentences with the daemon's correction model (the `csc` model unless configured otherwise).
public final class ModelSpellChecker: SpellChecker {
    private let service = Mutex<BertdService?>(nil)
    private let modelName: String?

    private let labelModelName: String?

    /// A checker using the model named `modelName` (nil: the default correction model), and
    /// `labelModelName` (nil: the default labeling model) for entity hints.
    public init(modelName: String? = nil, labelModelName: String? = nil) {
        self.modelName = modelName
        self.labelModelName = labelModelName
    }

    /// Binds the checker to the service once it exists (the service needs the LSP methods first).
    public func attach(_ service: BertdService) {
        self.service.withLock { $0 = service }
    }

    public func check(_ sentences: [String], threshold: Double?) async throws -> [[SpellingIssue]] {
        guard let service = service.withLock({ $0 }) else { return sentences.map { _ in [] } }
        let model = try service.registry.model(named: modelName, for: .correct)
        var options = CorrectionOptions()
        options.threshold = threshold.map(Float.init)
        options.detectOnly = true
        let corrections = try await service.correct(sentences, options: options, model: model)
        return corrections.map { correction in
            correction.edits.map { edit in
                SpellingIssue(range: edit.start..<edit.end, original: edit.original,
                              replacement: edit.replacement, score: Double(edit.score))
            }
        }
    }

    public func entities(_ sentences: [String]) async throws -> [[EntityHint]] {
        guard let service = service.withLock({ $0 }) else { return sentences.map { _ in [] } }
        let model = try service.registry.model(named: labelModelName, for: .label)
        let labeler = try TokenLabeler(tokenizer: model.tokenizer, runner: model.queue)
        var options = LabelingOptions()
        options.decoding = .viterbi
        return try await labeler.label(sentences, options: options).map { labeling in
            labeling.entities.map { entity in
                EntityHint(range: entity.start..<entity.end, text: entity.text, label: entity.label, score: Double(entity.score))
            }
        }
    }
}
