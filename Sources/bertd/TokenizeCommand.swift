import ArgumentParser
import Foundation
import JSON
import Tokenizer

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize lines from stdin and print one JSON object per line (tokens, ids, typeIds, offsets).",
        discussion: """
            Each input line is a text, or a JSON object {"text": ..., "textPair": ...}. With --pair, a plain \
            line holds the text and its pair separated by a tab. Offsets are [start, end] into the original \
            text (and pair), in the chosen encoding; special tokens have null offsets.
            """)

    @Option(help: "A model directory holding vocab.txt (and tokenizer_config.json).")
    var vocab: String

    @Flag(help: "Read tab-separated text pairs from plain lines.")
    var pair = false

    @Option(help: "Offset units: utf-8, utf-16 or utf-32 (code points).")
    var encoding: String = "utf-32"

    @Flag(help: "Do not add [CLS] and [SEP].")
    var noSpecialTokens = false

    func run() throws {
        let unit: OffsetEncoding
        switch encoding {
        case "utf-8": unit = .utf8
        case "utf-16": unit = .utf16
        case "utf-32": unit = .utf32
        default: throw ValidationError("--encoding must be utf-8, utf-16 or utf-32")
        }
        let tokenizer: BertTokenizer
        do {
            tokenizer = try BertTokenizer.load(directory: URL(fileURLWithPath: vocab))
        } catch {
            throw CommandFailure("cannot load a tokenizer from \(vocab): \(error)")
        }
        var lineNumber = 0
        var output = StandardOutput()
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            let (text, textPair): (String, String?)
            do {
                (text, textPair) = try parse(line)
            } catch {
                output.write(JSON.object(["line": .integer(Int64(lineNumber)), "error": .string("\(error)")]))
                continue
            }
            let encoded = tokenizer.encode(text, pair: textPair, addSpecialTokens: !noSpecialTokens)
            output.write(Self.json(encoded, text: text, pair: textPair, unit: unit))
        }
        output.flush()
    }

    private func parse(_ line: String) throws -> (String, String?) {
        if line.hasPrefix("{") {
            let reader = JSONReader(try JSON.parse(line), path: "line")
            return (try reader.required("text", as: String.self), try reader.optional("textPair", as: String.self))
        }
        if pair, let tab = line.firstIndex(of: "\t") {
            return (String(line[..<tab]), String(line[line.index(after: tab)...]))
        }
        return (line, nil)
    }

    static func json(_ encoding: Encoding, text: String, pair: String?, unit: OffsetEncoding) -> JSON {
        let converters = [OffsetConverter(text: text), OffsetConverter(text: pair ?? "")]
        let offsets: [JSON] = (0..<encoding.count).map { index in
            guard let sequence = encoding.sequenceIds[index] else { return .null }
            let range = converters[sequence].convert(encoding.offsets[index], to: unit)
            return [.integer(Int64(range.lowerBound)), .integer(Int64(range.upperBound))]
        }
        return .object([
            "tokens": .array(encoding.tokens.map(JSON.string)),
            "ids": .array(encoding.ids.map { .integer(Int64($0)) }),
            "typeIds": .array(encoding.typeIds.map { .integer(Int64($0)) }),
            "offsets": .array(offsets),
        ])
    }
}

/// A failure to report on stderr with exit status 1, without a stack of ArgumentParser usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Buffered writes of JSON lines to stdout.
struct StandardOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ value: JSON) {
        buffer.append(contentsOf: value.serialized())
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
