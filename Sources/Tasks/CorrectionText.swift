/// A text being corrected: its scalars after forced corrections, which of them the model may change, and
/// where each came from in the caller's text.
///
/// Model edits replace one scalar by one scalar, so positions stay fixed through all rounds; only forced
/// corrections (applied once, first) change lengths, and their scalars are frozen.
struct CorrectionText: Sendable {
    /// The current text, scalar by scalar.
    var scalars: [Unicode.Scalar]
    /// Per scalar: its UTF-8 byte range in the caller's text, nil for scalars a forced correction wrote.
    let origins: [Range<Int>?]
    /// Per scalar: whether the model must leave it alone (forced corrections, ignored words).
    let frozen: [Bool]
    /// The forced corrections applied, as edits of the caller's text.
    let forcedEdits: [Edit]

    /// Applies `forced` (leftmost, longest match first, non-overlapping) and freezes `ignore` words.
    init(_ text: String, forced: [String: String], ignore: [String]) {
        let original = Array(text.unicodeScalars)
        var byteStarts: [Int] = []
        var offset = 0
        for scalar in original {
            byteStarts.append(offset)
            offset += UTF8.width(scalar)
        }
        byteStarts.append(offset)

        let patterns = forced.filter { !$0.key.isEmpty }
            .map { (from: Array($0.key.unicodeScalars), to: Array($0.value.unicodeScalars), key: $0.key, value: $0.value) }
            .sorted { $0.from.count > $1.from.count || ($0.from.count == $1.from.count && $0.key < $1.key) }
        var scalars: [Unicode.Scalar] = []
        var origins: [Range<Int>?] = []
        var frozen: [Bool] = []
        var edits: [Edit] = []
        var index = 0
        while index < original.count {
            if let match = patterns.first(where: { original[index...].starts(with: $0.from) }) {
                let range = byteStarts[index]..<byteStarts[index + match.from.count]
                edits.append(Edit(start: range.lowerBound, end: range.upperBound, original: match.key,
                                  replacement: match.value, score: 1, kind: .forced))
                scalars += match.to
                origins += repeatElement(nil, count: match.to.count)
                frozen += repeatElement(true, count: match.to.count)
                index += match.from.count
            } else {
                scalars.append(original[index])
                origins.append(byteStarts[index]..<byteStarts[index + 1])
                frozen.append(false)
                index += 1
            }
        }
        for word in ignore.map({ Array($0.unicodeScalars) }) where !word.isEmpty && word.count <= scalars.count {
            for start in 0...(scalars.count - word.count) where scalars[start..<(start + word.count)].elementsEqual(word) {
                for position in start..<(start + word.count) { frozen[position] = true }
            }
        }
        self.scalars = scalars
        self.origins = origins
        self.frozen = frozen
        self.forcedEdits = edits
    }

    /// The current text.
    var string: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// For each UTF-8 byte offset of the current text, the index of the scalar it falls in (one past the end
    /// maps to `scalars.count`).
    func scalarIndexByByte() -> [Int] {
        var table: [Int] = []
        for (index, scalar) in scalars.enumerated() { table += repeatElement(index, count: UTF8.width(scalar)) }
        table.append(scalars.count)
        return table
    }
}
