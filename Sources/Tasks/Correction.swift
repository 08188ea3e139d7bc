/// How the corrector asks the masked-LM model for each character.
public enum CorrectionMode: String, Sendable, CaseIterable {
    /// One pass over the unmasked text; each position's prediction is the proposal (CSC-trained models,
    /// MacBERT4CSC style). Masked-LM logits are computed only at correctable positions.
    case direct
    /// Each correctable position masked in turn and re-predicted (plain pretrained MLMs; one sequence per
    /// position, so much slower).
    case mask
}

/// What produced an edit.
public enum EditKind: String, Sendable, CaseIterable {
    /// A spelling correction proposed by the model.
    case spelling
    /// A forced correction from the request or the model's configuration.
    case forced
}

/// One change to the caller's text.
public struct Edit: Sendable, Equatable {
    /// UTF-8 byte offsets of the replaced text in the caller's text.
    public var start: Int, end: Int
    /// The caller's text there.
    public var original: String
    /// What replaces it.
    public var replacement: String
    /// The model's probability for the replacement (softmax over the candidate set when there is one), moved by
    /// the priors the model ships (`CorrectionLexicon`, `CorrectionNgrams`, `CorrectionChannel`; clamped to 0...1);
    /// 1 for forced corrections.
    public var score: Float
    /// Spelling or forced.
    public var kind: EditKind

    /// An edit.
    public init(start: Int, end: Int, original: String, replacement: String, score: Float, kind: EditKind) {
        self.start = start
        self.end = end
        self.original = original
        self.replacement = replacement
        self.score = score
        self.kind = kind
    }
}

/// The result for one text.
public struct Correction: Sendable, Equatable {
    /// The corrected text; exactly the caller's text (same bytes) when there are no edits or in detect-only
    /// mode.
    public var corrected: String
    /// The edits, in text order, with offsets into the caller's text.
    public var edits: [Edit]
}

/// Options of `Corrector.correct`.
public struct CorrectionOptions: Sendable, Equatable {
    /// nil: `.direct` when the model has candidate sets, else `.mask`.
    public var mode: CorrectionMode? = nil
    /// Minimum probability of a replacement; nil: the candidate file's threshold, else 0.5.
    public var threshold: Float? = nil
    /// Minimum lead of the replacement's probability over the original character's.
    public var margin: Float = 0
    /// Most edits per sentence per round, most probable first (0: no cap); nil: the candidate file's.
    public var maxEditsPerSentence: Int? = nil
    /// Words never changed by the model (every occurrence is left alone).
    public var ignore: [String] = []
    /// Replacements applied wherever the key occurs (longest key first), before the model runs.
    public var forced: [String: String] = [:]
    /// Report edits but return the text unchanged.
    public var detectOnly = false
    /// Re-run on the corrected text (texts a round changed and held back a proposal in that reaches the later
    /// threshold, e.g. over the per-sentence cap) until none is left or this many rounds ran; nil: the candidate
    /// file's, else 1.
    public var maxRounds: Int? = nil
    /// Minimum probability of a replacement in the rounds after the first; nil: the candidate file's
    /// `later_threshold`, else `threshold`.
    public var laterThreshold: Float? = nil
    /// Tokens per window, [CLS] and [SEP] included; nil: the model's maximum (at most 512).
    public var windowLength: Int? = nil

    /// The defaults.
    public init() {}
}
