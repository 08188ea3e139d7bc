import JSON
import Tasks
import Testing

/// One pipeline run recorded by scripts/make_task_fixtures.py.
private struct LabelCase {
    let model: String
    let text: String
    let aggregation: Aggregation
    let entities: [Entity]
    /// The pipeline's `index` per entity with aggregation none (0 = first real token).
    let indexes: [Int]
}

private func labelCases() throws -> [LabelCase] {
    var cases: [LabelCase] = []
    for model in try TaskFixtures.expected("label.json").elements() {
        for item in try model.array("cases") {
            let aggregation = try #require(Aggregation(rawValue: try item.string("aggregation")))
            let text = try item.string("text")
            let entities = try item.array("entities")
            cases.append(LabelCase(
                model: try model.string("model"), text: text, aggregation: aggregation,
                entities: try entities.map {
                    let start = try $0.int("start"), end = try $0.int("end")
                    return Entity(start: start, end: end, text: String(decoding: Array(text.utf8)[start..<end], as: UTF8.self),
                                  label: try $0.string("label"), score: try $0.float("score"))
                },
                indexes: aggregation == .none ? try entities.map { try $0.int("index") } : []))
        }
    }
    return cases
}

private func labels(_ model: String, _ text: String, _ aggregation: Aggregation) async throws -> Labeling {
    let (tokenizer, runner) = try TaskFixtures.model(model)
    var options = LabelingOptions()
    options.aggregation = aggregation
    return try await TokenLabeler(tokenizer: tokenizer, runner: runner).label([text], options: options)[0]
}

private func expectSame(_ actual: [Entity], _ expected: [Entity], _ context: String) {
    #expect(actual.map { [$0.start, $0.end] } == expected.map { [$0.start, $0.end] }, "\(context): spans")
    #expect(actual.map(\.label) == expected.map(\.label), "\(context): labels")
    #expect(actual.map(\.text) == expected.map(\.text), "\(context): texts")
    for (a, e) in zip(actual, expected) { #expect(abs(a.score - e.score) <= scoreTolerance, "\(context): \(a) vs \(e)") }
}

@Test(arguments: ["tasks/ner-bio", "models/electra-token"])
func labelingMatchesThePipelineOnBIO(model: String) async throws {
    let cases = try labelCases().filter { $0.model == model }
    #expect(cases.count == 20)
    #expect(cases.contains { !$0.entities.isEmpty && $0.aggregation == .first })
    for item in cases {
        let result = try await labels(model, item.text, item.aggregation)
        expectSame(result.entities, item.entities, "\(model) \(item.aggregation) \(item.text)")
        if item.aggregation == .none {
            #expect(result.tokens?.map(\.index) == item.indexes)
        } else {
            #expect(result.tokens == nil)
        }
    }
}

/// With BIOES tags the pipeline reads E-PER and S-PER as unrelated plain labels: B-PER E-PER becomes two
/// entities and S-PER S-PER one. bertd reads the scheme: B-PER E-PER is one entity, S-PER S-PER two.
/// Everything else (O, B-PER I-PER runs) is the same.
@Test func bioesDiffersFromThePipelineWhereItShould() async throws {
    let text = "今天天气很好，我们去北京的天安门广场散步。"
    let cases = try labelCases().filter { $0.model == "tasks/ner-bioes" && $0.text == text }
    let none = try #require(cases.first { $0.aggregation == .none })
    let pipeline = try #require(cases.first { $0.aggregation == .simple }).entities
    // Tokens: 场 B-PER, 散 E-PER (adjacent): the pipeline splits them, bertd joins them.
    #expect(none.entities.map(\.label).suffix(2) == ["B-PER", "E-PER"])
    #expect(pipeline.suffix(2).map(\.text) == ["场", "散"])
    let result = try await labels("tasks/ner-bioes", text, .simple).entities
    let joined = try #require(result.last)
    #expect(joined.text == "场散" && joined.label == "PER")
    let expectedScore = (none.entities[none.entities.count - 2].score + none.entities[none.entities.count - 1].score) / 2
    #expect(abs(joined.score - expectedScore) <= scoreTolerance)
    // All other entities agree.
    expectSame(Array(result.dropLast()), Array(pipeline.dropLast(2)), "ner-bioes simple")
    // The token labels themselves are the pipeline's.
    expectSame(try await labels("tasks/ner-bioes", text, .none).entities, none.entities, "ner-bioes none")
}

@Test func singleTagsAreSeparateEntities() async throws {
    // "walking" is w ##alk ##ing; the fixture tags ##alk and ##ing S-PER: two entities for bertd, one
    // ("##alking") for the pipeline.
    let text = "Apple 公司在2024年发布了新手机 unbelievable walking"
    let cases = try labelCases().filter { $0.model == "tasks/ner-bioes" && $0.text == text }
    let pipeline = try #require(cases.first { $0.aggregation == .simple }).entities
    #expect(pipeline.last?.text == "alking")
    let result = try await labels("tasks/ner-bioes", text, .simple).entities
    #expect(result.suffix(2).map(\.text) == ["alk", "ing"])
    expectSame(Array(result.dropLast(2)), Array(pipeline.dropLast()), "ner-bioes simple")
}
