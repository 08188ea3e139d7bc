import JSON
import Tasks
import Testing

@Test(arguments: ["bert-mlm", "electra-mlm"])
func fillMaskMatchesThePipeline(model: String) async throws {
    let fixture = try #require(try TaskFixtures.expected("fill_mask.json").elements().first { $0["model"]?.stringValue == model })
    let (tokenizer, runner) = try TaskFixtures.model("models/\(model)")
    let filler = try MaskFiller(tokenizer: tokenizer, runner: runner)
    for item in try fixture.array("cases") {
        let text = try item.string("text")
        var options = FillMaskOptions()
        options.targets = try item["targets"]?.arrayValue?.map { try #require($0.stringValue) }
        let result = try await filler.fill([text], options: options)[0]
        let expected = try item.array("masks")
        #expect(result.masks.count == expected.count, "\(text)")
        for (predictions, reference) in zip(result.masks, expected) {
            let reference = try reference.elements()
            #expect(predictions.map(\.tokenId) == (try reference.map { try $0.int("token") }), "\(model) \(text)")
            #expect(predictions.map(\.token) == (try reference.map { try $0.string("tokenString") }), "\(model) \(text)")
            for (p, r) in zip(predictions, reference) { #expect(abs(p.score - (try r.float("score"))) <= scoreTolerance) }
        }
        // The best joint filling takes each mask's top prediction.
        #expect(result.best.tokens == result.masks.map { $0[0].token } || options.targets != nil)
    }
}

@Test func fillMaskSequencesAreTheCallersText() async throws {
    let (tokenizer, runner) = try TaskFixtures.model("models/bert-mlm")
    let filler = try MaskFiller(tokenizer: tokenizer, runner: runner)
    let text = "我们去[MASK]京的 Tian[MASK]门。"
    let result = try await filler.fill([text])[0]
    #expect(result.masks.count == 2)
    for (index, predictions) in result.masks.enumerated() {
        for prediction in predictions {
            let piece = prediction.token.hasPrefix("##") ? String(prediction.token.dropFirst(2)) : prediction.token
            let parts = text.components(separatedBy: "[MASK]")
            let expected = index == 0 ? parts[0] + piece + parts[1] + "[MASK]" + parts[2]
                                      : parts[0] + "[MASK]" + parts[1] + piece + parts[2]
            #expect(prediction.sequence == expected)
        }
    }
    let parts = text.components(separatedBy: "[MASK]")
    let pieces = result.best.tokens.map { $0.hasPrefix("##") ? String($0.dropFirst(2)) : $0 }
    #expect(result.best.sequence == parts[0] + pieces[0] + parts[1] + pieces[1] + parts[2])
    #expect(abs(result.best.score - result.masks[0][0].score * result.masks[1][0].score) <= 1e-6)
    await #expect(throws: TaskError.noMaskToken) { try await filler.fill(["没有掩码。"]) }
}

@Test(arguments: ["bert-seq", "electra-seq"])
func classificationMatchesThePipeline(model: String) async throws {
    let fixture = try #require(try TaskFixtures.expected("classify.json")["classify"]?.elements().first {
        $0["model"]?.stringValue == model
    })
    let (tokenizer, runner) = try TaskFixtures.model("models/\(model)")
    let classifier = try SequenceClassifier(tokenizer: tokenizer, runner: runner)
    #expect(classifier.defaultFunction == (model == "electra-seq" ? .sigmoid : .softmax))
    let cases = try fixture.array("cases")
    let inputs = try cases.map { TextPair(try $0.string("text"), pair: $0["textPair"]?.stringValue) }
    var options = ClassifyOptions()
    options.topK = nil
    let results = try await classifier.classify(inputs, options: options)
    for (result, item) in zip(results, cases) {
        let expected = try item.array("scores")
        #expect(result.map(\.label) == (try expected.map { try $0.string("label") }))
        for (r, e) in zip(result, expected) { #expect(abs(r.score - (try e.float("score"))) <= scoreTolerance) }
    }
    let top = try await classifier.classify([inputs[0]])[0]
    #expect(top.count == 1 && top[0] == results[0][0])
}

@Test(arguments: ["bert-nsp", "bert-pretraining"])
func nextSentenceMatchesTransformers(model: String) async throws {
    let fixture = try #require(try TaskFixtures.expected("classify.json")["nextSentence"]?.elements().first {
        $0["model"]?.stringValue == model
    })
    let (tokenizer, runner) = try TaskFixtures.model("models/\(model)")
    let predictor = try NextSentencePredictor(tokenizer: tokenizer, runner: runner)
    let cases = try fixture.array("cases")
    let scores = try await predictor.isNext(try cases.map { TextPair(try $0.string("text"), pair: try $0.string("textPair")) })
    for (score, item) in zip(scores, cases) { #expect(abs(score - (try item.float("isNext"))) <= scoreTolerance) }
    await #expect(throws: TaskError.invalidOption("every input needs a textPair")) {
        try await predictor.isNext([TextPair("只有一句。")])
    }
}
