import Foundation
import Testing
@testable import Tokenizer

/// Focused checks of behaviour the parity corpus covers only in bulk.
@Suite struct TokenizerTests {
    let zh: BertTokenizer
    let en: BertTokenizer

    init() throws {
        zh = try Fixtures.tokenizer("zh")
        en = try Fixtures.tokenizer("en")
    }

    /// Original text of each token (empty for added specials).
    func pieces(_ text: String, _ encoding: Encoding) -> [String] {
        let bytes = Array(text.utf8)
        return encoding.offsets.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test func vocabularySizes() {
        #expect(zh.vocabulary.count == 21128)
        #expect(en.vocabulary.count == 30522)
        #expect(en.vocabulary.id(for: "[MASK]") == 103)
    }

    @Test func maskInTextIsMatchedBeforeLowercasing() {
        let encoding = en.encode("x[MASK]y [mask]")
        #expect(encoding.tokens == ["[CLS]", "x", "[MASK]", "y", "[", "mask", "]", "[SEP]"])
        #expect(encoding.wordIds == [nil, 0, 1, 2, 3, 4, 5, nil])
        // In-text specials are real tokens of the sequence, not template tokens.
        #expect(encoding.specialTokensMask == [1, 0, 0, 0, 0, 0, 0, 1])
    }

    @Test func accentsAreStrippedAndOffsetsCoverTheOriginal() {
        let text = "Café e\u{301}te\u{301} İstanbul"
        let encoding = en.encode(text, addSpecialTokens: false)
        #expect(encoding.tokens == ["cafe", "et", "##e", "istanbul"])
        // A stripped mark inside a piece stays in its span; one at the edge does not.
        #expect(pieces(text, encoding) == ["Café", "e\u{301}t", "e", "İstanbul"])
        #expect(encoding.wordIds == [0, 1, 1, 2])
    }

    @Test func controlCharactersAreDroppedInsideWords() {
        let text = "b\u{0}c\u{200B}d"
        let encoding = en.encode(text, addSpecialTokens: false)
        #expect(encoding.tokens == ["bc", "##d"])
        #expect(encoding.offsets == [0..<3, 6..<7])
    }

    @Test func chineseCharactersAreWordsOfTheirOwn() {
        let text = "中文English混合"
        let encoding = zh.encode(text, addSpecialTokens: false)
        #expect(encoding.tokens == ["中", "文", "english", "混", "合"])
        #expect(encoding.wordIds == [0, 1, 2, 3, 4])
        #expect(pieces(text, encoding) == ["中", "文", "English", "混", "合"])
    }

    @Test func extensionEBoundary() {
        // U+2B81F is a CJK ideograph to the reference, U+2B820 is not: the latter joins its neighbours.
        let encoding = zh.encode("a\u{2B81F}b a\u{2B820}b", addSpecialTokens: false)
        #expect(encoding.tokens == ["a", "[UNK]", "b", "[UNK]"])
        #expect(encoding.wordIds == [0, 1, 2, 3])
    }

    @Test func longWordsBecomeUnknown() {
        let hundred = String(repeating: "a", count: 100)
        #expect(en.encode(hundred, addSpecialTokens: false).tokens.contains("[UNK]") == false)
        let long = en.encode(hundred + "a" + " ok", addSpecialTokens: false)
        #expect(long.tokens == ["[UNK]", "ok"])
        #expect(long.offsets == [0..<101, 102..<104])
    }

    @Test func offsetsInAllEncodings() {
        let text = "a😀b中"
        let encoding = zh.encode(text, addSpecialTokens: false)
        let converter = OffsetConverter(text: text)
        #expect(encoding.tokens == ["[UNK]", "中"])
        #expect(encoding.offsets == [0..<6, 6..<9])
        #expect(encoding.offsets.map { converter.convert($0, to: .utf16) } == [0..<4, 4..<5])
        #expect(encoding.offsets.map { converter.convert($0, to: .utf32) } == [0..<3, 3..<4])
    }

    @Test func pairsCarryTypeAndSequenceIds() {
        let encoding = en.encode("hello", pair: "world !")
        #expect(encoding.tokens == ["[CLS]", "hello", "[SEP]", "world", "!", "[SEP]"])
        #expect(encoding.typeIds == [0, 0, 0, 1, 1, 1])
        #expect(encoding.sequenceIds == [nil, 0, nil, 1, 1, nil])
        #expect(encoding.offsets[3] == 0..<5)
    }

    @Test func truncationAndPadding() throws {
        let encoding = try en.encode("one two three four five", pair: "six", truncation: Truncation(maxLength: 6),
                                     padding: Padding(length: 8))
        #expect(encoding.tokens == ["[CLS]", "one", "two", "[SEP]", "six", "[SEP]", "[PAD]", "[PAD]"])
        #expect(encoding.attentionMask == [1, 1, 1, 1, 1, 1, 0, 0])
        #expect(throws: TokenizerError.secondSequenceNotProvided) {
            try en.encode("a b c", truncation: Truncation(maxLength: 3, strategy: .onlySecond), padding: nil)
        }
    }

    @Test func windowsOverlapByTheStride() throws {
        let windows = try en.encodeWindows("q", pair: "a b c d e f g", truncation: Truncation(maxLength: 8, strategy: .onlySecond, stride: 2))
        #expect(windows.map { $0.tokens } == [
            ["[CLS]", "q", "[SEP]", "a", "b", "c", "d", "[SEP]"],
            ["[CLS]", "q", "[SEP]", "c", "d", "e", "f", "[SEP]"],
            ["[CLS]", "q", "[SEP]", "e", "f", "g", "[SEP]"],
        ])
        #expect(throws: TokenizerError.self) {
            try en.encodeWindows("a b c d", truncation: Truncation(maxLength: 4, stride: 2))
        }
    }

    @Test func loadsADirectoryWithConfig() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bertd-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(contentsOf: Fixtures.directory.appendingPathComponent("vocab-en.txt"))
            .write(to: directory.appendingPathComponent("vocab.txt"))
        try Data(#"{"do_lower_case": false}"#.utf8).write(to: directory.appendingPathComponent("tokenizer_config.json"))
        let cased = try BertTokenizer.load(directory: directory)
        #expect(cased.options.lowercase == false)
        #expect(cased.encode("Hello", addSpecialTokens: false).tokens == ["[UNK]"])
    }
}
