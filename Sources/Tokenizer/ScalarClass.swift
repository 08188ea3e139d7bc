import CUTF8Proc

/// Per-scalar properties the BERT normalizer and pre-tokenizer test, as the reference sees them.
///
/// Matches `BertNormalizer` and `BertPreTokenizer` of Hugging Face `tokenizers` 0.22.2: utf8proc answers,
/// bent by `ReferenceExceptions` where the reference's Unicode tables differ.
struct ScalarClass: OptionSet, Sendable {
    let rawValue: UInt8

    /// Dropped by clean-text: NUL, U+FFFD, and control/format/private-use/surrogate except tab, LF, CR.
    static let removed = ScalarClass(rawValue: 1 << 0)
    /// Turned into a space by clean-text (tab, LF, CR and White_Space characters that are not removed).
    static let cleanedToSpace = ScalarClass(rawValue: 1 << 1)
    /// A CJK ideograph that the normalizer surrounds with spaces.
    static let chinese = ScalarClass(rawValue: 1 << 2)
    /// Isolated by the pre-tokenizer.
    static let punctuation = ScalarClass(rawValue: 1 << 3)
    /// Splits words in the pre-tokenizer (Rust `char::is_whitespace`).
    static let whitespace = ScalarClass(rawValue: 1 << 4)
    /// Dropped by strip-accents after decomposition (the reference's Mn).
    static let nonspacingMark = ScalarClass(rawValue: 1 << 5)
    /// Lowercasing, decomposition or accent stripping may change it.
    static let mappable = ScalarClass(rawValue: 1 << 6)
    /// Canonical combining class is not zero, so NFD may reorder it.
    static let reorderable = ScalarClass(rawValue: 1 << 7)

    /// Scalars below this bound are answered from a table built once.
    static let tableLimit: UInt32 = 0x40000

    private static let table: [ScalarClass] = (0..<tableLimit).map { compute($0) }

    /// The class of `scalar`.
    @inline(__always)
    static func of(_ scalar: UInt32) -> ScalarClass {
        scalar < tableLimit ? table.withUnsafeBufferPointer { $0[Int(scalar)] } : compute(scalar)
    }

    /// The reference's `is_chinese_char` ranges (note the gap 0x2B820...0x2B91F).
    static func isChinese(_ c: UInt32) -> Bool {
        switch c {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Rust `char::is_whitespace`: the Unicode White_Space property.
    static func isWhiteSpace(_ c: UInt32) -> Bool {
        switch c {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    static func compute(_ c: UInt32) -> ScalarClass {
        guard c <= 0x10FFFF, !(0xD800...0xDFFF).contains(c) else { return [.removed] }
        let category = utf8proc_category(Int32(c))
        var result: ScalarClass = []
        let isControlLike: Bool
        switch category {
        case UTF8PROC_CATEGORY_CC, UTF8PROC_CATEGORY_CO, UTF8PROC_CATEGORY_CS:
            isControlLike = true
        case UTF8PROC_CATEGORY_CF:
            isControlLike = !contains(ReferenceExceptions.keptFormatCharacters, c)
        default:
            isControlLike = false
        }
        let isCleanSpace = c == 0x09 || c == 0x0A || c == 0x0D
        if c == 0 || c == 0xFFFD || (isControlLike && !isCleanSpace) {
            result.insert(.removed)
        } else if isWhiteSpace(c) {
            result.insert(.cleanedToSpace)
        }
        if isChinese(c) { result.insert(.chinese) }
        if isWhiteSpace(c) { result.insert(.whitespace) }
        var punctuation = (33...47).contains(c) || (58...64).contains(c) || (91...96).contains(c)
            || (123...126).contains(c)
        switch category {
        case UTF8PROC_CATEGORY_PC, UTF8PROC_CATEGORY_PD, UTF8PROC_CATEGORY_PS, UTF8PROC_CATEGORY_PE,
             UTF8PROC_CATEGORY_PI, UTF8PROC_CATEGORY_PF, UTF8PROC_CATEGORY_PO:
            punctuation = true
        default:
            break
        }
        if contains(ReferenceExceptions.punctuationFlips, c) { punctuation.toggle() }
        if punctuation { result.insert(.punctuation) }
        var mark = category == UTF8PROC_CATEGORY_MN
        if contains(ReferenceExceptions.nonspacingMarkFlips, c) { mark.toggle() }
        if mark { result.insert([.nonspacingMark, .mappable]) }
        if let property = utf8proc_get_property(Int32(c)) {
            if property.pointee.combining_class != 0 { result.insert(.reorderable) }
            if property.pointee.decomp_seqindex != UInt16.max || utf8proc_tolower(Int32(c)) != Int32(c) {
                result.insert(.mappable)
            }
        }
        if (0xAC00...0xD7A3).contains(c) || ReferenceExceptions.lowercase[c] != nil
            || ReferenceExceptions.decompositions[c] != nil {
            result.insert(.mappable)
        }
        return result
    }

    /// Canonical combining class, for NFD's reordering.
    static func combiningClass(_ c: UInt32) -> Int16 {
        utf8proc_get_property(Int32(c))?.pointee.combining_class ?? 0
    }

    private static func contains(_ ranges: [ClosedRange<UInt32>], _ c: UInt32) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < c {
                low = mid + 1
            } else if ranges[mid].lowerBound > c {
                high = mid
            } else {
                return true
            }
        }
        return false
    }
}
