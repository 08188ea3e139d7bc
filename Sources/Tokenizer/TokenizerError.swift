/// Why a tokenizer could not be loaded or an input could not be encoded.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file is missing, unreadable or not valid UTF-8 / JSON.
    case unreadableFile(String)
    /// A special token (named) is not in the vocabulary.
    case missingToken(String)
    /// A configuration feature bertd does not implement (named), refused rather than approximated.
    case unsupported(String)
    /// Truncation parameters that cannot be honoured (the message says why).
    case invalidTruncation(String)
    /// The sequence to truncate is too short to respect the maximum length.
    case sequenceTooShort
    /// `only_second` truncation without a second sequence.
    case secondSequenceNotProvided

    public var description: String {
        switch self {
        case .unreadableFile(let path): "cannot read \(path)"
        case .missingToken(let token): "special token \(token) is not in the vocabulary"
        case .unsupported(let what): "unsupported tokenizer configuration: \(what)"
        case .invalidTruncation(let why): "invalid truncation: \(why)"
        case .sequenceTooShort: "the sequence to truncate is too short to respect the maximum length"
        case .secondSequenceNotProvided: "truncation only_second needs a second sequence"
        }
    }
}
