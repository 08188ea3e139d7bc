import Foundation
import JSON
import Logging
import RPC
import Synchronization
import Tokenizer

/// LSP document handling: keeps the editor's documents, re-checks changed sentences after a pause,
/// publishes spelling diagnostics and offers quick fixes.
public final class LanguageServer: Sendable {
    /// The command a quick fix runs to stop flagging a word in one document.
    public static let ignoreWordCommand = "bertd.ignoreWord"

    private let checker: any SpellChecker
    private let encoding: @Sendable (ConnectionID) -> OffsetEncoding
    private let logger: Logger
    private let state = Mutex(State())
    /// Results per sentence (and threshold), so an edit re-checks only the sentences it touched.
    private let cache = SentenceCache<[SpellingIssue]>(capacity: 20_000)
    private let entityCache = SentenceCache<[EntityHint]>(capacity: 20_000)

    private struct DocumentKey: Hashable {
        let connection: ConnectionID
        let uri: String
    }

    private struct State {
        var documents: [DocumentKey: TextDocument] = [:]
        var ignored: [DocumentKey: Set<String>] = [:]
        var pending: [DocumentKey: Task<Void, Never>] = [:]
        var settings: [ConnectionID: LanguageServerSettings] = [:]
        var notifiers: [ConnectionID: @Sendable (String, JSON) -> Bool] = [:]
        var published: [DocumentKey: [PublishedIssue]] = [:]
    }

    /// One published diagnostic, kept to answer code actions.
    struct PublishedIssue: Sendable {
        let range: Range<Int>
        let issue: SpellingIssue
    }

    /// A server checking with `checker`; `encoding` tells each connection's negotiated position encoding.
    public init(checker: any SpellChecker, logger: Logger,
                encoding: @escaping @Sendable (ConnectionID) -> OffsetEncoding) {
        self.checker = checker
        self.logger = logger
        self.encoding = encoding
    }

    /// The server capabilities to announce in `initialize`.
    public static var capabilities: JSONObject {
        [
            "textDocumentSync": ["openClose": true, "change": 2],
            "codeActionProvider": ["codeActionKinds": ["quickfix"]],
            "executeCommandProvider": ["commands": [.string(ignoreWordCommand)]],
        ]
    }

    /// Forgets everything of a closed connection.
    public func connectionClosed(_ connection: ConnectionID) {
        let pending = state.withLock { state -> [Task<Void, Never>] in
            let keys = state.documents.keys.filter { $0.connection == connection }
            let tasks = keys.compactMap { state.pending.removeValue(forKey: $0) }
            for key in keys {
                state.documents[key] = nil
                state.ignored[key] = nil
                state.published[key] = nil
            }
            state.settings[connection] = nil
            state.notifiers[connection] = nil
            return tasks
        }
        for task in pending { task.cancel() }
    }

    // MARK: - Notifications from the editor

    /// `textDocument/didOpen`.
    public func didOpen(_ params: JSONReader, _ context: RequestContext) throws {
        guard let item = params.member("textDocument") else {
            throw JSONDecodingError(path: "params.textDocument", message: "missing required field")
        }
        let document = TextDocument(
            uri: try item.required("uri", as: String.self),
            languageId: try item.optional("languageId", as: String.self) ?? "plaintext",
            version: try item.optional("version", as: Int.self) ?? 0,
            text: try item.required("text", as: String.self))
        let key = DocumentKey(connection: context.connection, uri: document.uri)
        state.withLock { state in
            state.documents[key] = document
            state.notifiers[context.connection] = context.notify
        }
        schedule(key, delay: .zero)
    }

    /// `textDocument/didChange`: full or incremental changes, applied in order.
    public func didChange(_ params: JSONReader, _ context: RequestContext) throws {
        guard let identifier = params.member("textDocument") else {
            throw JSONDecodingError(path: "params.textDocument", message: "missing required field")
        }
        let uri = try identifier.required("uri", as: String.self)
        let version = try identifier.optional("version", as: Int.self)
        guard let changes = params.member("contentChanges") else {
            throw JSONDecodingError(path: "params.contentChanges", message: "missing required field")
        }
        let key = DocumentKey(connection: context.connection, uri: uri)
        let unit = encoding(context.connection)
        let delay = try state.withLock { state -> Duration? in
            guard var document = state.documents[key] else { return nil }
            for change in try changes.elements() { try document.apply(change, encoding: unit) }
            if let version { document.setVersion(version) }
            state.documents[key] = document
            state.notifiers[context.connection] = context.notify
            let settings = state.settings[context.connection] ?? LanguageServerSettings()
            return .milliseconds(settings.debounceMilliseconds)
        }
        guard let delay else {
            logger.warning("didChange for \(uri), which is not open")
            return
        }
        schedule(key, delay: delay)
    }

    /// `textDocument/didClose`: forget the document and clear its diagnostics.
    public func didClose(_ params: JSONReader, _ context: RequestContext) throws {
        let uri = try params.member("textDocument")?.required("uri", as: String.self)
            ?? { throw JSONDecodingError(path: "params.textDocument", message: "missing required field") }()
        let key = DocumentKey(connection: context.connection, uri: uri)
        let task = state.withLock { state -> Task<Void, Never>? in
            state.documents[key] = nil
            state.ignored[key] = nil
            state.published[key] = nil
            return state.pending.removeValue(forKey: key)
        }
        task?.cancel()
        _ = context.notify("textDocument/publishDiagnostics", ["uri": .string(uri), "diagnostics": []])
    }

    /// `workspace/didChangeConfiguration`: settings under `bertd`; every open document is re-checked.
    public func didChangeConfiguration(_ params: JSONReader, _ context: RequestContext) throws {
        guard let section = params.member("settings")?.member("bertd") else { return }
        try configure(section, connection: context.connection)
        let keys = state.withLock { state in
            state.notifiers[context.connection] = context.notify
            return state.documents.keys.filter { $0.connection == context.connection }
        }
        for key in keys { schedule(key, delay: .zero) }
    }

    /// Applies a `bertd` settings object to a connection.
    public func configure(_ section: JSONReader, connection: ConnectionID) throws(JSONDecodingError) {
        let current = state.withLock { $0.settings[connection] ?? LanguageServerSettings() }
        let updated = try current.updated(with: section)
        state.withLock { $0.settings[connection] = updated }
    }

    // MARK: - Requests

    /// `textDocument/codeAction`: a replacement and an "ignore" action per diagnostic in range.
    public func codeActions(_ params: JSONReader, _ context: RequestContext) throws -> JSON {
        let uri = try params.member("textDocument")?.required("uri", as: String.self)
            ?? { throw JSONDecodingError(path: "params.textDocument", message: "missing required field") }()
        guard let rangeReader = params.member("range") else {
            throw JSONDecodingError(path: "params.range", message: "missing required field")
        }
        let key = DocumentKey(connection: context.connection, uri: uri)
        let unit = encoding(context.connection)
        guard let (document, published) = state.withLock({ state -> (TextDocument, [PublishedIssue])? in
            guard let document = state.documents[key] else { return nil }
            return (document, state.published[key] ?? [])
        }) else { return .array([]) }
        let start = document.lines.offset(of: try TextDocument.position(rangeReader, "start"), encoding: unit)
        let end = document.lines.offset(of: try TextDocument.position(rangeReader, "end"), encoding: unit)
        var actions: [JSON] = []
        for entry in published where entry.range.lowerBound <= end && entry.range.upperBound >= start {
            let diagnostic = Self.diagnostic(entry, document: document, encoding: unit)
            let range = diagnostic["range"] ?? .null
            actions.append([
                "title": .string("Replace “\(entry.issue.original)” with “\(entry.issue.replacement)”"),
                "kind": "quickfix",
                "isPreferred": true,
                "diagnostics": [diagnostic],
                "edit": ["changes": .object([uri: [["range": range, "newText": .string(entry.issue.replacement)]]])],
            ])
            actions.append([
                "title": .string("Ignore “\(entry.issue.original)” in this document"),
                "kind": "quickfix",
                "diagnostics": [diagnostic],
                "command": [
                    "title": .string("Ignore “\(entry.issue.original)”"),
                    "command": .string(Self.ignoreWordCommand),
                    "arguments": [.string(uri), .string(entry.issue.original)],
                ],
            ])
        }
        return .array(actions)
    }

    /// `workspace/executeCommand` for `bertd.ignoreWord [uri, word]`.
    public func executeCommand(_ params: JSONReader, _ context: RequestContext) throws -> JSON {
        let command = try params.required("command", as: String.self)
        guard command == Self.ignoreWordCommand else {
            throw JSONDecodingError(path: "params.command", message: "unknown command \"\(command)\"")
        }
        let arguments = try params.required("arguments", as: [String].self)
        guard arguments.count == 2 else {
            throw JSONDecodingError(path: "params.arguments", message: "expected [uri, word]")
        }
        let key = DocumentKey(connection: context.connection, uri: arguments[0])
        state.withLock { _ = $0.ignored[key, default: []].insert(arguments[1]) }
        schedule(key, delay: .zero)
        return .null
    }

    // MARK: - Checking

    private func schedule(_ key: DocumentKey, delay: Duration) {
        let task = Task { [self] in
            if delay > .zero {
                do { try await Task.sleep(for: delay) } catch { return }
            }
            await check(key)
        }
        let previous = state.withLock { state -> Task<Void, Never>? in
            let previous = state.pending[key]
            state.pending[key] = task
            return previous
        }
        previous?.cancel()
    }

    private func check(_ key: DocumentKey) async {
        guard let (document, settings, ignored, notify) = state.withLock({ state in
            state.documents[key].map { ($0, state.settings[key.connection] ?? LanguageServerSettings(),
                                        state.ignored[key] ?? [], state.notifiers[key.connection]) }
        }) else { return }
        var issues: [PublishedIssue] = []
        var hints: [(range: Range<Int>, hint: EntityHint)] = []
        if settings.checks(languageId: document.languageId) {
            let bytes = document.lines.bytes
            let ranges = SentenceSplitter.sentences(in: bytes)
            let sentences = ranges.map { String(decoding: bytes[$0], as: UTF8.self) }
            do {
                let found = try await issuesFor(sentences, threshold: settings.threshold)
                let ignore = settings.ignore.union(ignored)
                for (range, sentenceIssues) in zip(ranges, found) {
                    for issue in sentenceIssues where !Self.isIgnored(issue, in: bytes[range], words: ignore) {
                        let absolute = (range.lowerBound + issue.range.lowerBound)..<(range.lowerBound + issue.range.upperBound)
                        issues.append(PublishedIssue(range: absolute, issue: issue))
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("checking \(key.uri) failed: \(error)")
                return
            }
            if settings.entityHints {
                do {
                    for (range, found) in zip(ranges, try await entitiesFor(sentences)) {
                        for hint in found {
                            hints.append(((range.lowerBound + hint.range.lowerBound)..<(range.lowerBound + hint.range.upperBound), hint))
                        }
                    }
                } catch is CancellationError {
                    return
                } catch {
                    // Hints are optional: spelling diagnostics still go out without them.
                    logger.warning("entity hints for \(key.uri) failed: \(error)")
                }
            }
        }
        if Task.isCancelled { return }
        // Publish only if the document did not change meanwhile (a newer check is on its way).
        let current = state.withLock { state -> Bool in
            guard state.documents[key]?.version == document.version, state.documents[key]?.text == document.text else {
                return false
            }
            state.published[key] = issues
            return true
        }
        guard current, let notify else { return }
        let unit = encoding(key.connection)
        let diagnostics = issues.map { Self.diagnostic($0, document: document, encoding: unit) }
            + hints.map { Self.hintDiagnostic($0.hint, range: $0.range, document: document, encoding: unit) }
        _ = notify("textDocument/publishDiagnostics", [
            "uri": .string(key.uri), "version": .integer(Int64(document.version)), "diagnostics": .array(diagnostics),
        ])
    }

    /// Issues per sentence, from the cache where possible; the rest in one call to the checker.
    private func issuesFor(_ sentences: [String], threshold: Double?) async throws -> [[SpellingIssue]] {
        try await cached(sentences, in: cache, variant: threshold.map { String($0) } ?? "-") { missing in
            try await checker.check(missing, threshold: threshold)
        }
    }

    /// Entities per sentence, cached the same way.
    private func entitiesFor(_ sentences: [String]) async throws -> [[EntityHint]] {
        try await cached(sentences, in: entityCache, variant: "entities") { missing in
            try await checker.entities(missing)
        }
    }

    /// Values per sentence from `cache`, computing the missing ones (each once) in one call.
    private func cached<Value: Sendable>(
        _ sentences: [String], in cache: SentenceCache<Value>, variant: String,
        compute: ([String]) async throws -> [Value]
    ) async throws -> [Value] {
        var seen = Set<String>()
        let missing = sentences.filter { cache.get($0, variant: variant) == nil && seen.insert($0).inserted }
        if !missing.isEmpty {
            for (sentence, value) in zip(missing, try await compute(missing)) { cache.put(sentence, variant: variant, value) }
        }
        return try sentences.map { sentence in
            guard let value = cache.get(sentence, variant: variant) else { throw CancellationError() }
            return value
        }
    }

    static func isIgnored(_ issue: SpellingIssue, in sentence: ArraySlice<UInt8>, words: Set<String>) -> Bool {
        if words.contains(issue.original) { return true }
        let bytes = Array(sentence)
        for word in words {
            let pattern = Array(word.utf8)
            guard !pattern.isEmpty, pattern.count <= bytes.count else { continue }
            for start in 0...(bytes.count - pattern.count) where bytes[start..<(start + pattern.count)].elementsEqual(pattern) {
                if start <= issue.range.lowerBound && issue.range.upperBound <= start + pattern.count { return true }
            }
        }
        return false
    }

    static func hintDiagnostic(_ hint: EntityHint, range: Range<Int>, document: TextDocument,
                               encoding: OffsetEncoding) -> JSON {
        [
            "range": rangeJSON(range, document: document, encoding: encoding),
            "severity": 4,
            "code": "entity",
            "source": "bertd",
            "message": .string("\(hint.label): \(hint.text)"),
            "data": ["label": .string(hint.label), "score": JSON(hint.score)],
        ]
    }

    static func rangeJSON(_ range: Range<Int>, document: TextDocument, encoding: OffsetEncoding) -> JSON {
        let start = document.lines.position(of: range.lowerBound, encoding: encoding)
        let end = document.lines.position(of: range.upperBound, encoding: encoding)
        return [
            "start": ["line": .integer(Int64(start.line)), "character": .integer(Int64(start.character))],
            "end": ["line": .integer(Int64(end.line)), "character": .integer(Int64(end.character))],
        ]
    }

    static func diagnostic(_ entry: PublishedIssue, document: TextDocument, encoding: OffsetEncoding) -> JSON {
        let issue = entry.issue
        return [
            "range": rangeJSON(entry.range, document: document, encoding: encoding),
            "severity": 2,
            "code": "spelling",
            "source": "bertd",
            "message": .string("“\(issue.original)” may be a typo for “\(issue.replacement)” (score \(String(format: "%.2f", issue.score)))"),
            "data": ["original": .string(issue.original), "replacement": .string(issue.replacement), "score": JSON(issue.score)],
        ]
    }
}

/// A bounded map from (sentence, variant) to what was found in it.
final class SentenceCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: Value]>([:])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func get(_ sentence: String, variant: String) -> Value? {
        entries.withLock { $0[Self.key(sentence, variant)] }
    }

    func put(_ sentence: String, variant: String, _ value: Value) {
        entries.withLock { entries in
            // Dropping everything at the limit is crude but bounded; documents re-fill it quickly.
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[Self.key(sentence, variant)] = value
        }
    }

    private static func key(_ sentence: String, _ variant: String) -> String {
        "\(variant)\u{0}\(sentence)"
    }
}
