/// Which sequence loses tokens when an input is too long (the reference's `TruncationStrategy`).
public enum TruncationStrategy: String, Sendable, Hashable {
    /// Trim the longer sequence first (both end up about half the budget when both are long).
    case longestFirst = "longest_first"
    /// Trim only the first sequence.
    case onlyFirst = "only_first"
    /// Trim only the second sequence (question answering: keep the question, window the context).
    case onlySecond = "only_second"
}

/// How to cut inputs to a maximum length, and the overlap between consecutive windows.
public struct Truncation: Sendable, Hashable {
    /// Maximum number of tokens, special tokens included.
    public var maxLength: Int
    /// Which sequence to trim.
    public var strategy: TruncationStrategy
    /// Tokens repeated from the end of one window at the start of the next.
    public var stride: Int

    /// A truncation to `maxLength` tokens.
    public init(maxLength: Int, strategy: TruncationStrategy = .longestFirst, stride: Int = 0) {
        self.maxLength = maxLength
        self.strategy = strategy
        self.stride = stride
    }
}

/// Right padding to a fixed length and/or up to a multiple (the reference's `PaddingParams`).
public struct Padding: Sendable, Hashable {
    /// Pad to this many tokens; nil pads only to the multiple.
    public var length: Int?
    /// Round the padded length up to a multiple of this.
    public var multipleOf: Int?

    /// A padding rule.
    public init(length: Int? = nil, multipleOf: Int? = nil) {
        self.length = length
        self.multipleOf = multipleOf
    }

    /// Target length for an encoding of `count` tokens.
    func target(for count: Int) -> Int {
        var size = length ?? count
        if let multiple = multipleOf, multiple > 0, size % multiple != 0 { size += multiple - size % multiple }
        return size
    }
}

extension TokenRun {
    /// Splits into windows of at most `maxLength` tokens, consecutive windows sharing `stride` tokens,
    /// as the reference's `Encoding::truncate` (direction right). The first window is the kept part.
    func windows(maxLength: Int, stride: Int) throws(TokenizerError) -> [TokenRun] {
        if maxLength >= count { return [self] }
        if maxLength == 0 { return [TokenRun(), self] }
        guard stride < maxLength else { throw .invalidTruncation("stride \(stride) must be less than \(maxLength), the length left for the sequence") }
        var windows: [TokenRun] = []
        var start = 0
        while true {
            let stop = Swift.min(start + maxLength, count)
            windows.append(slice(start..<stop))
            if stop == count { break }
            start += maxLength - stride
        }
        return windows
    }
}

/// Truncates one sequence or a pair to `maxLength` tokens (specials excluded), as the reference's
/// `truncate_encodings`; returns the windows of each sequence, the kept window first.
func truncate(_ first: TokenRun, _ second: TokenRun?, maxLength: Int, strategy: TruncationStrategy, stride: Int)
    throws(TokenizerError) -> (first: [TokenRun], second: [TokenRun]?)
{
    if maxLength == 0 {
        return (try first.windows(maxLength: 0, stride: stride), try second?.windows(maxLength: 0, stride: stride))
    }
    let total = first.count + (second?.count ?? 0)
    guard total > maxLength else { return ([first], second.map { [$0] }) }
    let excess = total - maxLength
    switch strategy {
    case .longestFirst:
        guard let second else { return (try first.windows(maxLength: maxLength, stride: stride), nil) }
        var short = min(first.count, second.count)
        var long = max(first.count, second.count)
        long = short > maxLength ? short : max(short, maxLength - short)
        if short + long > maxLength {
            short = maxLength / 2
            long = short + maxLength % 2
        }
        let swapped = first.count > second.count
        let firstLength = swapped ? long : short
        let secondLength = swapped ? short : long
        return (try first.windows(maxLength: firstLength, stride: stride),
                try second.windows(maxLength: secondLength, stride: stride))
    case .onlyFirst:
        guard first.count > excess else { throw .sequenceTooShort }
        return (try first.windows(maxLength: first.count - excess, stride: stride), second.map { [$0] })
    case .onlySecond:
        guard let second else { throw .secondSequenceNotProvided }
        guard second.count > excess else { throw .sequenceTooShort }
        return ([first], try second.windows(maxLength: second.count - excess, stride: stride))
    }
}
