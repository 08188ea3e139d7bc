// Tokenizer throughput on a mixed Chinese/English corpus assembled from ../shared/data at run time.
//
// Usage: TokenizerBenchmark DATA_DIR CORPUS_OUT [MEGABYTES]
//   DATA_DIR    the shared data directory (vocab/, ner/, csc/, qa/; English prose from ../design/*.md)
//   CORPUS_OUT  where the assembled corpus is written, one text per line, for the peer benchmark
// Prints one line per vocabulary: "RESULT name MB/s tokens/s".
import Foundation
import Tokenizer

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("TokenizerBenchmark: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: TokenizerBenchmark DATA_DIR CORPUS_OUT [MEGABYTES]") }
let data = URL(fileURLWithPath: arguments[1])
let corpusURL = URL(fileURLWithPath: arguments[2])
let megabytes = arguments.count > 3 ? Double(arguments[3]) ?? 5 : 5

// MARK: - Corpus

func readJSON(_ relative: String) -> Any? {
    guard let bytes = try? Data(contentsOf: data.appendingPathComponent(relative)) else { return nil }
    return try? JSONSerialization.jsonObject(with: bytes)
}

var chinese: [String] = []
if let text = try? String(contentsOf: data.appendingPathComponent("ner/cluener_train.json"), encoding: .utf8) {
    for line in text.split(separator: "\n") {
        if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
           let sentence = object["text"] as? String { chinese.append(sentence) }
    }
}
for name in ["sighan_train14", "sighan_train15", "sighan_test13"] {
    for case let row as [String: Any] in (readJSON("csc/\(name).json") as? [Any]) ?? [] {
        if let text = row["original_text"] as? String { chinese.append(text) }
    }
}
for name in ["cmrc2018_trial", "cmrc2018_dev_part1"] {
    let articles = (readJSON("qa/\(name).json") as? [String: Any])?["data"] as? [[String: Any]] ?? []
    for article in articles {
        for paragraph in article["paragraphs"] as? [[String: Any]] ?? [] {
            if let context = paragraph["context"] as? String { chinese.append(context) }
        }
    }
}
var english: [String] = []
let design = data.deletingLastPathComponent().appendingPathComponent("design")
for file in (try? FileManager.default.contentsOfDirectory(atPath: design.path)) ?? [] where file.hasSuffix(".md") {
    let text = (try? String(contentsOf: design.appendingPathComponent(file), encoding: .utf8)) ?? ""
    english += text.split(separator: "\n").map(String.init).filter { $0.utf8.count > 20 }
}
guard !chinese.isEmpty, !english.isEmpty else { fail("no texts found under \(data.path) and \(design.path)") }

// Roughly 70% Chinese, 30% English by bytes; texts repeat to reach the size.
let targetBytes = Int(megabytes * 1_000_000)
var lines: [String] = []
var bytes = 0
var chineseBytes = 0
var englishBytes = 0
var nextChinese = 0
var nextEnglish = 0
while bytes < targetBytes {
    let line: String
    if englishBytes * 7 < chineseBytes * 3 {
        line = english[nextEnglish % english.count]
        nextEnglish += 1
        englishBytes += line.utf8.count
    } else {
        line = chinese[nextChinese % chinese.count]
        nextChinese += 1
        chineseBytes += line.utf8.count
    }
    let flat = line.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    lines.append(flat)
    bytes += flat.utf8.count
}
do {
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: corpusURL)
} catch {
    fail("cannot write \(corpusURL.path): \(error)")
}
print(String(format: "corpus: %d lines, %.2f MB (%.0f%% Chinese bytes)", lines.count, Double(bytes) / 1e6,
             100 * Double(chineseBytes) / Double(chineseBytes + englishBytes)))

// MARK: - Runs

for (name, file) in [("bert-base-chinese", "bert-base-chinese-vocab.txt"), ("bert-base-uncased", "bert-base-uncased-vocab.txt")] {
    let tokenizer: BertTokenizer
    do {
        tokenizer = try BertTokenizer(vocabulary: Vocabulary.load(contentsOf: data.appendingPathComponent("vocab/\(file)")))
    } catch {
        fail("cannot load \(file): \(error)")
    }
    var best = Double.infinity
    var tokens = 0
    for _ in 0..<3 {
        let clock = ContinuousClock()
        var count = 0
        let elapsed = clock.measure {
            for line in lines { count += tokenizer.encode(line).count }
        }
        tokens = count
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        best = min(best, seconds)
    }
    print(String(format: "RESULT %@ %.2f MB/s %.0f tokens/s (%d tokens, best of 3: %.3f s)", name,
                 Double(bytes) / 1e6 / best, Double(tokens) / best, tokens, best))
}
