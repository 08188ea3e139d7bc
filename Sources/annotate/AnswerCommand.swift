import ArgumentParser
import Foundation
import JSON

/// `annotate answer`: extractive question answering, the answer highlighted in its context.
struct AnswerCommand: MethodCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Answer a question from a context (extractive QA).",
        discussion: """
            Each answer is shown with its score and the context around it, the answer [highlighted]. In \
            --jsonl mode a plain line is a context and --question applies to every line; a JSON line may \
            carry its own "question".

            Examples:
              annotate answer --question '谁在北京工作？' '张三在北京工作。'
              annotate answer --question 'Where does he work?' --top-k 3 --file article.txt
            """)
    static let method = "annotate/answer"
    static let inputMember = "context"

    @Argument(help: "Contexts to search (default: the lines of --file or stdin).")
    var inputs: [String] = []

    @Option(help: ArgumentHelp("The question (required unless every --jsonl line has one).", valueName: "Q"))
    var question: String?

    @Option(help: ArgumentHelp("Answers per context (daemon default: 1).", valueName: "K"))
    var topK: Int?

    @Option(help: ArgumentHelp("Longest answer in tokens (daemon default: 15).", valueName: "N"))
    var maxAnswerLength: Int?

    @Flag(help: "Allow the empty answer when the context holds none.")
    var allowNoAnswer = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if let maxAnswerLength, maxAnswerLength < 1 { throw ValidationError("--max-answer-length must be at least 1") }
        if let question, question.isEmpty { throw ValidationError("--question must not be empty") }
    }

    func validateSingle() throws {
        if question == nil { throw CLIError.usage("missing --question (only --jsonl lines may carry their own)") }
    }

    func optionParams() throws -> JSONObject {
        var params: JSONObject = [:]
        if let question { params["question"] = .string(question) }
        if let topK { params["topK"] = JSON(topK) }
        if let maxAnswerLength { params["maxAnswerLength"] = JSON(maxAnswerLength) }
        if allowNoAnswer { params["allowNoAnswer"] = true }
        return params
    }

    /// Characters of context shown on each side of an answer.
    static let contextRadius = 30

    func render(_ result: JSON, params: JSONObject, style: Style) -> String {
        let context = ScalarText(params["context"]?.stringValue ?? "")
        let answers = result["answers"]?.arrayValue ?? []
        if answers.isEmpty { return style.dim("(no answer)") }
        return answers.map { answer in
            let score = answer["score"]?.doubleValue.map { String(format: "%.3f", $0) } ?? "-"
            guard let start = answer["start"]?.intValue, let end = answer["end"]?.intValue,
                  let text = answer["text"]?.stringValue, !text.isEmpty,
                  let covered = context.slice(start, end)
            else {
                return "\(score)  \(style.dim("(no answer)"))"
            }
            let from = max(0, start - Self.contextRadius)
            let to = min(context.count, end + Self.contextRadius)
            let before = (from > 0 ? "…" : "") + context.clampedSlice(from, start)
            let after = context.clampedSlice(end, to) + (to < context.count ? "…" : "")
            let shown = style.colored ? style.highlight(covered) : "[\(covered)]"
            return "\(score)  \(style.bold(text))\n       \(oneLine(before))\(shown)\(oneLine(after))"
        }.joined(separator: "\n")
    }

    /// Line breaks in an excerpt would break the layout; show them as spaces.
    private func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
