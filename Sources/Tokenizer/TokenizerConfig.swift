import Foundation

/// Reads the parts of `tokenizer_config.json` / `special_tokens_map.json` that change tokenization.
enum TokenizerConfig {
    /// Overrides `options` with the keys present in the JSON file at `url`.
    static func apply(_ url: URL, to options: inout BertTokenizer.Options) throws {
        let object = try readObject(url)
        if let value = object["do_lower_case"] as? Bool { options.lowercase = value }
        if object.keys.contains("strip_accents") { options.stripAccents = object["strip_accents"] as? Bool }
        if let value = object["tokenize_chinese_chars"] as? Bool { options.tokenizeChineseChars = value }
        let names: [(String, WritableKeyPath<BertTokenizer.Options, String>)] = [
            ("unk_token", \.unknownToken), ("sep_token", \.separatorToken), ("pad_token", \.paddingToken),
            ("cls_token", \.classifierToken), ("mask_token", \.maskToken),
        ]
        for (key, path) in names {
            if let token = try tokenContent(object[key], key: key) { options[keyPath: path] = token }
        }
        if let list = object["additional_special_tokens"] as? [Any] {
            options.additionalSpecialTokens = try list.compactMap { try tokenContent($0, key: "additional_special_tokens") }
        }
        if let decoder = object["added_tokens_decoder"] as? [String: Any] {
            for case let entry as [String: Any] in decoder.values {
                for flag in ["lstrip", "rstrip", "single_word", "normalized"] where entry[flag] as? Bool == true {
                    throw TokenizerError.unsupported("added token with \(flag): true")
                }
            }
        }
    }

    /// Accepts `added_tokens.json` only when it adds nothing beyond the special tokens.
    static func checkAddedTokens(_ url: URL, options: BertTokenizer.Options, vocabulary: Vocabulary) throws {
        let object = try readObject(url)
        let specials = Set([options.unknownToken, options.separatorToken, options.paddingToken,
                            options.classifierToken, options.maskToken] + options.additionalSpecialTokens)
        for (token, id) in object {
            guard specials.contains(token), let id = id as? Int, vocabulary.id(for: token) == Int32(id) else {
                throw TokenizerError.unsupported("added token \(token) in added_tokens.json")
            }
        }
    }

    private static func readObject(_ url: URL) throws -> [String: Any] {
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw TokenizerError.unreadableFile(url.path) }
        return object
    }

    /// A token given as a string or as an `AddedToken` object (`{"content": ..., "lstrip": ...}`).
    private static func tokenContent(_ value: Any?, key: String) throws -> String? {
        if let string = value as? String { return string }
        guard let object = value as? [String: Any], let content = object["content"] as? String else { return nil }
        for flag in ["lstrip", "rstrip", "single_word"] where object[flag] as? Bool == true {
            throw TokenizerError.unsupported("\(key) with \(flag): true")
        }
        return content
    }
}
