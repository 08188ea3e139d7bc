/// How stored tensor names map to the canonical names the BERT module asks for (those of transformers'
/// `BertFor*` / `ElectraFor*` state dicts). All renaming lives here, as three rules and one table.
enum TensorNameRules {
    /// Top-level submodules of `BertModel` / `ElectraModel`: stored without a prefix, they belong under
    /// the family prefix (a `BertModel` saved alone has no `bert.`).
    static let encoderRoots: Set<Substring> = ["embeddings", "encoder", "pooler", "embeddings_project"]

    /// A canonical name absent from the checkpoint that is served by another tensor (tied weights),
    /// provided some tensor under `head` exists, so a bare encoder does not appear to have a head.
    struct Tie {
        var name: String
        var source: String
        var head: String
        /// Whether this is the decoder sharing the word embeddings (`tie_word_embeddings`), not a bias alias.
        var isWordEmbeddingTie: Bool { source.hasSuffix("word_embeddings.weight") }
    }

    /// The canonical name of a stored tensor, or nil for buffers that are not weights.
    /// - Parameter encoderPrefix: a prefix (without the trailing dot) the checkpoint stores the encoder
    ///   under instead of the family's, such as `backbone`.
    static func canonicalName(stored: String, family: ModelFamily, encoderPrefix: String?) -> String? {
        var components = stored.split(separator: ".", omittingEmptySubsequences: false)
        // Rule 1: position_ids are a buffer of consecutive integers, not a weight.
        if components.last == "position_ids" { return nil }
        // Rule 2: the encoder lives under the family prefix.
        if let encoderPrefix, !encoderPrefix.isEmpty, stored.hasPrefix(encoderPrefix + ".") {
            components = [Substring(family.rawValue)]
                + stored.dropFirst(encoderPrefix.count + 1).split(separator: ".", omittingEmptySubsequences: false)
        } else if let first = components.first, encoderRoots.contains(first) {
            components.insert(Substring(family.rawValue), at: 0)
        }
        // Rule 3: TensorFlow-era LayerNorm parameters were named gamma and beta.
        if components.count >= 2, components[components.count - 2] == "LayerNorm" {
            switch components[components.count - 1] {
            case "gamma": components[components.count - 1] = "weight"
            case "beta": components[components.count - 1] = "bias"
            default: break
            }
        }
        return components.joined(separator: ".")
    }

    /// Tied weights of each family's heads.
    static func ties(_ family: ModelFamily) -> [Tie] {
        switch family {
        case .bert:
            [
                Tie(name: "cls.predictions.decoder.weight", source: "bert.embeddings.word_embeddings.weight",
                    head: "cls.predictions."),
                Tie(name: "cls.predictions.decoder.bias", source: "cls.predictions.bias", head: "cls.predictions."),
                Tie(name: "cls.predictions.bias", source: "cls.predictions.decoder.bias", head: "cls.predictions."),
            ]
        case .electra:
            [
                Tie(name: "generator_lm_head.weight", source: "electra.embeddings.word_embeddings.weight",
                    head: "generator_"),
            ]
        }
    }
}
