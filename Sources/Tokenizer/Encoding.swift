/// The model input for one text or text pair: ids and masks, plus where each token came from.
///
/// Mirrors the reference's `Encoding` (what `BertTokenizerFast(...)` returns as `input_ids`,
/// `token_type_ids`, `attention_mask`, `special_tokens_mask`, `offset_mapping`, `sequence_ids()`,
/// `word_ids()`), except that offsets are UTF-8 byte ranges; convert them with `OffsetConverter`.
public struct Encoding: Sendable {
    /// Token ids.
    public var ids: [Int32]
    /// Segment ids: 0 for the first sequence (and its specials), 1 for the second.
    public var typeIds: [Int32]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int32]
    /// 1 for tokens added by the template ([CLS], [SEP]) and for padding.
    public var specialTokensMask: [Int32]
    /// UTF-8 byte range of each token in the original text of the sequence it belongs to; empty for
    /// added special tokens and padding.
    public var offsets: [Range<Int>]
    /// The sequence (0 or 1) each token belongs to; nil for added special tokens and padding.
    public var sequenceIds: [Int?]
    /// Index of the pre-tokenized word of each token within its sequence; nil for added specials and padding.
    public var wordIds: [Int?]
    /// The vocabulary the ids refer to.
    public let vocabulary: Vocabulary

    /// Token strings.
    public var tokens: [String] { ids.map { vocabulary.token(for: $0) } }

    /// Number of tokens (including specials and padding).
    public var count: Int { ids.count }

    /// An empty encoding over `vocabulary`.
    public init(vocabulary: Vocabulary) {
        ids = []
        typeIds = []
        attentionMask = []
        specialTokensMask = []
        offsets = []
        sequenceIds = []
        wordIds = []
        self.vocabulary = vocabulary
    }

    /// Appends a token added by the template.
    mutating func appendSpecial(_ id: Int32, typeId: Int32) {
        ids.append(id)
        typeIds.append(typeId)
        attentionMask.append(1)
        specialTokensMask.append(1)
        offsets.append(0..<0)
        sequenceIds.append(nil)
        wordIds.append(nil)
    }

    /// Appends the tokens of one sequence.
    mutating func append(_ run: TokenRun, sequence: Int, typeId: Int32) {
        ids.append(contentsOf: run.ids)
        typeIds.append(contentsOf: repeatElement(typeId, count: run.count))
        attentionMask.append(contentsOf: repeatElement(1, count: run.count))
        specialTokensMask.append(contentsOf: repeatElement(0, count: run.count))
        for index in 0..<run.count {
            offsets.append(Int(run.starts[index])..<Int(run.ends[index]))
            wordIds.append(Int(run.words[index]))
        }
        sequenceIds.append(contentsOf: repeatElement(Optional(sequence), count: run.count))
    }

    /// Pads on the right up to `length` tokens (no-op when already that long).
    mutating func pad(to length: Int, id: Int32, typeId: Int32) {
        let missing = length - ids.count
        guard missing > 0 else { return }
        ids.append(contentsOf: repeatElement(id, count: missing))
        typeIds.append(contentsOf: repeatElement(typeId, count: missing))
        attentionMask.append(contentsOf: repeatElement(0, count: missing))
        specialTokensMask.append(contentsOf: repeatElement(1, count: missing))
        offsets.append(contentsOf: repeatElement(0..<0, count: missing))
        sequenceIds.append(contentsOf: repeatElement(nil, count: missing))
        wordIds.append(contentsOf: repeatElement(nil, count: missing))
    }
}
