import ArgumentParser
import Foundation
import JSON

/// `annotate fill-mask`: candidates for each `[MASK]`, as a table.
struct FillMaskCommand: MethodCommand {
    static let configuration = CommandConfiguration(
        commandName: "fill-mask",
        abstract: "Propose tokens for each [MASK] in a text.",
        discussion: """
            For each [MASK], a table of candidates, best first: rank, token, score and the text with the \
            candidate in place. With several masks, the best joint filling follows.

            Examples:
              annotate fill-mask '北京是中国的[MASK]都。'
              annotate fill-mask --top-k 10 --target 首 --target 国 '北京是中国的[MASK]都。'
            """)
    static let method = "annotate/fillMask"

    @Argument(help: "Texts holding [MASK] (default: the lines of --file or stdin).")
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Candidates per mask (daemon default: 5).", valueName: "K"))
    var topK: Int?

    @Option(name: .customLong("target"), help: ArgumentHelp("Score only this token; repeat for several.", valueName: "TOKEN"))
    var targets: [String] = []

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
    }

    func optionParams() throws -> JSONObject {
        var params: JSONObject = [:]
        if let topK { params["topK"] = JSON(topK) }
        if !targets.isEmpty { params["targets"] = .array(targets.map { .string($0) }) }
        return params
    }

    func render(_ result: JSON, params: JSONObject, style: Style) -> String {
        let masks = result["masks"]?.arrayValue ?? []
        var blocks: [String] = []
        for (number, mask) in masks.enumerated() {
            var rows: [[String]] = []
            for (rank, candidate) in (mask["candidates"]?.arrayValue ?? []).enumerated() {
                rows.append([
                    "\(rank + 1)", style.bold(candidate["token"]?.stringValue ?? "?"),
                    candidate["score"]?.doubleValue.map { String(format: "%.4f", $0) } ?? "-",
                    style.dim(candidate["sequence"]?.stringValue ?? ""),
                ])
            }
            let position = mask["start"]?.intValue.map { " at \($0)" } ?? ""
            let header = masks.count > 1 ? "[MASK] \(number + 1)\(position)\n" : ""
            blocks.append(header + TerminalWidth.table(rows))
        }
        if masks.count > 1, let best = result["best"], let sequence = best["sequence"]?.stringValue {
            let score = best["score"]?.doubleValue.map { String(format: "%.4f", $0) } ?? "-"
            blocks.append("best: \(style.bold(sequence))  \(score)")
        }
        return blocks.isEmpty ? style.dim("(no [MASK] in the text)") : blocks.joined(separator: "\n")
    }
}
