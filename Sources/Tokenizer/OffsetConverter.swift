/// The units an offset counts: UTF-8 bytes, UTF-16 code units, or Unicode scalars (code points).
public enum OffsetEncoding: Sendable, Hashable {
    case utf8, utf16, utf32
}

/// Converts UTF-8 byte offsets of one text into UTF-16 or scalar offsets; built once per text.
public struct OffsetConverter: Sendable {
    /// For each byte offset 0...count, the UTF-16 offset (mid-scalar bytes map to their scalar's start).
    private let utf16: [Int32]
    /// For each byte offset 0...count, the scalar offset.
    private let utf32: [Int32]

    /// Builds the tables for `text`.
    public init(text: String) {
        var utf16: [Int32] = []
        var utf32: [Int32] = []
        let byteCount = text.utf8.count
        utf16.reserveCapacity(byteCount + 1)
        utf32.reserveCapacity(byteCount + 1)
        var units: Int32 = 0
        var scalars: Int32 = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            for _ in 0..<width {
                utf16.append(units)
                utf32.append(scalars)
            }
            units += Int32(UTF16.width(scalar))
            scalars += 1
        }
        utf16.append(units)
        utf32.append(scalars)
        self.utf16 = utf16
        self.utf32 = utf32
    }

    /// `offset` (a UTF-8 byte offset) in `encoding`; offsets beyond the text clamp to its end.
    public func convert(_ offset: Int, to encoding: OffsetEncoding) -> Int {
        let index = max(0, min(offset, utf16.count - 1))
        switch encoding {
        case .utf8: return max(0, min(offset, utf16.count - 1))
        case .utf16: return Int(utf16[index])
        case .utf32: return Int(utf32[index])
        }
    }

    /// `range` (UTF-8 byte offsets) in `encoding`.
    public func convert(_ range: Range<Int>, to encoding: OffsetEncoding) -> Range<Int> {
        convert(range.lowerBound, to: encoding)..<convert(range.upperBound, to: encoding)
    }
}
