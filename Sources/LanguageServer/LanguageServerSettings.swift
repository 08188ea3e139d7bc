import JSON

/// What an editor can configure (`workspace/didChangeConfiguration` under `bertd`, or
/// `initializationOptions`).
public struct LanguageServerSettings: Sendable, Equatable {
    /// Minimum score for a diagnostic; nil keeps the model's default.
    public var threshold: Double?
    /// Language ids to check; empty means every document.
    public var languages: Set<String> = []
    /// Words never flagged, in every document.
    public var ignore: Set<String> = []
    /// Milliseconds to wait after the last change before re-checking.
    public var debounceMilliseconds = 250
    /// Also publish named entities as hints (severity 4).
    public var entityHints = false

    public init() {}

    /// Settings with the members present in `object` (a `bertd` settings object) replaced.
    public func updated(with reader: JSONReader) throws(JSONDecodingError) -> LanguageServerSettings {
        var settings = self
        if let threshold = try reader.optional("threshold", as: Double.self) {
            guard (0...1).contains(threshold) else { throw JSONDecodingError(path: reader.path + ".threshold", message: "must be between 0 and 1") }
            settings.threshold = threshold
        }
        if let languages = try reader.optional("languages", as: [String].self) { settings.languages = Set(languages) }
        if let ignore = try reader.optional("ignore", as: [String].self) { settings.ignore = Set(ignore) }
        if let debounce = try reader.optional("debounceMs", as: Int.self, in: 0...10_000) {
            settings.debounceMilliseconds = debounce
        }
        settings.entityHints = try reader.optional("entityHints", as: Bool.self) ?? settings.entityHints
        return settings
    }

    /// Whether a document of `languageId` is checked.
    public func checks(languageId: String) -> Bool {
        languages.isEmpty || languages.contains(languageId)
    }
}
