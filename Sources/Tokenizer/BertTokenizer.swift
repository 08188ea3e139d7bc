import Foundation

/// BERT's WordPiece tokenizer, identical to Hugging Face `BertTokenizerFast` (tokenizers 0.22.2).
///
/// A value type, cheap to copy and safe to share between tasks. Offsets are UTF-8 byte ranges into the
/// caller's original text; `OffsetConverter` turns them into UTF-16 or scalar offsets.
public struct BertTokenizer: Sendable {
    /// Options of `BertNormalizer` and the special tokens, as `tokenizer_config.json` spells them.
    public struct Options: Sendable, Hashable {
        /// Lowercase the text (`do_lower_case`).
        public var lowercase = true
        /// Decompose and drop accents; nil follows `lowercase` (`strip_accents`).
        public var stripAccents: Bool? = nil
        /// Put spaces around CJK ideographs (`tokenize_chinese_chars`).
        public var tokenizeChineseChars = true
        public var unknownToken = "[UNK]"
        public var separatorToken = "[SEP]"
        public var paddingToken = "[PAD]"
        public var classifierToken = "[CLS]"
        public var maskToken = "[MASK]"
        /// More tokens matched verbatim in raw text and never split.
        public var additionalSpecialTokens: [String] = []
        /// Longer words (in scalars, after normalization) become the unknown token.
        public var maxInputCharsPerWord = 100

        /// Defaults of `BertTokenizerFast`.
        public init() {}
    }

    /// The vocabulary ids refer to.
    public let vocabulary: Vocabulary
    /// The options this tokenizer was built with.
    public let options: Options
    /// Id of `[CLS]`, `[SEP]` and `[PAD]` (or their replacements).
    public let classifierId: Int32, separatorId: Int32, paddingId: Int32
    /// Id of the unknown token.
    public let unknownId: Int32
    /// Id of the mask token.
    public let maskId: Int32

    private let preTokenizer: PreTokenizer
    private let wordPiece: WordPiece
    private let addedTokens: AddedTokens

    /// A tokenizer over `vocabulary`.
    /// - Throws: `TokenizerError.missingToken` when a special token is not in the vocabulary.
    public init(vocabulary: Vocabulary, options: Options = Options()) throws {
        func id(_ token: String) throws -> Int32 {
            guard let id = vocabulary.id(for: token) else { throw TokenizerError.missingToken(token) }
            return id
        }
        self.vocabulary = vocabulary
        self.options = options
        classifierId = try id(options.classifierToken)
        separatorId = try id(options.separatorToken)
        paddingId = try id(options.paddingToken)
        unknownId = try id(options.unknownToken)
        maskId = try id(options.maskToken)
        let specials = [options.paddingToken, options.unknownToken, options.classifierToken, options.separatorToken,
                        options.maskToken] + options.additionalSpecialTokens
        addedTokens = AddedTokens(try specials.map { ($0, try id($0)) })
        let normalizer = Normalizer(lowercase: options.lowercase, stripAccents: options.stripAccents ?? options.lowercase)
        preTokenizer = PreTokenizer(normalizer: normalizer, handleChineseChars: options.tokenizeChineseChars)
        wordPiece = WordPiece(vocabulary: vocabulary, unknownId: unknownId, maxInputCharsPerWord: options.maxInputCharsPerWord)
    }

    /// Loads a model directory: `vocab.txt`, plus `tokenizer_config.json` and `special_tokens_map.json`
    /// when present.
    /// - Throws: `TokenizerError` when a file is unreadable, a special token is missing, or the
    ///   configuration asks for something not implemented (normalized or stripped added tokens).
    public static func load(directory: URL) throws -> BertTokenizer {
        let vocabulary = try Vocabulary.load(contentsOf: directory.appendingPathComponent("vocab.txt"))
        var options = Options()
        for name in ["special_tokens_map.json", "tokenizer_config.json"] {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            try TokenizerConfig.apply(url, to: &options)
        }
        let addedTokens = directory.appendingPathComponent("added_tokens.json")
        if FileManager.default.fileExists(atPath: addedTokens.path) {
            try TokenizerConfig.checkAddedTokens(addedTokens, options: options, vocabulary: vocabulary)
        }
        return try BertTokenizer(vocabulary: vocabulary, options: options)
    }

    // MARK: - Encoding

    /// Encodes `text` (and `pair`) without truncation or padding.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true) -> Encoding {
        let first = tokenize(text)
        let second = pair.map { tokenize($0) }
        return assemble(first, second, addSpecialTokens: addSpecialTokens)
    }

    /// Encodes `text` (and `pair`), truncated and padded; the overflowing windows are dropped.
    /// - Throws: `TokenizerError` when the truncation cannot be honoured.
    public func encode(
        _ text: String, pair: String? = nil, addSpecialTokens: Bool = true, truncation: Truncation?,
        padding: Padding?
    ) throws -> Encoding {
        try encodeWindows(text, pair: pair, addSpecialTokens: addSpecialTokens, truncation: truncation,
                          padding: padding, keepOverflow: false)[0]
    }

    /// Encodes `text` (and `pair`) into every window that truncation produces, in the reference's order
    /// (`return_overflowing_tokens=True`): the kept window first, then the overflowing ones.
    /// - Throws: `TokenizerError` when the truncation cannot be honoured.
    public func encodeWindows(
        _ text: String, pair: String? = nil, addSpecialTokens: Bool = true, truncation: Truncation,
        padding: Padding? = nil
    ) throws -> [Encoding] {
        try encodeWindows(text, pair: pair, addSpecialTokens: addSpecialTokens, truncation: truncation,
                          padding: padding, keepOverflow: true)
    }

    /// Number of special tokens the template adds.
    public func specialTokenCount(pair: Bool) -> Int { pair ? 3 : 2 }

    private func encodeWindows(
        _ text: String, pair: String?, addSpecialTokens: Bool, truncation: Truncation?, padding: Padding?,
        keepOverflow: Bool
    ) throws -> [Encoding] {
        let first = tokenize(text)
        let second = pair.map { tokenize($0) }
        var firstWindows = [first]
        var secondWindows = second.map { [$0] }
        if let truncation {
            let added = addSpecialTokens ? specialTokenCount(pair: second != nil) : 0
            guard truncation.maxLength >= added else {
                throw TokenizerError.invalidTruncation("max length \(truncation.maxLength) leaves no room for \(added) special tokens")
            }
            (firstWindows, secondWindows) = try truncate(
                first, second, maxLength: truncation.maxLength - added, strategy: truncation.strategy,
                stride: truncation.stride)
        }
        // The reference's `Encoding::merge_with`: overflowing parts of the first sequence with every part
        // of the second, then the kept first part with the overflowing parts of the second.
        var pairs: [(TokenRun, TokenRun?)] = []
        if let secondWindows {
            pairs.append((firstWindows[0], secondWindows[0]))
            for a in firstWindows.dropFirst() {
                pairs.append((a, secondWindows[0]))
                for b in secondWindows.dropFirst() { pairs.append((a, b)) }
            }
            for b in secondWindows.dropFirst() { pairs.append((firstWindows[0], b)) }
        } else {
            pairs = firstWindows.map { ($0, nil) }
        }
        if !keepOverflow { pairs = [pairs[0]] }
        return pairs.map { a, b in
            var encoding = assemble(a, b, addSpecialTokens: addSpecialTokens)
            if let padding { encoding.pad(to: padding.target(for: encoding.count), id: paddingId, typeId: 0) }
            return encoding
        }
    }

    /// Applies the template `[CLS] A [SEP] (B [SEP])`.
    private func assemble(_ first: TokenRun, _ second: TokenRun?, addSpecialTokens: Bool) -> Encoding {
        var encoding = Encoding(vocabulary: vocabulary)
        let capacity = first.count + (second?.count ?? 0) + 3
        encoding.ids.reserveCapacity(capacity)
        if addSpecialTokens { encoding.appendSpecial(classifierId, typeId: 0) }
        encoding.append(first, sequence: 0, typeId: 0)
        if addSpecialTokens { encoding.appendSpecial(separatorId, typeId: 0) }
        if let second {
            encoding.append(second, sequence: 1, typeId: 1)
            if addSpecialTokens { encoding.appendSpecial(separatorId, typeId: 1) }
        }
        return encoding
    }

    /// Tokens of one sequence: added tokens matched in the raw text, the rest normalized and split.
    func tokenize(_ text: String) -> TokenRun {
        var text = text
        var run = TokenRun()
        let estimate = text.utf8.count / 2 + 4
        run.ids.reserveCapacity(estimate)
        run.starts.reserveCapacity(estimate)
        run.ends.reserveCapacity(estimate)
        run.words.reserveCapacity(estimate)
        var scratch = PreTokenizer.Scratch()
        var word: Int32 = 0
        text.withUTF8 { bytes in
            var position = 0
            while position < bytes.count {
                let match = addedTokens.firstMatch(in: bytes, from: position, to: bytes.count)
                let segmentEnd = match?.range.lowerBound ?? bytes.count
                if segmentEnd > position {
                    preTokenizer.tokenize(bytes, range: position..<segmentEnd, wordPiece: wordPiece, word: &word,
                                          scratch: &scratch, into: &run)
                }
                guard let match else { break }
                run.append(id: match.id, start: Int32(match.range.lowerBound), end: Int32(match.range.upperBound), word: word)
                word += 1
                position = match.range.upperBound
            }
        }
        return run
    }
}
