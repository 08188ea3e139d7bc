import ArgumentParser
import Foundation
import JSON

/// `annotate classify`: sequence classification, labels best first.
struct ClassifyCommand: MethodCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify texts (or text pairs) with a sequence classification model.",
        discussion: """
            Shows the labels best first, one per line with its score.

            Examples:
              annotate classify '这家餐厅的菜很好吃'
              annotate classify --top-k 1 --text-pair '他在上海。' '他在北京。'
            """)
    static let method = "annotate/classify"

    enum Function: String, CaseIterable, ExpressibleByArgument { case softmax, sigmoid, none }

    @Argument(help: "Texts to classify (default: the lines of --file or stdin).")
    var inputs: [String] = []

    @Option(help: ArgumentHelp("A second sequence paired with every text.", valueName: "TEXT"))
    var textPair: String?

    @Option(help: ArgumentHelp("Labels shown, best first (default: all).", valueName: "K"))
    var topK: Int?

    @Option(help: "Score function (default: from the model's problem_type).")
    var function: Function?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
    }

    func optionParams() throws -> JSONObject {
        var params: JSONObject = [:]
        if let textPair { params["textPair"] = .string(textPair) }
        if let topK { params["topK"] = JSON(topK) }
        if let function { params["function"] = .string(function.rawValue) }
        return params
    }

    func render(_ result: JSON, params: JSONObject, style: Style) -> String {
        let rows = (result["labels"]?.arrayValue ?? []).enumerated().map { rank, label -> [String] in
            let name = label["label"]?.stringValue ?? "?"
            let score = label["score"]?.doubleValue ?? 0
            return [rank == 0 ? style.bold(name) : name, String(format: "%.4f", score)]
        }
        return rows.isEmpty ? style.dim("(no labels)") : TerminalWidth.table(rows)
    }
}
