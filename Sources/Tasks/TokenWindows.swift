/// How a text's tokens are cut into windows the model can take, and which window each token's output is
/// read from.
///
/// `strided` overlaps consecutive windows so that every token is read from a window where it has context on
/// both sides (the window where it is most central); `sentences` packs whole sentences without overlap.
public struct TokenWindows: Sendable, Equatable {
    /// Token index ranges, in order; never empty (an empty text has one empty window).
    public let ranges: [Range<Int>]
    /// For each token, the index of the window whose output it takes.
    public let owner: [Int]

    /// Windows of at most `capacity` tokens, consecutive ones sharing `stride` tokens; the last window ends
    /// at the last token (it is moved back rather than left short, so it keeps its full left context).
    public static func strided(count: Int, capacity: Int, stride: Int) throws(TaskError) -> TokenWindows {
        guard capacity > 0 else { throw .invalidOption("windows must hold at least one token") }
        guard stride >= 0, stride < capacity else {
            throw .invalidOption("stride \(stride) must be in 0..<\(capacity), the tokens a window holds")
        }
        guard count > capacity else { return TokenWindows(ranges: [0..<count], owner: Array(repeating: 0, count: count)) }
        var ranges: [Range<Int>] = []
        var start = 0
        while true {
            let clamped = min(start, count - capacity)
            ranges.append(clamped..<(clamped + capacity))
            if clamped + capacity >= count { break }
            start += capacity - stride
        }
        // A token's context is its distance to the nearer edge of the window; the first window wins ties.
        var owner = [Int](repeating: 0, count: count)
        var window = 0
        for token in 0..<count {
            var best = -1
            var bestMargin = -1
            for candidate in window..<ranges.count where ranges[candidate].contains(token) {
                let range = ranges[candidate]
                let margin = min(token - range.lowerBound, range.upperBound - 1 - token)
                if margin > bestMargin {
                    best = candidate
                    bestMargin = margin
                }
            }
            owner[token] = best
            // Windows are ordered, so no later token belongs to a window before this one's first candidate.
            while !ranges[window].contains(token) { window += 1 }
        }
        return TokenWindows(ranges: ranges, owner: owner)
    }

    /// Sentences (consecutive token ranges covering all tokens) packed greedily into windows of at most
    /// `capacity` tokens; a sentence longer than a window is cut into window-sized pieces.
    static func sentences(_ sentences: [Range<Int>], capacity: Int) throws(TaskError) -> TokenWindows {
        guard capacity > 0 else { throw .invalidOption("windows must hold at least one token") }
        var ranges: [Range<Int>] = []
        var current: Range<Int>? = nil
        func close() {
            if let open = current { ranges.append(open) }
            current = nil
        }
        for sentence in sentences where !sentence.isEmpty {
            if let open = current, open.count + sentence.count <= capacity {
                current = open.lowerBound..<sentence.upperBound
                continue
            }
            close()
            var start = sentence.lowerBound
            while sentence.upperBound - start > capacity {
                ranges.append(start..<(start + capacity))
                start += capacity
            }
            current = start..<sentence.upperBound
        }
        close()
        if ranges.isEmpty { ranges = [0..<0] }
        var owner: [Int] = []
        for (index, range) in ranges.enumerated() { owner += repeatElement(index, count: range.count) }
        return TokenWindows(ranges: ranges, owner: owner)
    }
}
