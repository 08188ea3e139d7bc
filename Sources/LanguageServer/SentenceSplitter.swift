/// Splits a document into sentences (UTF-8 byte ranges) so that only changed sentences are re-checked.
///
/// A sentence ends after `。！？!?；;…` (with any closing quotes or brackets that follow) or at a line
/// break. Ranges cover the whole document except line breaks, in order.
public enum SentenceSplitter {
    /// Sentence ranges of `bytes`, skipping those without a CJK ideograph when `cjkOnly`.
    public static func sentences(in bytes: [UInt8], cjkOnly: Bool = true) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var index = 0
        func close(_ end: Int) {
            if end > start, !cjkOnly || containsIdeograph(bytes[start..<end]) { ranges.append(start..<end) }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                close(index)
                index += 1
                start = index
                continue
            }
            let (scalar, width) = decode(bytes, at: index)
            index += width
            if terminators.contains(scalar) {
                // Keep closing quotes and brackets with the sentence they end.
                while index < bytes.count {
                    let (next, nextWidth) = decode(bytes, at: index)
                    guard closers.contains(next) || terminators.contains(next) else { break }
                    index += nextWidth
                }
                close(index)
                start = index
            }
        }
        close(bytes.count)
        return ranges
    }

    static let terminators: Set<UInt32> = [0x3002, 0xFF01, 0xFF1F, 0x21, 0x3F, 0xFF1B, 0x3B, 0x2026]
    static let closers: Set<UInt32> = [0x201D, 0x2019, 0x300D, 0x300F, 0xFF09, 0x29, 0x22, 0x27, 0x3011, 0x300B]

    /// The scalar at `index` and its width in bytes (invalid bytes count as one U+FFFD).
    static func decode(_ bytes: [UInt8], at index: Int) -> (UInt32, Int) {
        let lead = bytes[index]
        let width: Int
        var value: UInt32
        switch lead {
        case 0..<0x80: return (UInt32(lead), 1)
        case 0xC0..<0xE0: width = 2; value = UInt32(lead & 0x1F)
        case 0xE0..<0xF0: width = 3; value = UInt32(lead & 0x0F)
        case 0xF0..<0xF8: width = 4; value = UInt32(lead & 0x07)
        default: return (0xFFFD, 1)
        }
        guard index + width <= bytes.count else { return (0xFFFD, 1) }
        for offset in 1..<width { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
        return (value, width)
    }

    static func containsIdeograph(_ bytes: ArraySlice<UInt8>) -> Bool {
        let array = Array(bytes)
        var index = 0
        while index < array.count {
            let (scalar, width) = decode(array, at: index)
            if isIdeograph(scalar) { return true }
            index += width
        }
        return false
    }

    /// CJK Unified Ideographs and their extensions, and the compatibility ideographs.
    static func isIdeograph(_ scalar: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(scalar) || (0x3400...0x4DBF).contains(scalar)
            || (0x20000...0x2FA1F).contains(scalar) || (0xF900...0xFAFF).contains(scalar)
    }
}
