import JSON
import Logging
import RPC
import Service
import Synchronization
import Testing
import TestSupport
import Tokenizer
@testable import LanguageServer

/// Flags every "在" that follows "我" as a typo for "再", and counts the sentences it was asked about.
final class ScriptedChecker: SpellChecker {
    let checked = Mutex<[String]>([])

    func check(_ sentences: [String], threshold: Double?) async throws -> [[SpellingIssue]] {
        checked.withLock { $0 += sentences }
        return sentences.map { sentence in
            let bytes = Array(sentence.utf8)
            let pattern = Array("我在".utf8)
            var issues: [SpellingIssue] = []
            var index = 0
            while index + pattern.count <= bytes.count {
                if bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                    issues.append(SpellingIssue(range: (index + 3)..<(index + 6), original: "在", replacement: "再", score: 0.9))
                }
                index += 1
            }
            return issues
        }
    }

    /// Every "北京" is a LOC.
    func entities(_ sentences: [String]) async throws -> [[EntityHint]] {
        sentences.map { sentence in
            let bytes = Array(sentence.utf8), pattern = Array("北京".utf8)
            return (0..<max(0, bytes.count - pattern.count + 1)).compactMap { index in
                bytes[index..<(index + pattern.count)].elementsEqual(pattern)
                    ? EntityHint(range: index..<(index + pattern.count), text: "北京", label: "LOC", score: 0.8) : nil
            }
        }
    }
}

private struct Editor {
    let checker = ScriptedChecker()
    let sink = CollectingSink()
    let connection: RPCConnection

    init(encodings: [String] = ["utf-16"]) throws {
        let registry = try ModelRegistry(specs: [])
        let checker = self.checker
        let holder = ServiceHolder()
        let server = LanguageServer(checker: checker, logger: Logger(label: "test")) { holder.encoding($0) }
        let service = BertdService(configuration: ServiceConfiguration(), registry: registry, logger: Logger(label: "test"),
                                   extensions: server.serviceExtensions) { _ in }
        holder.service.withLock { $0 = service }
        connection = service.connect(sink: sink, peer: .stdio)
        send(["jsonrpc": "2.0", "id": 0, "method": "initialize",
              "params": ["capabilities": ["general": ["positionEncodings": .array(encodings.map { .string($0) })]],
                         "initializationOptions": ["bertd": ["debounceMs": 10]]]])
    }

    func send(_ message: JSON) {
        connection.receive(message.serialized() + [UInt8(ascii: "\n")])
    }

    func notify(_ method: String, _ params: JSON) {
        send(["jsonrpc": "2.0", "method": .string(method), "params": params])
    }

    /// The next publishDiagnostics after `count` messages.
    func diagnostics(after count: Int) async throws -> JSON {
        let messages = try await sink.waitFor(count + 1)
        return messages[count]["params"] ?? .null
    }
}

final class ServiceHolder: Sendable {
    let service = Mutex<BertdService?>(nil)
    func encoding(_ connection: ConnectionID) -> OffsetEncoding {
        service.withLock { $0 }?.positionEncoding(for: connection).offsetEncodingForTests ?? .utf16
    }
}

extension PositionEncoding {
    var offsetEncodingForTests: OffsetEncoding {
        switch self {
        case .utf8: .utf8
        case .utf16: .utf16
        case .utf32: .utf32
        }
    }
}

private func range(_ diagnostic: JSON) -> [Int] {
    ["start", "end"].flatMap { key in
        [diagnostic["range"]?[key]?["line"]?.intValue ?? -1, diagnostic["range"]?[key]?["character"]?.intValue ?? -1]
    }
}

@Suite struct LanguageServerTests {
    @Test func openPublishesDiagnosticsWithUTF16Positions() async throws {
        let editor = try Editor()
        editor.notify("textDocument/didOpen", ["textDocument": [
            "uri": "file:///a.txt", "languageId": "plaintext", "version": 1,
            "text": "😀 我在试试。\r\n第二行我在这里。"]])
        let published = try await editor.diagnostics(after: 1)
        #expect(published["uri"] == "file:///a.txt")
        let diagnostics = try #require(published["diagnostics"]?.arrayValue)
        #expect(diagnostics.count == 2)
        #expect(range(diagnostics[0]) == [0, 4, 0, 5])  // 😀 is two UTF-16 units
        #expect(range(diagnostics[1]) == [1, 4, 1, 5])
        #expect(diagnostics[0]["data"]?["replacement"] == "再")
        #expect(diagnostics[0]["source"] == "bertd")
    }

    @Test func incrementalChangeRechecksOnlyTheChangedSentence() async throws {
        let editor = try Editor()
        editor.notify("textDocument/didOpen", ["textDocument": [
            "uri": "file:///b.md", "languageId": "markdown", "version": 1, "text": "第一句没有错。我在想。"]])
        _ = try await editor.diagnostics(after: 1)
        #expect(editor.checker.checked.withLock { $0.count } == 2)
        // Replace "想" (line 0, characters 9..<10) with "看".
        editor.notify("textDocument/didChange", [
            "textDocument": ["uri": "file:///b.md", "version": 2],
            "contentChanges": [["range": ["start": ["line": 0, "character": 9], "end": ["line": 0, "character": 10]], "text": "看"]]])
        let published = try await editor.diagnostics(after: 2)
        #expect(published["version"] == 2)
        #expect(published["diagnostics"]?.arrayValue?.count == 1)
        #expect(editor.checker.checked.withLock { $0 } == ["第一句没有错。", "我在想。", "我在看。"])
    }

    @Test func codeActionsReplaceOrIgnore() async throws {
        let editor = try Editor()
        editor.notify("textDocument/didOpen", ["textDocument": [
            "uri": "file:///c.txt", "languageId": "plaintext", "version": 1, "text": "我在来一次。"]])
        _ = try await editor.diagnostics(after: 1)
        editor.send(["jsonrpc": "2.0", "id": 5, "method": "textDocument/codeAction", "params": [
            "textDocument": ["uri": "file:///c.txt"],
            "range": ["start": ["line": 0, "character": 0], "end": ["line": 0, "character": 6]],
            "context": ["diagnostics": []]]])
        let answer = try await editor.sink.waitFor(3)[2]
        let actions = try #require(answer["result"]?.arrayValue)
        #expect(actions.count == 2)
        let edit = actions[0]["edit"]?["changes"]?["file:///c.txt"]?[0]
        #expect(edit?["newText"] == "再")
        #expect(range(edit ?? .null) == [0, 1, 0, 2])
        let command = try #require(actions[1]["command"])
        editor.send(["jsonrpc": "2.0", "id": 6, "method": "workspace/executeCommand", "params": [
            "command": command["command"] ?? .null, "arguments": command["arguments"] ?? .null]])
        let messages = try await editor.sink.waitFor(5)
        let republished = try #require(messages.first { $0["method"] == "textDocument/publishDiagnostics" && $0 != messages[1] })
        #expect(republished["params"]?["diagnostics"] == [])
    }

    @Test func closingClearsDiagnosticsAndLanguagesFilter() async throws {
        let editor = try Editor()
        editor.notify("workspace/didChangeConfiguration", ["settings": ["bertd": ["languages": ["markdown"]]]])
        editor.notify("textDocument/didOpen", ["textDocument": [
            "uri": "file:///d.swift", "languageId": "swift", "version": 1, "text": "// 我在这里"]])
        let published = try await editor.diagnostics(after: 1)
        #expect(published["diagnostics"] == [])
        editor.notify("textDocument/didClose", ["textDocument": ["uri": "file:///d.swift"]])
        let cleared = try await editor.diagnostics(after: 2)
        #expect(cleared["diagnostics"] == [])
        #expect(editor.checker.checked.withLock { $0.isEmpty })
    }

    @Test func entityHintsArePublishedWhenAskedFor() async throws {
        let editor = try Editor()
        editor.notify("workspace/didChangeConfiguration", ["settings": ["bertd": ["entityHints": true]]])
        editor.notify("textDocument/didOpen", ["textDocument": [
            "uri": "file:///e.txt", "languageId": "plaintext", "version": 1, "text": "我在北京。"]])
        let diagnostics = try #require(try await editor.diagnostics(after: 1)["diagnostics"]?.arrayValue)
        #expect(diagnostics.count == 2)
        let hint = try #require(diagnostics.first { $0["code"] == "entity" })
        #expect(hint["severity"] == 4)
        #expect(hint["message"] == "LOC: 北京")
        #expect(range(hint) == [0, 2, 0, 4])
    }
}
