/// Normalizes a span of raw text and splits it into words, as `BertNormalizer` then `BertPreTokenizer`.
///
/// Both steps run in one pass over the UTF-8 bytes. Every normalized scalar remembers the byte span of
/// the original scalar it came from (like the reference's `NormalizedString` alignments), so each token
/// maps back to the caller's text. Words go straight to WordPiece.
struct PreTokenizer: Sendable {
    let normalizer: Normalizer
    let handleChineseChars: Bool

    /// What an ASCII byte does: drop it, end a word, stand alone (punctuation), or join a word (as the value).
    private enum AsciiAction: Sendable, Equatable {
        case drop, space, punctuation, letter(UInt8)
    }

    private let ascii: [AsciiAction]

    init(normalizer: Normalizer, handleChineseChars: Bool) {
        self.normalizer = normalizer
        self.handleChineseChars = handleChineseChars
        ascii = (0..<128).map { (byte: UInt32) -> AsciiAction in
            let scalarClass = ScalarClass.of(byte)
            if scalarClass.contains(.removed) { return .drop }
            if scalarClass.contains(.cleanedToSpace) || scalarClass.contains(.whitespace) { return .space }
            if scalarClass.contains(.punctuation) { return .punctuation }
            let lowered = normalizer.lowercase && (65...90).contains(byte) ? byte + 32 : byte
            return .letter(UInt8(lowered))
        }
    }

    /// Reusable buffers for one sequence.
    struct Scratch {
        var scalars: [UInt32] = []
        var scalarStarts: [Int32] = []
        var scalarEnds: [Int32] = []
        var bytes: [UInt8] = []
        var byteStarts: [Int32] = []
        var byteEnds: [Int32] = []
        var mapped: [UInt32] = []
    }

    /// Tokenizes `text[range]`, numbering words from `word` on.
    func tokenize(
        _ text: UnsafeBufferPointer<UInt8>, range: Range<Int>, wordPiece: WordPiece, word: inout Int32,
        scratch: inout Scratch, into run: inout TokenRun
    ) {
        var index = range.lowerBound
        let end = range.upperBound
        while index < end {
            let lead = text[index]
            if lead < 0x80 {
                switch ascii[Int(lead)] {
                case .drop:
                    break
                case .space:
                    finishWord(&scratch, wordPiece, &word, &run)
                case .punctuation:
                    finishWord(&scratch, wordPiece, &word, &run)
                    appendScalar(UInt32(lead), Int32(index), Int32(index + 1), &scratch, reorder: false)
                    finishWord(&scratch, wordPiece, &word, &run)
                case .letter(let byte):
                    appendScalar(UInt32(byte), Int32(index), Int32(index + 1), &scratch, reorder: false)
                }
                index += 1
                continue
            }
            let (scalar, length) = Self.decode(text, at: index, lead: lead)
            let start = Int32(index)
            let stop = Int32(index + length)
            index += length
            let scalarClass = ScalarClass.of(scalar)
            if scalarClass.contains(.removed) { continue }
            if scalarClass.contains(.cleanedToSpace) {
                finishWord(&scratch, wordPiece, &word, &run)
                continue
            }
            let isolated = handleChineseChars && scalarClass.contains(.chinese)
            if isolated { finishWord(&scratch, wordPiece, &word, &run) }
            if scalarClass.contains(.mappable) {
                scratch.mapped.removeAll(keepingCapacity: true)
                if normalizer.map(scalar, into: &scratch.mapped) {
                    for index in scratch.mapped.indices {
                        let output = scratch.mapped[index]
                        split(output, ScalarClass.of(output), start, stop, &scratch, wordPiece, &word, &run)
                    }
                } else {
                    split(scalar, scalarClass, start, stop, &scratch, wordPiece, &word, &run)
                }
            } else {
                split(scalar, scalarClass, start, stop, &scratch, wordPiece, &word, &run)
            }
            if isolated { finishWord(&scratch, wordPiece, &word, &run) }
        }
        finishWord(&scratch, wordPiece, &word, &run)
    }

    /// The pre-tokenizer's decision for one normalized scalar.
    @inline(__always)
    private func split(
        _ scalar: UInt32, _ scalarClass: ScalarClass, _ start: Int32, _ end: Int32, _ scratch: inout Scratch,
        _ wordPiece: WordPiece, _ word: inout Int32, _ run: inout TokenRun
    ) {
        if scalarClass.contains(.whitespace) {
            finishWord(&scratch, wordPiece, &word, &run)
        } else if scalarClass.contains(.punctuation) {
            finishWord(&scratch, wordPiece, &word, &run)
            appendScalar(scalar, start, end, &scratch, reorder: false)
            finishWord(&scratch, wordPiece, &word, &run)
        } else {
            let reorder = normalizer.stripAccents && scalarClass.contains(.reorderable)
            appendScalar(scalar, start, end, &scratch, reorder: reorder)
        }
    }

    @inline(__always)
    private func appendScalar(_ scalar: UInt32, _ start: Int32, _ end: Int32, _ scratch: inout Scratch, reorder: Bool) {
        scratch.scalars.append(scalar)
        scratch.scalarStarts.append(start)
        scratch.scalarEnds.append(end)
        if reorder { Self.canonicalOrder(&scratch) }
    }

    /// NFD's canonical ordering: moves the last scalar before preceding marks of a higher combining class.
    private static func canonicalOrder(_ scratch: inout Scratch) {
        var position = scratch.scalars.count - 1
        let combiningClass = ScalarClass.combiningClass(scratch.scalars[position])
        while position > 0 {
            let previous = ScalarClass.combiningClass(scratch.scalars[position - 1])
            guard previous > combiningClass else { break }
            scratch.scalars.swapAt(position, position - 1)
            scratch.scalarStarts.swapAt(position, position - 1)
            scratch.scalarEnds.swapAt(position, position - 1)
            position -= 1
        }
    }

    /// Encodes the pending word to UTF-8 and hands it to WordPiece.
    private func finishWord(_ scratch: inout Scratch, _ wordPiece: WordPiece, _ word: inout Int32, _ run: inout TokenRun) {
        if scratch.scalars.isEmpty { return }
        scratch.bytes.removeAll(keepingCapacity: true)
        scratch.byteStarts.removeAll(keepingCapacity: true)
        scratch.byteEnds.removeAll(keepingCapacity: true)
        for index in scratch.scalars.indices {
            let scalar = scratch.scalars[index]
            let before = scratch.bytes.count
            Self.encode(scalar, into: &scratch.bytes)
            for _ in before..<scratch.bytes.count {
                scratch.byteStarts.append(scratch.scalarStarts[index])
                scratch.byteEnds.append(scratch.scalarEnds[index])
            }
        }
        let scalarCount = scratch.scalars.count
        scratch.bytes.withUnsafeBufferPointer { bytes in
            scratch.byteStarts.withUnsafeBufferPointer { starts in
                scratch.byteEnds.withUnsafeBufferPointer { ends in
                    wordPiece.tokenize(bytes, starts: starts, ends: ends, scalarCount: scalarCount, word: word, into: &run)
                }
            }
        }
        word += 1
        scratch.scalars.removeAll(keepingCapacity: true)
        scratch.scalarStarts.removeAll(keepingCapacity: true)
        scratch.scalarEnds.removeAll(keepingCapacity: true)
    }

    /// Decodes the scalar at `index` of valid UTF-8 (Swift strings are always valid).
    @inline(__always)
    static func decode(_ text: UnsafeBufferPointer<UInt8>, at index: Int, lead: UInt8) -> (UInt32, Int) {
        if lead < 0xE0 {
            return (UInt32(lead & 0x1F) << 6 | UInt32(text[index + 1] & 0x3F), 2)
        }
        if lead < 0xF0 {
            return (UInt32(lead & 0x0F) << 12 | UInt32(text[index + 1] & 0x3F) << 6 | UInt32(text[index + 2] & 0x3F), 3)
        }
        let value = UInt32(lead & 0x07) << 18 | UInt32(text[index + 1] & 0x3F) << 12
            | UInt32(text[index + 2] & 0x3F) << 6 | UInt32(text[index + 3] & 0x3F)
        return (value, 4)
    }

    @inline(__always)
    static func encode(_ scalar: UInt32, into bytes: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | scalar >> 6))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | scalar >> 12))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | scalar >> 18))
            bytes.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
