import ArgumentParser
import JSON

/// `annotate tokenize`: the model's word pieces with ids and offsets.
struct TokenizeCommand: MethodCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Show how a model's tokenizer splits a text.",
        discussion: """
            One token per row: id, token and its span in the text (in Unicode scalars; special tokens have none).

            Examples:
              annotate tokenize '北京欢迎你'
              annotate tokenize --no-special-tokens --text-pair 'world' 'hello'
            """)
    static let method = "annotate/tokenize"

    @Argument(help: "Texts to tokenize (default: the lines of --file or stdin).")
    var inputs: [String] = []

    @Option(help: ArgumentHelp("A second sequence paired with every text.", valueName: "TEXT"))
    var textPair: String?

    @Flag(help: "Leave out [CLS] and [SEP].")
    var noSpecialTokens = false

    @OptionGroup var common: CommonOptions

    func optionParams() throws -> JSONObject {
        var params: JSONObject = [:]
        if let textPair { params["textPair"] = .string(textPair) }
        if noSpecialTokens { params["addSpecialTokens"] = false }
        return params
    }

    func render(_ result: JSON, params: JSONObject, style: Style) -> String {
        let rows = (result["tokens"]?.arrayValue ?? []).map { token -> [String] in
            let id = token["id"]?.intValue.map(String.init) ?? "?"
            let text = token["token"]?.stringValue ?? "?"
            if token["special"]?.boolValue == true { return [id, style.dim(text), ""] }
            let span = token["start"]?.intValue.flatMap { start in token["end"]?.intValue.map { "\(start)-\($0)" } } ?? ""
            return [id, text, span]
        }
        return TerminalWidth.table(rows)
    }
}
