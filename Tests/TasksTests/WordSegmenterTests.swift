import Testing
@testable import Tasks

@Suite struct WordSegmenterTests {
    private func token(_ text: String, _ start: Int, _ end: Int, _ label: String, _ score: Float = 1) -> LabeledToken {
        LabeledToken(index: 0, token: text, start: start, end: end, label: label, score: score)
    }

    @Test func startsWordsAtBAndKeepsPiecesAndLatinWordsWhole() {
        // "他来到北京 hello2024" — 他|来到|北京|hello2024
        let text = "他来到北京 hello2024"
        let tokens = [
            token("他", 0, 3, "B-W"), token("来", 3, 6, "B-W", 0.5), token("到", 6, 9, "I-W"),
            token("北", 9, 12, "B-W"), token("京", 12, 15, "I-W"),
            token("hello", 16, 21, "B-W"), token("##202", 21, 24, "B-W"), token("##4", 24, 25, "B-W"),
        ]
        let words = WordSegmenter.words(tokens: tokens, text: text)
        #expect(words.map(\.text) == ["他", "来到", "北京", "hello2024"])
        #expect(words[1].score == 0.75)
        #expect(words[3].start == 16 && words[3].end == 25)
    }

    @Test func whitespaceEndsAWordEvenWhenLabeledInside() {
        let words = WordSegmenter.words(tokens: [token("中", 0, 3, "B-W"), token("国", 4, 7, "I-W")], text: "中 国")
        #expect(words.map(\.text) == ["中", "国"])
    }

    @Test func bmesLabelsWork() {
        let text = "我爱北京天安门"
        let labels = ["S", "S", "B", "E", "B", "M", "E"]
        let tokens = labels.enumerated().map { index, label in
            token(String(Array(text)[index]), index * 3, index * 3 + 3, label)
        }
        #expect(WordSegmenter.words(tokens: tokens, text: text).map(\.text) == ["我", "爱", "北京", "天安门"])
    }
}
