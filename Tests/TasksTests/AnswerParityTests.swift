import JSON
import Tasks
import Testing

@Test(arguments: ["bert-qa", "electra-qa"])
func answersMatchThePipeline(model: String) async throws {
    let fixture = try #require(try TaskFixtures.expected("answer.json").elements().first { $0["model"]?.stringValue == model })
    let (tokenizer, runner) = try TaskFixtures.model("models/\(model)")
    let answerer = try QuestionAnswerer(tokenizer: tokenizer, runner: runner)
    let cases = try fixture.array("cases")
    #expect(cases.contains { $0["windows"]?.intValue ?? 0 > 1 }, "a case must need several windows")
    for item in cases {
        let question = try item.string("question"), context = try item.string("context")
        let pipelineOptions = try #require(item["options"])
        var options = AnswerOptions()
        options.topK = pipelineOptions["top_k"]?.intValue ?? 1
        options.maxSeqLength = try pipelineOptions.int("max_seq_len")
        options.docStride = pipelineOptions["doc_stride"]?.intValue
        options.maxAnswerLength = pipelineOptions["max_answer_len"]?.intValue ?? 15
        options.allowNoAnswer = pipelineOptions["handle_impossible_answer"]?.boolValue ?? false
        let answers = try await answerer.answer([Question(question, context: context)], options: options)[0]
        let expected = try item.array("answers")
        let label = "\(model): \(question) / \(context.prefix(12))"
        #expect(answers.map(\.text) == (try expected.map { try $0.string("text") }), "\(label)")
        #expect(answers.map { [$0.start, $0.end] } == (try expected.map { [try $0.int("start"), try $0.int("end")] }),
                "\(label)")
        for (answer, reference) in zip(answers, expected) {
            #expect(abs(answer.score - (try reference.float("score"))) <= scoreTolerance, "\(label)")
        }
    }
}

@Test func answersBatchLikeSingleQuestions() async throws {
    let (tokenizer, runner) = try TaskFixtures.model("models/bert-qa")
    let answerer = try QuestionAnswerer(tokenizer: tokenizer, runner: runner)
    var options = AnswerOptions()
    options.topK = 2
    options.maxSeqLength = 32
    options.docStride = 8
    let questions = [
        Question("谁住在上海？", context: "他叫李明，住在上海。他的朋友王芳住在北京，在一家 Google 公司工作，每天骑车上班。"),
        Question("What?", context: "The walking robot was unbelievable."),
    ]
    let together = try await answerer.answer(questions, options: options)
    for (index, question) in questions.enumerated() {
        let alone = try await answerer.answer([question], options: options)[0]
        #expect(together[index].map(\.text) == alone.map(\.text))
        for (a, b) in zip(together[index], alone) { #expect(abs(a.score - b.score) <= 1e-5) }
        // Answer text is exactly the context's bytes at the offsets.
        for answer in alone {
            #expect(answer.text == String(decoding: Array(question.context.utf8)[answer.start..<answer.end], as: UTF8.self))
        }
    }
}

@Test func longQuestionsAreRejectedNotCut() async throws {
    let (tokenizer, runner) = try TaskFixtures.model("models/bert-qa")
    let answerer = try QuestionAnswerer(tokenizer: tokenizer, runner: runner)
    var options = AnswerOptions()
    options.maxQuestionLength = 4
    await #expect(throws: TaskError.inputTooLong(tokens: 6, limit: 4)) {
        try await answerer.answer([Question("谁住在上海？", context: "他叫李明。")], options: options)
    }
    #expect(throws: TaskError.wrongHead(task: "question answering", head: .maskedLM)) {
        let (tokenizer, runner) = try TaskFixtures.model("models/bert-mlm")
        _ = try QuestionAnswerer(tokenizer: tokenizer, runner: runner)
    }
}
