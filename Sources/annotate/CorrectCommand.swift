import ArgumentParser
import Foundation
import JSON

/// `annotate correct`: Chinese spelling correction, shown as a coloured diff and a list of edits.
struct CorrectCommand: MethodCommand {
    static let configuration = CommandConfiguration(
        commandName: "correct",
        abstract: "Correct Chinese spelling with a masked language model.",
        discussion: """
            The text is shown with each edit in place, the original struck through in red and the \
            replacement in green (without colour: [-original-]{+replacement+}), then one line per edit: \
            position, original → replacement, score and kind.

            Examples:
              annotate correct '我们今天去公圆玩'
              annotate correct --threshold 0.6 --ignore 公圆 --file essay.txt
              annotate correct --detect-only --json '他门在那里'
            """)
    static let method = "annotate/correct"

    enum Mode: String, CaseIterable, ExpressibleByArgument { case direct, mask }

    @Argument(help: "Texts to correct (default: the lines of --file or stdin).")
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Least probability of a proposed character (0...1).", valueName: "P"))
    var threshold: Double?

    @Option(help: ArgumentHelp("How much a proposal's probability must exceed the original's (0...1).", valueName: "P"))
    var margin: Double?

    @Option(name: .customLong("ignore"), help: ArgumentHelp("A word never flagged; repeat for several.", valueName: "WORD"))
    var ignoredWords: [String] = []

    @Option(name: .customLong("force"), help: ArgumentHelp(
        "A forced correction, WRONG=RIGHT; repeat for several.", valueName: "WRONG=RIGHT"))
    var forced: [String] = []

    @Flag(help: "Report edits without applying them.")
    var detectOnly = false

    @Option(help: "direct: one pass (CSC-trained models); mask: re-score each position masked (plain MLMs).")
    var mode: Mode?

    @Option(help: ArgumentHelp("Most edits per sentence (0: no cap).", valueName: "N"))
    var maxEdits: Int?

    @Option(help: ArgumentHelp(
        "Most rounds (1...10); a text runs again where a round held back a proposal reaching --later-threshold.",
        valueName: "N"))
    var maxRounds: Int?

    @Option(help: ArgumentHelp("Least probability of a proposed character after the first round (0...1).",
                               valueName: "P"))
    var laterThreshold: Double?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        for (name, value) in [("--threshold", threshold), ("--margin", margin), ("--later-threshold", laterThreshold)] {
            if let value, !(0...1).contains(value) { throw ValidationError("\(name) must be between 0 and 1") }
        }
        if let maxEdits, maxEdits < 0 { throw ValidationError("--max-edits must not be negative") }
        if let maxRounds, !(1...10).contains(maxRounds) {
            throw ValidationError("--max-rounds must be between 1 and 10")
        }
        for pair in forced {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--force expects WRONG=RIGHT, got \"\(pair)\"")
            }
        }
    }

    func optionParams() throws -> JSONObject {
        var params: JSONObject = [:]
        if let threshold { params["threshold"] = .double(threshold) }
        if let margin { params["margin"] = .double(margin) }
        if !ignoredWords.isEmpty { params["ignore"] = .array(ignoredWords.map { .string($0) }) }
        if !forced.isEmpty {
            var force: JSONObject = [:]
            for pair in forced {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { force[parts[0]] = .string(parts[1]) }
            }
            params["force"] = .object(force)
        }
        if detectOnly { params["detectOnly"] = true }
        if let mode { params["mode"] = .string(mode.rawValue) }
        if let maxEdits { params["maxEdits"] = JSON(maxEdits) }
        if let maxRounds { params["maxRounds"] = JSON(maxRounds) }
        if let laterThreshold { params["laterThreshold"] = .double(laterThreshold) }
        return params
    }

    func render(_ result: JSON, params: JSONObject, style: Style) -> String {
        let original = params["text"]?.stringValue ?? ""
        let text = ScalarText(original)
        let edits = result["edits"]?.arrayValue ?? []
        let spans = edits.compactMap { edit -> Span? in
            guard let start = edit["start"]?.intValue, let end = edit["end"]?.intValue,
                  let replacement = edit["replacement"]?.stringValue
            else { return nil }
            return Span(start: start, end: end) { covered in
                style.colored ? style.removed(covered) + style.inserted(replacement) : "[-\(covered)-]{+\(replacement)+}"
            }
        }
        var lines = [text.rendering(spans)]
        let rows = edits.compactMap { edit -> [String]? in
            guard let start = edit["start"]?.intValue, let end = edit["end"]?.intValue,
                  let before = edit["original"]?.stringValue, let after = edit["replacement"]?.stringValue
            else { return nil }
            let score = edit["score"]?.doubleValue.map { String(format: "%.3f", $0) } ?? "-"
            return ["\(start)-\(end)", "\(style.removed(before)) → \(style.inserted(after))", score,
                    style.dim(edit["kind"]?.stringValue ?? "")]
        }
        if !rows.isEmpty { lines.append(TerminalWidth.table(rows, indent: "  ")) }
        return lines.joined(separator: "\n")
    }
}
