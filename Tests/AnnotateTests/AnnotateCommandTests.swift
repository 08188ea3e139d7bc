import Foundation
import JSON
import Testing
import TestSupport

@Suite struct AnnotateCommandTests {
    typealias Harness = AnnotateHarness

    // MARK: - Socket mode

    @Test func labelShowsEntitiesInlineAndAsJSON() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let socket = try #require(daemon.socketPath)
        let texts = ["张三在北京工作", "李四去了上海"]

        let json = try Harness.run(["label", "--socket", socket, "--json", "--model", "ner"] + texts)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.lines.count == texts.count)
        let human = try Harness.run(["label", "--socket", socket, "--model", "ner"] + texts)
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.lines.count == texts.count)
        #expect(!human.stdout.contains("\u{1B}"), "no colours when stdout is not a terminal")

        var entityCount = 0
        for (index, text) in texts.enumerated() {
            let result = try JSON.parse(json.lines[index])
            #expect(result["model"]?.stringValue == "ner")
            let entities = try #require(result["entities"]?.arrayValue)
            entityCount += entities.count
            // The human line is the text with each entity bracketed and followed by its label.
            var expected = ""
            var cursor = 0
            for entity in entities {
                let start = try #require(entity["start"]?.intValue)
                let end = try #require(entity["end"]?.intValue)
                let label = try #require(entity["label"]?.stringValue)
                let covered = try #require(Harness.slice(text, start, end))
                #expect(entity["text"]?.stringValue == covered, "offsets are Unicode scalar indices")
                expected += (Harness.slice(text, cursor, start) ?? "") + "[\(covered)]\(label)"
                cursor = end
            }
            expected += Harness.slice(text, cursor, text.unicodeScalars.count) ?? ""
            #expect(human.lines[index] == expected)
        }
        #expect(entityCount > 0, "the fixture model labels something in these texts")
    }

    @Test func correctShowsDiffAndEdits() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let socket = try #require(daemon.socketPath)
        let text = "我们今天去公圆玩"
        let options = ["correct", "--socket", socket, "--model", "csc", "--threshold", "0"]

        let json = try Harness.run(options + ["--json", text])
        #expect(json.status == 0, "\(json.stderr)")
        let result = try JSON.parse(try #require(json.lines.first))
        let edits = try #require(result["edits"]?.arrayValue)
        try #require(!edits.isEmpty, "threshold 0 makes the random fixture model propose edits")

        let human = try Harness.run(options + [text])
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.lines.count == 1 + edits.count, "the diff line, then one line per edit")
        for edit in edits {
            let original = try #require(edit["original"]?.stringValue)
            let replacement = try #require(edit["replacement"]?.stringValue)
            let start = try #require(edit["start"]?.intValue)
            #expect(Harness.slice(text, start, start + original.unicodeScalars.count) == original)
            #expect(human.lines[0].contains("[-\(original)-]{+\(replacement)+}"))
            let score = String(format: "%.3f", try #require(edit["score"]?.doubleValue))
            #expect(human.lines.dropFirst().contains { $0.contains("\(original) → \(replacement)") && $0.contains(score) })
        }

        // --detect-only leaves the text as it was but still reports the edits.
        let detected = try Harness.run(options + ["--json", "--detect-only", text])
        let detectedResult = try JSON.parse(try #require(detected.lines.first))
        #expect(detectedResult["corrected"]?.stringValue == text)
        #expect(detectedResult["edits"]?.arrayValue?.count == edits.count)
    }

    @Test func answerHighlightsTheAnswerInItsContext() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let socket = try #require(daemon.socketPath)
        let context = "张三在北京的一家公司工作。"
        let options = ["answer", "--socket", socket, "--model", "qa", "--question", "张三在哪里工作？", "--top-k", "2"]

        let json = try Harness.run(options + ["--json", context])
        #expect(json.status == 0, "\(json.stderr)")
        let answerLine = try #require(json.lines.first)
        let answers = try #require(try JSON.parse(answerLine)["answers"]?.arrayValue)
        #expect(answers.count == 2)
        let human = try Harness.run(options + [context])
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.lines.count == 2 * answers.count, "score and answer, then the context, per answer")
        for (index, answer) in answers.enumerated() {
            let text = try #require(answer["text"]?.stringValue)
            let start = try #require(answer["start"]?.intValue)
            let end = try #require(answer["end"]?.intValue)
            #expect(Harness.slice(context, start, end) == text)
            let score = String(format: "%.3f", try #require(answer["score"]?.doubleValue))
            #expect(human.lines[2 * index] == "\(score)  \(text)")
            let shown = (Harness.slice(context, 0, start) ?? "") + "[\(text)]"
                + (Harness.slice(context, end, context.unicodeScalars.count) ?? "")
            #expect(human.lines[2 * index + 1].trimmingCharacters(in: .whitespaces) == shown)
        }
    }

    @Test func segmentPrintsWordsSeparatedBySpaces() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let socket = try #require(daemon.socketPath)
        let text = "我爱北京天安门"
        let json = try Harness.run(["segment", "--socket", socket, "--json", text])
        #expect(json.status == 0, "\(json.stderr)")
        let wordLine = try #require(json.lines.first)
        let words = try #require(try JSON.parse(wordLine)["words"]?.arrayValue)
            .compactMap { $0["text"]?.stringValue }
        #expect(words.joined() == text)
        let human = try Harness.run(["segment", "--socket", socket, text])
        #expect(human.lines == [words.joined(separator: " ")])
        let slashed = try Harness.run(["segment", "--socket", socket, "--separator", " / ", text])
        #expect(slashed.lines == [words.joined(separator: " / ")])
    }

    @Test func inputComesFromFileAndStdinLineByLine() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let socket = try #require(daemon.socketPath)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("input.txt")
        try Data("我爱北京\n\n天安门广场\r\n".utf8).write(to: file)

        let fromFile = try Harness.run(["segment", "--socket", socket, "--separator", "|", "--file", file.path])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.lines.map { $0.replacingOccurrences(of: "|", with: "") } == ["我爱北京", "天安门广场"],
                "blank lines are skipped, CRLF is stripped")
        let fromStdin = try Harness.run(["segment", "--socket", socket, "--separator", "|"],
                                        input: "我爱北京\n\n天安门广场\r\n")
        #expect(fromStdin.stdout == fromFile.stdout)
    }

    // MARK: - Batch mode

    @Test func jsonlKeepsOrderAndPutsErrorsInPlace() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let socket = try #require(daemon.socketPath)
        let characters = Array("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经")
        var lines: [String] = []
        for index in 0..<200 {
            let text = String((0..<(index % 9 + 2)).map { characters[(index * 7 + $0) % characters.count] })
            lines.append(index % 2 == 0 ? text : #"{"text": "\#(text)"}"#)
        }
        let badIndex = 137
        lines[badIndex] = #"{"text": 42}"#

        let run = try Harness.run(["segment", "--socket", socket, "--jsonl", "--window", "16"],
                                  input: lines.joined(separator: "\n") + "\n")
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.lines.count == 200)
        #expect(run.stderr.contains("200 lines") && run.stderr.contains("lines/s") && run.stderr.contains("1 failed"))
        for (index, line) in run.lines.enumerated() {
            let output = try JSON.parse(line)
            if index == badIndex {
                #expect(output["error"]?["code"]?.intValue == -32602)
                #expect(output["error"]?["data"]?["field"]?.stringValue == "params.text")
                continue
            }
            // Each result's words put back together are that line's own text: nothing reordered.
            let input = lines[index].hasPrefix("{") ? try #require(try JSON.parse(lines[index])["text"]?.stringValue) : lines[index]
            let words = try #require(output["words"]?.arrayValue).compactMap { $0["text"]?.stringValue }
            #expect(words.joined() == input, "line \(index + 1)")
        }
    }

    @Test func jsonlLinesOverrideCommandLineOptionsAndBadJSONIsAnError() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let socket = try #require(daemon.socketPath)
        let input = [
            "张三在北京工作",
            #"{"text": "张三在北京工作", "model": "missing"}"#,
            #"{"text": "张三在北京工作""#,
        ].joined(separator: "\n")
        let run = try Harness.run(["label", "--socket", socket, "--model", "ner", "--jsonl"], input: input)
        #expect(run.status == 3)
        #expect(run.lines.count == 3)
        #expect(try JSON.parse(run.lines[0])["model"]?.stringValue == "ner")
        #expect(try JSON.parse(run.lines[1])["error"]?["data"]?["kind"]?.stringValue == "modelNotLoaded")
        #expect(try JSON.parse(run.lines[2])["error"]?["code"]?.intValue == -32700)
    }

    // MARK: - Spawn mode

    @Test func spawnsBertdWhenNoDaemonListens() throws {
        let text = "我们今天去公圆玩"
        let spawnOptions = ["--bertd", DaemonProcess.executable.path,
                            "--spawn-model", "csc=\(Harness.fixture("tasks/csc"))",
                            "--spawn-model", "ner=\(Harness.fixture("tasks/ner-bio"))"]
        let spawned = try Harness.run(["correct", "--threshold", "0"] + spawnOptions + [text])
        #expect(spawned.status == 0, "\(spawned.stderr)")

        // The same answer as a daemon on a socket gives.
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let viaSocket = try Harness.run(["correct", "--threshold", "0", "--model", "csc",
                                         "--socket", try #require(daemon.socketPath), text])
        #expect(viaSocket.status == 0, "\(viaSocket.stderr)")
        #expect(spawned.stdout == viaSocket.stdout)
        #expect(spawned.stdout.contains("→"))

        // Batch mode over a spawned daemon too.
        let batch = try Harness.run(["label", "--jsonl"] + spawnOptions, input: "张三在北京工作\n李四\n")
        #expect(batch.status == 0, "\(batch.stderr)")
        #expect(batch.lines.count == 2)
        #expect(try batch.lines.allSatisfy { try JSON.parse($0)["model"]?.stringValue == "ner" })
    }

    @Test func findsTheDaemonThroughBertdSocket() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let run = try Harness.run(["models", "--no-spawn", "--json"],
                                  environment: ["BERTD_SOCKET": try #require(daemon.socketPath)])
        #expect(run.status == 0, "\(run.stderr)")
        let names = try JSON.parse(try #require(run.lines.first))["models"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["ner", "csc", "qa"])
    }

    // MARK: - Exit statuses

    @Test func noSpawnWithoutDaemonExitsTwo() throws {
        let run = try Harness.run(["label", "--no-spawn", "张三"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("no bertd is listening"))
        #expect(run.stdout.isEmpty)
        let missingSocket = try Harness.run(["status", "--socket", "/nonexistent-dir/bertd.sock"])
        #expect(missingSocket.status == 2)
        #expect(missingSocket.stderr.contains("/nonexistent-dir/bertd.sock"))
    }

    @Test(arguments: [
        ["label", "--aggregation", "sometimes", "x"],
        ["answer", "--no-spawn", "a context without a question"],
        ["no-such-command"],
        ["correct", "--threshold", "2", "x"],
        ["correct", "--max-rounds", "0", "x"],
        ["correct", "--later-threshold", "1.5", "x"],
        ["label", "--file", "/nonexistent-input.txt"],
    ])
    func usageErrorsExitOne(arguments: [String]) throws {
        let run = try Harness.run(arguments)
        #expect(run.status == 1, "\(arguments): \(run.stderr)")
        #expect(!run.stderr.isEmpty)
        #expect(run.stdout.isEmpty)
    }

    @Test func correctPassesTheRoundOptions() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let options = ["correct", "--socket", try #require(daemon.socketPath), "--model", "csc", "--threshold", "0",
                       "--max-edits", "1", "--json"]
        func corrected(_ extra: [String], _ text: String) throws -> String {
            let run = try Harness.run(options + extra + [text])
            #expect(run.status == 0, "\(run.stderr)")
            let line = try #require(run.lines.first)
            return try #require(try JSON.parse(line)["corrected"]?.stringValue)
        }
        let text = "今天天气很好我们去北京的天安门广场玩"
        let once = try corrected([], text)
        let again = try corrected([], once)
        #expect(once != text && again != once, "threshold 0 makes the random fixture model propose edits")
        #expect(try corrected(["--max-rounds", "2", "--later-threshold", "0"], text) == again)
        #expect(try corrected(["--max-rounds", "2", "--later-threshold", "1"], text) == once)
    }

    @Test func requestErrorsExitThreeWithTheDaemonsMessage() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let run = try Harness.run(["label", "--socket", try #require(daemon.socketPath), "--model", "missing", "张三"])
        #expect(run.status == 3)
        #expect(run.stderr.contains("modelNotLoaded"))
        #expect(run.stderr.contains("missing"))
    }

    @Test func helpHasExamplesAndExitsZero() throws {
        for command in [[], ["label"], ["correct"], ["answer"], ["fill-mask"], ["segment"]] {
            let run = try Harness.run(command + ["--help"])
            #expect(run.status == 0)
            #expect(run.stdout.contains("Examples:"), "\(command)")
        }
    }

    // MARK: - Colour

    @Test func coloursOnATerminalUnlessNoColor() throws {
        let daemon = try Harness.startDaemon()
        defer { daemon.terminate() }
        let arguments = ["correct", "--socket", try #require(daemon.socketPath), "--model", "csc", "--threshold", "0",
                         "我们今天去公圆玩"]
        let coloured = try Harness.runOnTerminal(arguments, environment: [:])
        #expect(coloured.status == 0, "\(coloured.stderr)")
        #expect(coloured.stdout.contains("\u{1B}[9;31m"), "removed text is struck through in red on a terminal")
        let plain = try Harness.runOnTerminal(arguments, environment: ["NO_COLOR": "1"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stdout.contains("\u{1B}"))
        #expect(plain.stdout.contains("→"))
        let forced = try Harness.run(arguments + ["--color", "always"], environment: ["NO_COLOR": "1"])
        #expect(forced.stdout.contains("\u{1B}[1;32m"), "--color always overrides NO_COLOR")
    }
}
