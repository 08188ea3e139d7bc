import ArgumentParser
import JSON

/// `annotate segment`: Chinese word segmentation, words separated by spaces.
struct SegmentCommand: MethodCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Split Chinese text into words.",
        discussion: """
            Prints the words of each text separated by a space (or --separator).

            Examples:
              annotate segment '我爱北京天安门'
              annotate segment --separator ' / ' --file article.txt
            """)
    static let method = "annotate/segment"

    @Argument(help: "Texts to segment (default: the lines of --file or stdin).")
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Put between words.", valueName: "TEXT"))
    var separator: String = " "

    @OptionGroup var common: CommonOptions

    func optionParams() throws -> JSONObject { [:] }

    func render(_ result: JSON, params: JSONObject, style: Style) -> String {
        let words = (result["words"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
        return words.joined(separator: style.dim(separator))
    }
}
