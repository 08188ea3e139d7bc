import Foundation

/// A character n-gram model that moves correction scores (`ngrams`, `ngram_weight` and `ngram_cap` in
/// `candidates.json`): a replacement gains `weight` x the change of the stupid-backoff log score of the
/// characters whose n-grams hold its position, clamped to ±`cap`. The model is small and sees each character in
/// context; the counts carry which character strings a few million characters of clean text hold.
///
/// File (written by Training/csc_ngrams.py): `BNGR`, UInt32 version 1, UInt32 order, Float64 backoff factor,
/// UInt64 characters counted, then per order 1...order a UInt32 n, n ascending UInt32 fingerprints
/// (`fingerprint`) and their n counts (UInt32 for single characters, UInt16 above); little-endian.
public struct CorrectionNgrams: Sendable, Equatable {
    /// Longest n-gram counted.
    public let order: Int
    /// Factor of each step down to a shorter history.
    let backoff: Double
    /// Characters counted (the denominator of a single character's score).
    let total: Double
    /// Per order (index 0: single characters), ascending fingerprints and their counts.
    let keys: [[UInt32]]
    let counts: [[UInt32]]
    /// Multiplies the change of log score.
    public var weight: Double
    /// Bound of the adjustment either way.
    public var cap: Double

    /// Marks framing a text, as the counted sentences were framed.
    static let textStart = Unicode.Scalar(UInt8(2)), textEnd = Unicode.Scalar(UInt8(3))

    /// A model of `counts` (n-gram -> count, n = 1...order) given directly.
    public init(counts grams: [String: Int], order: Int, backoff: Double = 0.4, weight: Double, cap: Double) {
        var tables = [[UInt32: UInt32]](repeating: [:], count: order)
        var total = 0
        for (gram, count) in grams {
            let scalars = Array(gram.unicodeScalars)
            guard (1...order).contains(scalars.count) else { continue }
            if scalars.count == 1 { total += count }
            let limit = scalars.count == 1 ? Int(UInt32.max) : Int(UInt16.max)
            let merged = Int(tables[scalars.count - 1][Self.fingerprint(scalars[...]), default: 0]) + count
            tables[scalars.count - 1][Self.fingerprint(scalars[...])] = UInt32(min(merged, limit))
        }
        let sorted = tables.map { $0.sorted { $0.key < $1.key } }
        self.init(order: order, backoff: backoff, total: Double(total), keys: sorted.map { $0.map(\.key) },
                  counts: sorted.map { $0.map(\.value) }, weight: weight, cap: cap)
    }

    init(order: Int, backoff: Double, total: Double, keys: [[UInt32]], counts: [[UInt32]], weight: Double,
         cap: Double) {
        self.order = order
        self.backoff = backoff
        self.total = total
        self.keys = keys
        self.counts = counts
        self.weight = weight
        self.cap = cap
    }

    /// Reads an n-gram file.
    /// - Throws: the read error, or `TaskError.invalidOption` for a file that is not one.
    public init(contentsOf url: URL, weight: Double, cap: Double) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        let name = url.lastPathComponent
        var at = 0
        func read(_ width: Int) throws -> UInt64 {
            guard at + width <= bytes.count else { throw TaskError.invalidOption("\(name): truncated n-gram file") }
            var value: UInt64 = 0
            for index in stride(from: at + width - 1, through: at, by: -1) { value = value << 8 | UInt64(bytes[index]) }
            at += width
            return value
        }
        guard bytes.starts(with: Array("BNGR".utf8)) else {
            throw TaskError.invalidOption("\(name): not an n-gram file")
        }
        at = 4
        let version = try read(4), order = Int(try read(4))
        guard version == 1 else { throw TaskError.invalidOption("\(name): n-gram file version \(version)") }
        guard (1...8).contains(order) else { throw TaskError.invalidOption("\(name): n-gram order \(order)") }
        let backoff = Double(bitPattern: try read(8)), total = Double(try read(8))
        guard backoff > 0, backoff < 1, total > 0 else {
            throw TaskError.invalidOption("\(name): backoff \(backoff) or total \(total) out of range")
        }
        // `entries` little-endian integers of `width` bytes from `at` on (the bounds checked by the caller).
        func integers(_ entries: Int, width: Int) -> [UInt32] {
            let start = at
            at += entries * width
            return (0..<entries).map { entry in
                let base = start + entry * width
                return (0..<width).reversed().reduce(0 as UInt32) { $0 << 8 | UInt32(bytes[base + $1]) }
            }
        }
        var keys: [[UInt32]] = [], counts: [[UInt32]] = []
        for n in 1...order {
            let entries = Int(try read(4)), width = n == 1 ? 4 : 2
            guard at + entries * (4 + width) <= bytes.count else {
                throw TaskError.invalidOption("\(name): truncated n-gram file")
            }
            keys.append(integers(entries, width: 4))
            counts.append(integers(entries, width: width))
            guard zip(keys[n - 1], keys[n - 1].dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw TaskError.invalidOption("\(name): \(n)-gram fingerprints not ascending")
            }
        }
        self.init(order: order, backoff: backoff, total: total, keys: keys, counts: counts, weight: weight, cap: cap)
    }

    /// 32-bit FNV-1a over the scalar values: the key stored in place of an n-gram.
    public static func fingerprint(_ gram: ArraySlice<Unicode.Scalar>) -> UInt32 {
        gram.reduce(0x811C_9DC5 as UInt32) { ($0 ^ $1.value) &* 0x0100_0193 }
    }

    /// How often `gram` was counted (0 when never, or when longer than the order).
    func count(_ gram: ArraySlice<Unicode.Scalar>) -> UInt32 {
        guard (1...order).contains(gram.count) else { return 0 }
        let table = keys[gram.count - 1], key = Self.fingerprint(gram)
        var low = 0, high = table.count
        while low < high {
            let middle = (low + high) / 2
            if table[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low < table.count && table[low] == key ? counts[gram.count - 1][low] : 0
    }

    /// Stupid-backoff log score of `framed[k]` after up to order-1 characters.
    func logScore(_ framed: [Unicode.Scalar], _ k: Int) -> Double {
        var penalty = 0.0
        for n in stride(from: order, through: 2, by: -1) where k - n + 1 >= 0 {
            let hit = count(framed[(k - n + 1)...k]), history = count(framed[(k - n + 1)..<k])
            if hit > 0, history > 0 { return penalty + log(Double(hit) / Double(history)) }
            penalty += log(backoff)
        }
        return penalty + log((Double(count(framed[k...k])) + 0.5) / total)
    }

    /// How much more likely the text reads with `replacement` at `position`: the summed change of the log
    /// scores of the characters whose n-grams hold the position.
    public func delta(_ scalars: [Unicode.Scalar], at position: Int, replacement: Unicode.Scalar) -> Double {
        // Only the framed window the sums read is built: order-1 characters either side of the position.
        let framedPosition = position + 1, framedCount = scalars.count + 2
        let first = max(0, framedPosition - order + 1), last = min(framedCount - 1, framedPosition + order - 1)
        let before = (first...last).map { $0 == 0 ? Self.textStart : $0 == framedCount - 1 ? Self.textEnd : scalars[$0 - 1] }
        var after = before
        after[framedPosition - first] = replacement
        var sum = 0.0
        for k in framedPosition...last {
            // In the window a history reaches back as far as in the framed text: to its start or order-1 back.
            sum += logScore(after, k - first) - logScore(before, k - first)
        }
        return sum
    }

    /// `weight` x `delta`, clamped to ±`cap`, as a score adjustment.
    public func adjustment(_ scalars: [Unicode.Scalar], at position: Int, replacement: Unicode.Scalar) -> Float {
        Float(max(-cap, min(cap, weight * delta(scalars, at: position, replacement: replacement))))
    }
}
