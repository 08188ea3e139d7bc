import Tokenizer

/// A text position as LSP counts it: a zero-based line and a character offset within that line, in the
/// negotiated encoding's units.
public struct TextPosition: Sendable, Hashable, Comparable {
    public var line: Int
    public var character: Int

    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }

    public static func < (lhs: TextPosition, rhs: TextPosition) -> Bool {
        (lhs.line, lhs.character) < (rhs.line, rhs.character)
    }
}

/// Converts between UTF-8 byte offsets of a document and LSP positions in any encoding.
///
/// Lines end at `\n`, `\r\n` or `\r`, as LSP defines. A position past the end of a line clamps to the
/// line's end; a line past the end of the document clamps to the document's end (LSP asks servers to be
/// lenient here).
public struct LineIndex: Sendable {
    /// The document's bytes.
    public let bytes: [UInt8]
    /// Byte offset where each line starts.
    private let lineStarts: [Int]

    /// Indexes `text`.
    public init(_ text: String) {
        bytes = Array(text.utf8)
        var starts = [0]
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A {
                starts.append(index + 1)
            } else if byte == 0x0D {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                starts.append(index + 1)
            }
            index += 1
        }
        lineStarts = starts
    }

    /// Number of lines (a trailing line break starts an empty last line).
    public var lineCount: Int { lineStarts.count }

    /// The byte offset of `position` (counted in `encoding` units).
    public func offset(of position: TextPosition, encoding: OffsetEncoding) -> Int {
        guard position.line >= 0 else { return 0 }
        guard position.line < lineStarts.count else { return bytes.count }
        let start = lineStarts[position.line]
        let end = contentEnd(ofLine: position.line)
        var offset = start
        var units = 0
        while offset < end, units < position.character {
            let width = Self.scalarWidth(bytes[offset])
            let unitWidth: Int
            switch encoding {
            case .utf8: unitWidth = width
            case .utf16: unitWidth = width == 4 ? 2 : 1
            case .utf32: unitWidth = 1
            }
            // A position inside a character (e.g. between surrogates) rounds down to its start.
            if units + unitWidth > position.character { break }
            units += unitWidth
            offset += width
        }
        return min(offset, end)
    }

    /// The position of byte `offset` in `encoding` units.
    public func position(of offset: Int, encoding: OffsetEncoding) -> TextPosition {
        let clamped = max(0, min(offset, bytes.count))
        // The last line starting at or before the offset.
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= clamped { low = middle } else { high = middle - 1 }
        }
        var character = 0
        var index = lineStarts[low]
        while index < clamped {
            let width = Self.scalarWidth(bytes[index])
            switch encoding {
            case .utf8: character += width
            case .utf16: character += width == 4 ? 2 : 1
            case .utf32: character += 1
            }
            index += width
        }
        return TextPosition(line: low, character: character)
    }

    /// Where a line's content ends (before its line break).
    private func contentEnd(ofLine line: Int) -> Int {
        var end = line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count
        if end > lineStarts[line], bytes[end - 1] == 0x0A { end -= 1 }
        if end > lineStarts[line], bytes[end - 1] == 0x0D { end -= 1 }
        return end
    }

    /// Bytes in the UTF-8 sequence that starts with `lead`.
    private static func scalarWidth(_ lead: UInt8) -> Int {
        switch lead {
        case 0..<0x80: 1
        case 0xC0..<0xE0: 2
        case 0xE0..<0xF0: 3
        case 0xF0...: 4
        default: 1
        }
    }
}
