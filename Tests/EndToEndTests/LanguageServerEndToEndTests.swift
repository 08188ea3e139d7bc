import Foundation
import JSON
import RPC
import Testing
import TestSupport

/// A scripted editor talking LSP to the real `bertd --stdio` over pipes.
private final class ScriptedEditor {
    let daemon: DaemonProcess
    private var decoder = FrameDecoder(framing: .contentLength, maxMessageBytes: 1 << 24)
    private var pending: [JSON] = []

    init(arguments: [String]) throws {
        daemon = try DaemonProcess(arguments: ["--stdio"] + arguments, socket: false)
    }

    func send(_ message: JSON) {
        daemon.input.write(Data(Framing.contentLength.frame(message.serialized())))
    }

    /// The next message that satisfies `match`, skipping others (bounded by the pipe's EOF).
    func next(where match: (JSON) -> Bool) throws -> JSON {
        while true {
            if let index = pending.firstIndex(where: match) { return pending.remove(at: index) }
            let data = daemon.output.availableData
            guard !data.isEmpty else { throw DaemonError("bertd closed stdout; stderr: \(daemon.standardErrorText())") }
            decoder.append(Array(data))
            while case .message(let body)? = decoder.next() { pending.append(try JSON.parse(body)) }
        }
    }
}

@Suite(.serialized) struct LanguageServerEndToEndTests {
    @Test func diagnosticsAndQuickFixOverStdio() throws {
        let editor = try ScriptedEditor(arguments: ["--model", "csc=" + Fixtures.url("tasks/csc").path])
        editor.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": [
            "capabilities": [:], "initializationOptions": ["bertd": ["threshold": 0, "debounceMs": 0]]]])
        let initialized = try editor.next { $0["id"] == 1 }
        #expect(initialized["result"]?["capabilities"]?["positionEncoding"] == "utf-16")
        #expect(initialized["result"]?["capabilities"]?["codeActionProvider"] != nil)
        editor.send(["jsonrpc": "2.0", "method": "initialized", "params": [:]])
        let text = "😀我们今天去公园玩。\r\nLatin text stays.\n第二段落在这里。"
        editor.send(["jsonrpc": "2.0", "method": "textDocument/didOpen", "params": ["textDocument": [
            "uri": "file:///tmp/a.txt", "languageId": "plaintext", "version": 1, "text": .string(text)]]])
        let published = try editor.next { $0["method"] == "textDocument/publishDiagnostics" }
        #expect(published["params"]?["uri"] == "file:///tmp/a.txt")
        let diagnostics = try #require(published["params"]?["diagnostics"]?.arrayValue)
        // The fixture's weights are random: with threshold 0 it proposes edits; all must sit on CJK text.
        #expect(!diagnostics.isEmpty)
        let lines = text.components(separatedBy: "\r\n").flatMap { $0.components(separatedBy: "\n") }
        for diagnostic in diagnostics {
            let line = try #require(diagnostic["range"]?["start"]?["line"]?.intValue)
            let start = try #require(diagnostic["range"]?["start"]?["character"]?.intValue)
            let end = try #require(diagnostic["range"]?["end"]?["character"]?.intValue)
            let utf16 = Array(lines[line].utf16)
            let original = String(decoding: utf16[start..<end], as: UTF16.self)
            #expect(original == diagnostic["data"]?["original"]?.stringValue)
            #expect(line != 1)
        }
        let first = diagnostics[0]
        editor.send(["jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction", "params": [
            "textDocument": ["uri": "file:///tmp/a.txt"], "range": first["range"] ?? .null,
            "context": ["diagnostics": [first]]]])
        let actions = try #require(try editor.next { $0["id"] == 2 }["result"]?.arrayValue)
        let edit = try #require(actions.first?["edit"]?["changes"]?["file:///tmp/a.txt"]?[0])
        #expect(edit["newText"] == first["data"]?["replacement"])
        #expect(edit["range"] == first["range"])
        editor.send(["jsonrpc": "2.0", "id": 3, "method": "shutdown"])
        _ = try editor.next { $0["id"] == 3 }
        editor.send(["jsonrpc": "2.0", "method": "exit"])
        editor.daemon.process.waitUntilExit()
        #expect(editor.daemon.process.terminationStatus == 0)
    }
}
