import ArgumentParser
import Foundation
import JSON

/// `annotate embed`: sentence (or token) vectors.
struct EmbedCommand: MethodCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts as vectors.",
        discussion: """
            Human output shows each vector's size and first values; --json or --jsonl gives the whole vectors.

            Examples:
              annotate embed --json '今天天气很好'
              annotate embed --pooling cls --jsonl --file sentences.txt > vectors.jsonl
            """)
    static let method = "annotate/embed"

    enum Pooling: String, CaseIterable, ExpressibleByArgument { case cls, mean, none }

    @Argument(help: "Texts to embed (default: the lines of --file or stdin).")
    var inputs: [String] = []

    @Option(help: "cls: the [CLS] vector; mean: the average over tokens (daemon default); none: every token's.")
    var pooling: Pooling?

    @Flag(inversion: .prefixedNo, help: "L2-normalize (daemon default: yes unless --pooling none).")
    var normalize: Bool?

    @Flag(help: "Embed the first tokens of a text longer than the model's window instead of failing.")
    var truncate = false

    @OptionGroup var common: CommonOptions

    func optionParams() throws -> JSONObject {
        var params: JSONObject = [:]
        if let pooling { params["pooling"] = .string(pooling.rawValue) }
        if let normalize { params["normalize"] = .bool(normalize) }
        if truncate { params["truncate"] = true }
        return params
    }

    /// Values shown per vector.
    static let shownValues = 6

    func render(_ result: JSON, params: JSONObject, style: Style) -> String {
        let embeddings = result["embeddings"]?.arrayValue ?? []
        // pooling none gives one vector per token; otherwise the text's vector.
        let vectors: [[JSON]] = embeddings.first?.arrayValue != nil
            ? embeddings.compactMap(\.arrayValue) : [embeddings]
        return vectors.map { vector in
            let shown = vector.prefix(Self.shownValues).map { $0.doubleValue.map { String(format: "%.4f", $0) } ?? "?" }
            let more = vector.count > Self.shownValues ? ", …" : ""
            return "\(style.dim("\(vector.count)d")) [\(shown.joined(separator: ", "))\(more)]"
        }.joined(separator: "\n")
    }
}
