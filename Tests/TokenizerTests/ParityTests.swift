import Foundation
import Testing
@testable import Tokenizer

/// Parity with Hugging Face `BertTokenizerFast` on the committed corpus (scripts/make_tokenizer_fixtures.py).
@Suite struct ParityTests {
    @Test(arguments: ["zh", "en"])
    func corpus(vocab: String) throws {
        let tokenizer = try Fixtures.tokenizer(vocab)
        let corpus = try Fixtures.jsonLines("corpus.jsonl").compactMap { $0 as? String }
        let expected = try Fixtures.jsonLines("expected-\(vocab).jsonl").compactMap { $0 as? [String: Any] }
        #expect(corpus.count >= 2000)
        try #require(corpus.count == expected.count)
        var mismatches: [String] = []
        for (text, row) in zip(corpus, expected) {
            let want = Observed(row: row)
            let got = Observed(tokenizer.encode(text), text: text, pair: nil, full: false)
            if got != want {
                mismatches.append("text \(text.debugDescription)\nwant \(want)\ngot  \(got)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(corpus.count) lines differ; first:\n\(mismatches.prefix(3).joined(separator: "\n\n"))")
    }

    @Test func pairsTruncationPaddingAndWindows() throws {
        let cases = try Fixtures.jsonLines("cases.jsonl").compactMap { $0 as? [String: Any] }
        #expect(cases.count > 100)
        var mismatches: [String] = []
        for record in cases {
            let tokenizer = try Fixtures.tokenizer(try #require(record["vocab"] as? String))
            let text = try #require(record["text"] as? String)
            let pair = record["pair"] as? String
            let special = record["special"] as? Bool ?? true
            var truncation: Truncation?
            if let name = record["strategy"] as? String, let maxLength = record["maxLength"] as? Int {
                let strategy = try #require(TruncationStrategy(rawValue: name))
                truncation = Truncation(maxLength: maxLength, strategy: strategy, stride: record["stride"] as? Int ?? 0)
            }
            var padding: Padding?
            if record["padding"] as? Int != nil || record["multiple"] as? Int != nil {
                padding = Padding(length: record["padding"] as? Int, multipleOf: record["multiple"] as? Int)
            }
            let label = "\(record["vocab"] ?? "") \(truncation.map { "\($0)" } ?? "no truncation") \(text.prefix(30).debugDescription)"
            let result: [Encoding]
            do {
                if let truncation {
                    result = try tokenizer.encodeWindows(text, pair: pair, addSpecialTokens: special,
                                                         truncation: truncation, padding: padding)
                } else {
                    result = [try tokenizer.encode(text, pair: pair, addSpecialTokens: special, truncation: nil, padding: padding)]
                }
            } catch {
                if record["error"] == nil { mismatches.append("\(label): unexpected error \(error)") }
                continue
            }
            if record["error"] != nil {
                mismatches.append("\(label): the reference refuses, we returned \(result.count) rows")
                continue
            }
            let rows = try #require(record["rows"] as? [[String: Any]])
            if rows.count != result.count {
                mismatches.append("\(label): \(rows.count) rows expected, got \(result.count)")
                continue
            }
            for (row, encoding) in zip(rows, result) {
                let want = Observed(row: row)
                let got = Observed(encoding, text: text, pair: pair, full: true)
                if got != want { mismatches.append("\(label)\nwant \(want)\ngot  \(got)") }
                if let tokens = row["tokens"] as? [String], tokens != encoding.tokens {
                    mismatches.append("\(label): tokens \(encoding.tokens) != \(tokens)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) cases differ; first:\n\(mismatches.prefix(3).joined(separator: "\n\n"))")
    }
}
