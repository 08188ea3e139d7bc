import CUTF8Proc

/// The case and accent part of Hugging Face's `BertNormalizer`, applied one scalar at a time.
///
/// The reference runs clean-text and CJK spacing first (see `ScalarClass`), then, when stripping accents,
/// NFD followed by dropping nonspacing marks, then Rust's `char::to_lowercase`. This type answers the last
/// two steps for one scalar; NFD's reordering across scalars is done by the caller.
struct Normalizer: Sendable {
    /// Lowercase every scalar.
    let lowercase: Bool
    /// Decompose (NFD) and drop nonspacing marks.
    let stripAccents: Bool

    /// `mappedIndex[c]` is 0 when `c` maps to itself, else 1 + the index of its output in `outputs`.
    private let mappedIndex: [UInt32]
    /// Output scalars: a length followed by that many scalars, for each mapped scalar.
    private let outputs: [UInt32]

    init(lowercase: Bool, stripAccents: Bool) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        var index = [UInt32](repeating: 0, count: Int(ScalarClass.tableLimit))
        var outputs: [UInt32] = []
        if lowercase || stripAccents {
            var scratch: [UInt32] = []
            for c in 0..<ScalarClass.tableLimit where ScalarClass.of(c).contains(.mappable) {
                scratch.removeAll(keepingCapacity: true)
                Self.map(c, lowercase: lowercase, stripAccents: stripAccents, into: &scratch)
                if scratch.count == 1 && scratch[0] == c { continue }
                index[Int(c)] = UInt32(outputs.count + 1)
                outputs.append(UInt32(scratch.count))
                outputs.append(contentsOf: scratch)
            }
        }
        self.mappedIndex = index
        self.outputs = outputs
    }

    /// Appends what `c` becomes to `out`; returns false (appending nothing) when `c` maps to itself.
    @inline(__always)
    func map(_ c: UInt32, into out: inout [UInt32]) -> Bool {
        if c < ScalarClass.tableLimit {
            let slot = mappedIndex.withUnsafeBufferPointer { $0[Int(c)] }
            if slot == 0 { return false }
            outputs.withUnsafeBufferPointer { buffer in
                let start = Int(slot)
                let count = Int(buffer[start - 1])
                out.append(contentsOf: buffer[start..<(start + count)])
            }
            return true
        }
        let before = out.count
        Self.map(c, lowercase: lowercase, stripAccents: stripAccents, into: &out)
        if out.count == before + 1 && out[before] == c {
            out.removeLast()
            return false
        }
        return true
    }

    private static func map(_ c: UInt32, lowercase: Bool, stripAccents: Bool, into out: inout [UInt32]) {
        var decomposed: [UInt32] = [c]
        if stripAccents {
            decomposed = decompose(c).filter { !ScalarClass.of($0).contains(.nonspacingMark) }
        }
        for d in decomposed {
            if lowercase {
                out.append(contentsOf: lower(d))
            } else {
                out.append(d)
            }
        }
    }

    /// Canonical decomposition of one scalar (no reordering needed: a lone scalar's is already ordered).
    static func decompose(_ c: UInt32) -> [UInt32] {
        if let exception = ReferenceExceptions.decompositions[c] { return exception }
        var buffer = [Int32](repeating: 0, count: 8)
        var boundClass: Int32 = 0
        let options = utf8proc_option_t(rawValue: UTF8PROC_DECOMPOSE.rawValue)
        let count = buffer.withUnsafeMutableBufferPointer {
            utf8proc_decompose_char(Int32(c), $0.baseAddress, 8, options, &boundClass)
        }
        guard count > 0, count <= 8 else { return [c] }
        return buffer[0..<count].map { UInt32(bitPattern: $0) }
    }

    /// Rust `char::to_lowercase` of one scalar.
    static func lower(_ c: UInt32) -> [UInt32] {
        if let exception = ReferenceExceptions.lowercase[c] { return exception }
        return [UInt32(bitPattern: utf8proc_tolower(Int32(c)))]
    }
}
