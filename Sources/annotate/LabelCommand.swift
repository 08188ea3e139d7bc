import ArgumentParser
import Foundation
import JSON

/// `annotate label`: named entities (token classification), shown inline as `[张三]PER`.
struct LabelCommand: MethodCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label entities (NER) with a token classification model.",
        discussion: """
            Entities are shown inline, each followed by its label: [张三]PER在[北京]LOC工作 (the text is \
            otherwise unchanged; on a terminal labels are coloured by type). With \
            --aggregation none every labeled token is shown instead.

            Examples:
              annotate label '张三在北京工作'
              annotate label --decoding viterbi --min-score 0.5 --file news.txt
              annotate label --json 'Angela Merkel visited Paris' | jq '.entities[].label'
            """)
    static let method = "annotate/label"

    enum Aggregation: String, CaseIterable, ExpressibleByArgument { case none, simple, first, average, max }
    enum Decoding: String, CaseIterable, ExpressibleByArgument { case argmax, viterbi, strict }

    @Argument(help: "Texts to label (default: the lines of --file or stdin).")
    var inputs: [String] = []

    @Option(help: "How word pieces become entities (daemon default: simple).")
    var aggregation: Aggregation?

    @Option(help: "argmax: each token's best label; viterbi: the best sequence the tag scheme allows; strict: argmax, orphan and unclosed tags dropped (daemon default for BIOES models).")
    var decoding: Decoding?

    @Option(help: ArgumentHelp("Drop entities scored below this (0...1).", valueName: "SCORE"))
    var minScore: Double?

    @Option(name: .customLong("ignore-label"), help: ArgumentHelp(
        "A label never reported; repeat for several (daemon default: O).", valueName: "LABEL"))
    var ignoreLabels: [String] = []

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let minScore, !(0...1).contains(minScore) { throw ValidationError("--min-score must be between 0 and 1") }
    }

    func optionParams() throws -> JSONObject {
        var params: JSONObject = [:]
        if let aggregation { params["aggregation"] = .string(aggregation.rawValue) }
        if let decoding { params["decoding"] = .string(decoding.rawValue) }
        if let minScore { params["minScore"] = .double(minScore) }
        if !ignoreLabels.isEmpty { params["ignoreLabels"] = .array(ignoreLabels.map { .string($0) }) }
        return params
    }

    func render(_ result: JSON, params: JSONObject, style: Style) -> String {
        let text = ScalarText(params["text"]?.stringValue ?? "")
        // With aggregation none the daemon reports tokens; otherwise entities.
        let tokens = result["tokens"]?.arrayValue ?? []
        let marked = (result["entities"]?.arrayValue ?? []).isEmpty && !tokens.isEmpty ? tokens : (result["entities"]?.arrayValue ?? [])
        let spans = marked.compactMap { item -> Span? in
            guard let start = item["start"]?.intValue, let end = item["end"]?.intValue,
                  let label = item["label"]?.stringValue, label != "O"
            else { return nil }
            return Span(start: start, end: end) { covered in
                style.label("[\(style.bold(covered))]", as: label) + style.label(label, as: label)
            }
        }
        return text.rendering(spans)
    }
}
