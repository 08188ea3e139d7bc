/// A text addressed by Unicode scalar offsets, as bertd reports them for `"encoding": "utf-32"`.
///
/// Offsets come from the daemon, so every access is bounds-checked: a bad span yields nil, never a trap.
struct ScalarText {
    let scalars: [Unicode.Scalar]

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    var count: Int { scalars.count }

    /// The text in `start..<end`, or nil when the span is not inside the text.
    func slice(_ start: Int, _ end: Int) -> String? {
        guard start >= 0, start <= end, end <= scalars.count else { return nil }
        return Self.string(scalars[start..<end])
    }

    /// The text in `start..<end` clamped to the text.
    func clampedSlice(_ start: Int, _ end: Int) -> String {
        let lower = min(max(start, 0), scalars.count)
        let upper = min(max(end, lower), scalars.count)
        return Self.string(scalars[lower..<upper])
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}

/// A span of a text with something to show for it (an entity, an edit, an answer).
struct Span {
    var start: Int
    var end: Int
    /// How the span is drawn; it receives the covered text.
    var draw: (String) -> String
}

extension ScalarText {
    /// The text with each span drawn in place. Spans are taken in order of `start`; one that overlaps an
    /// earlier one or falls outside the text is left out (offsets come from the daemon and are not
    /// trusted to be well-formed).
    func rendering(_ spans: [Span], plain: (String) -> String = { $0 }) -> String {
        var out = ""
        var cursor = 0
        for span in spans.sorted(by: { $0.start < $1.start }) {
            guard span.start >= cursor, let covered = slice(span.start, span.end) else { continue }
            out += plain(clampedSlice(cursor, span.start))
            out += span.draw(covered)
            cursor = span.end
        }
        out += plain(clampedSlice(cursor, count))
        return out
    }
}

/// Columns for terminal tables: East Asian wide characters take two cells.
enum TerminalWidth {
    /// The number of terminal cells `text` occupies (approximate East Asian Width: W and F ranges);
    /// ANSI colour sequences take none, so styled cells line up too.
    static func of(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                width += cells(scalar)
            }
        }
        return width
    }

    static func cells(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value == 0 || scalar.properties.generalCategory == .nonspacingMark { return 0 }
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// `text` padded with spaces on the right to `width` cells.
    static func pad(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - of(text)))
    }

    /// Rows laid out in columns two spaces apart (the last column is not padded).
    static func table(_ rows: [[String]], indent: String = "") -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], of(cell)) }
        }
        return rows.map { row in
            indent + row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : pad(cell, to: widths[index])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
