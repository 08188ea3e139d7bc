import ArgumentParser
import JSON

/// `annotate models`: the daemon's loaded models.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models the daemon has loaded.",
        discussion: """
            One row per model: name, head, the methods it serves, its window and labels.

            Examples:
              annotate models
              annotate models --json | jq -r '.models[].name'
            """)

    @OptionGroup var options: InfoOptions

    func run() throws {
        try options.run("bertd/models") { result, style in
            let models = result["models"]?.arrayValue ?? []
            guard !models.isEmpty else { return style.dim("(no models loaded)") }
            var rows = [["NAME", "HEAD", "METHODS", "MAX", "LABELS"].map(style.dim)]
            for model in models {
                let labels = model["labels"]?.arrayValue?.compactMap(\.stringValue) ?? []
                let shownLabels = labels.count > 8 ? labels.prefix(8).joined(separator: " ") + " … (\(labels.count))"
                    : labels.joined(separator: " ")
                rows.append([
                    style.bold(model["name"]?.stringValue ?? "?"),
                    model["head"]?.stringValue ?? "?",
                    (model["tasks"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ","),
                    model["maxLength"]?.intValue.map(String.init) ?? "?",
                    shownLabels,
                ])
            }
            return TerminalWidth.table(rows)
        }
    }
}
