import Foundation
import Testing
@testable import Tokenizer

/// Every code point classified and mapped as the reference does (Tests/Fixtures/tokenizer/unicode.txt,
/// written by scripts/make_tokenizer_tables.py from `tokenizers` itself).
@Suite struct UnicodeTableTests {
    @Test func everyCodePoint() throws {
        var classes: [(ClosedRange<UInt32>, Substring)] = []
        var mappings: [Substring: [UInt32: [UInt32]]] = ["M": [:], "L": [:], "S": [:]]
        for line in try Fixtures.lines("unicode.txt") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            if let tag = fields.first, mappings[tag] != nil {
                let values = fields.dropFirst().compactMap { UInt32($0, radix: 16) }
                mappings[tag]?[values[0]] = Array(values.dropFirst())
            } else if fields.count == 3, let low = UInt32(fields[0], radix: 16), let high = UInt32(fields[1], radix: 16) {
                classes.append((low...high, fields[2]))
            }
        }
        #expect(classes.count > 100)
        #expect(mappings["M"]?.count ?? 0 > 10_000)
        let full = Normalizer(lowercase: true, stripAccents: true)
        let lowerOnly = Normalizer(lowercase: true, stripAccents: false)
        let stripOnly = Normalizer(lowercase: false, stripAccents: true)
        var failures: [String] = []
        var checked = 0
        var scratch: [UInt32] = []
        func mapped(_ normalizer: Normalizer, _ c: UInt32) -> [UInt32] {
            scratch.removeAll()
            return normalizer.map(c, into: &scratch) ? scratch : [c]
        }
        func hex(_ values: [UInt32]) -> String { values.map { String($0, radix: 16) }.joined(separator: " ") }
        for (range, kind) in classes {
            let normalizerClass = kind.first
            let splitClass = kind.last
            for c in range {
                checked += 1
                let scalarClass = ScalarClass.of(c)
                let removed = scalarClass.contains(.removed)
                let ourKind: Character = removed ? "R" : scalarClass.contains(.cleanedToSpace) ? "W"
                    : scalarClass.contains(.chinese) ? "C" : "K"
                let ourSplit: Character = scalarClass.contains(.whitespace) ? "s"
                    : scalarClass.contains(.punctuation) ? "p" : "w"
                if ourKind != normalizerClass || ourSplit != splitClass {
                    failures.append("U+\(hex([c])) class \(ourKind)\(ourSplit), expected \(kind)")
                }
                var checks: [(Substring, Normalizer)] = [("L", lowerOnly), ("S", stripOnly)]
                if !removed && ourKind != "W" { checks.append(("M", full)) }
                for (tag, normalizer) in checks {
                    let want = mappings[tag]?[c] ?? [c]
                    let got = mapped(normalizer, c)
                    if got != want { failures.append("U+\(hex([c])) \(tag) maps to \(hex(got)), expected \(hex(want))") }
                }
            }
        }
        #expect(checked == 0x110000 - 0x800)
        #expect(failures.isEmpty, "\(failures.count) code points differ; first: \(failures.prefix(10))")
    }

    @Test func chineseRangeBoundaries() {
        let inside: [UInt32] = [0x4E00, 0x9FFF, 0x3400, 0x4DBF, 0x20000, 0x2A6DF, 0x2A700, 0x2B73F, 0x2B740, 0x2B81F,
                                0x2B920, 0x2CEAF, 0xF900, 0xFAFF, 0x2F800, 0x2FA1F]
        let outside: [UInt32] = [0x4DFF, 0x4DC0, 0xA000, 0x33FF, 0x1FFFF, 0x2A6E0, 0x2A6FF, 0x2B820, 0x2B91F, 0x2CEB0,
                                 0xF8FF, 0xFB00, 0x2F7FF, 0x2FA20, 0x30000]
        for c in inside { #expect(ScalarClass.of(c).contains(.chinese), "U+\(String(c, radix: 16))") }
        for c in outside { #expect(!ScalarClass.of(c).contains(.chinese), "U+\(String(c, radix: 16))") }
    }
}
