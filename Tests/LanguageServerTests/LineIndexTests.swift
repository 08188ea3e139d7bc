import Testing
import Tokenizer
@testable import LanguageServer

@Suite struct LineIndexTests {
    @Test func positionsRoundTripInEveryEncoding() {
        let text = "a😀b\r\n中文\rx\n\nlast"
        let index = LineIndex(text)
        #expect(index.lineCount == 5)
        let bytes = Array(text.utf8)
        for encoding in [OffsetEncoding.utf8, .utf16, .utf32] {
            var offset = 0
            while offset <= bytes.count {
                // Only offsets at scalar starts that are not inside a CRLF pair round-trip.
                let atScalarStart = offset == bytes.count || bytes[offset] & 0xC0 != 0x80
                let insideCRLF = offset > 0 && offset < bytes.count && bytes[offset - 1] == 0x0D && bytes[offset] == 0x0A
                if atScalarStart && !insideCRLF {
                    let position = index.position(of: offset, encoding: encoding)
                    #expect(index.offset(of: position, encoding: encoding) == offset, "offset \(offset) \(encoding)")
                }
                offset += 1
            }
        }
    }

    @Test func utf16CountsSurrogatePairsAsTwo() {
        let index = LineIndex("😀中")
        #expect(index.position(of: 4, encoding: .utf16) == TextPosition(line: 0, character: 2))
        #expect(index.position(of: 4, encoding: .utf32) == TextPosition(line: 0, character: 1))
        #expect(index.position(of: 4, encoding: .utf8) == TextPosition(line: 0, character: 4))
        // Between the two surrogates rounds down to the emoji's start.
        #expect(index.offset(of: TextPosition(line: 0, character: 1), encoding: .utf16) == 0)
    }

    @Test func outOfRangePositionsClamp() {
        let index = LineIndex("ab\ncd")
        #expect(index.offset(of: TextPosition(line: 0, character: 99), encoding: .utf16) == 2)
        #expect(index.offset(of: TextPosition(line: 7, character: 0), encoding: .utf16) == 5)
    }

    @Test func sentencesSplitAtTerminatorsAndLineBreaks() {
        let text = "他们在公园里玩。“你好！”他说。\nEnglish only.\r\n最后一句"
        let bytes = Array(text.utf8)
        let sentences = SentenceSplitter.sentences(in: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
        #expect(sentences == ["他们在公园里玩。", "“你好！”", "他说。", "最后一句"])
    }
}
