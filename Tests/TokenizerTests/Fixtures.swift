import Foundation
import Testing
@testable import Tokenizer

/// Fixture files under Tests/Fixtures/tokenizer, and the two reference tokenizers built from them.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizer")

    /// bert-base-chinese and bert-base-uncased, both `do_lower_case`, keyed "zh" and "en".
    static let tokenizers: [String: BertTokenizer] = {
        var result: [String: BertTokenizer] = [:]
        for name in ["zh", "en"] {
            let url = directory.appendingPathComponent("vocab-\(name).txt")
            guard let vocabulary = try? Vocabulary.load(contentsOf: url),
                  let tokenizer = try? BertTokenizer(vocabulary: vocabulary) else { continue }
            result[name] = tokenizer
        }
        return result
    }()

    static func tokenizer(_ name: String) throws -> BertTokenizer {
        try #require(tokenizers[name], "cannot load vocab-\(name).txt from \(directory.path)")
    }

    /// The lines of a fixture file.
    static func lines(_ name: String) throws -> [Substring] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        let text = try #require(String(data: data, encoding: .utf8))
        return text.split(separator: "\n", omittingEmptySubsequences: true)
    }

    /// Each line of a JSON-lines fixture, parsed.
    static func jsonLines(_ name: String) throws -> [Any] {
        try lines(name).map { try JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) }
    }
}

/// What the fixtures record for one encoding, in the fixtures' units (code point offsets, -1 for none).
struct Observed: Equatable, CustomStringConvertible {
    var ids: [Int]
    var offsets: [Int]
    var words: [Int]
    var typeIds: [Int]? = nil
    var attention: [Int]? = nil
    var special: [Int]? = nil
    var sequences: [Int]? = nil

    /// Reads the fields a fixture row holds.
    init(row: [String: Any]) {
        ids = row["ids"] as? [Int] ?? []
        offsets = row["offsets"] as? [Int] ?? []
        words = row["words"] as? [Int] ?? []
        typeIds = row["typeIds"] as? [Int]
        attention = row["attention"] as? [Int]
        special = row["special"] as? [Int]
        sequences = row["sequences"] as? [Int]
    }

    /// Our encoding in the fixtures' units; offsets of sequence 1 are converted against `pair`.
    init(_ encoding: Encoding, text: String, pair: String?, full: Bool) {
        let converters = [OffsetConverter(text: text), OffsetConverter(text: pair ?? "")]
        ids = encoding.ids.map(Int.init)
        offsets = []
        for (index, range) in encoding.offsets.enumerated() {
            let converter = converters[encoding.sequenceIds[index] ?? 0]
            let converted = converter.convert(range, to: .utf32)
            offsets += [converted.lowerBound, converted.upperBound]
        }
        words = encoding.wordIds.map { $0 ?? -1 }
        if full {
            typeIds = encoding.typeIds.map(Int.init)
            attention = encoding.attentionMask.map(Int.init)
            special = encoding.specialTokensMask.map(Int.init)
            sequences = encoding.sequenceIds.map { $0 ?? -1 }
        }
    }

    var description: String {
        "ids \(ids)\noffsets \(offsets)\nwords \(words)"
            + (typeIds.map { "\ntypeIds \($0)" } ?? "") + (special.map { "\nspecial \($0)" } ?? "")
            + (sequences.map { "\nsequences \($0)" } ?? "") + (attention.map { "\nattention \($0)" } ?? "")
    }
}
