import Foundation
import JSON

/// Confusion sets for spelling correction, from the `candidates.json` shipped next to a CSC model
/// (format "bertd-csc-candidates-1", written by the training helper's train_csc.py):
/// `{"candidates": {"天": "夫大", ...}, "threshold": 0.5, "max_edits": 0, "max_rounds": 1, "later_threshold": 0.9}`
/// (all but "candidates" optional; `"words": "words.txt", "word_bonus": 0.3, "word_penalty": 0.1` add a
/// `CorrectionLexicon` read from that file next to it, one word per line; the penalty defaults to the bonus;
/// `"ngrams": "ngrams.bin", "ngram_weight": 0.05, "ngram_cap": 0.4` a `CorrectionNgrams`; `"rerank": 3` lets those
/// priors choose among a position's three most probable candidates; `"channel": "channel.json", "channel_weight":
/// 0.05, "channel_cap": 0.4` a `CorrectionChannel`).
/// A position holding a character may only become one of its candidates; the softmax runs over the candidate set.
public struct CorrectionCandidates: Sendable, Equatable {
    /// For each character, the other characters it may be corrected to (the character itself is always a
    /// candidate and is not listed).
    public var candidates: [String: String]
    /// The decision threshold tuned with these sets, when the file gives one.
    public var threshold: Float?
    /// The per-sentence edit cap tuned with these sets (0: none), when the file gives one.
    public var maxEdits: Int?
    /// How many rounds to run by default, when the file gives it.
    public var maxRounds: Int?
    /// The threshold of the rounds after the first, tuned with these sets, when the file gives one.
    public var laterThreshold: Float?
    /// The word list that moves the scores, when the file names one.
    public var lexicon: CorrectionLexicon?
    /// The character n-gram model that moves the scores, when the file names one.
    public var ngrams: CorrectionNgrams?
    /// The learners' error channel that moves the scores, when the file names one.
    public var channel: CorrectionChannel?
    /// How many of a position's most probable candidates the priors choose among (1: the argmax alone).
    public var rerank: Int

    /// Confusion sets given directly.
    public init(candidates: [String: String], threshold: Float? = nil, maxEdits: Int? = nil, maxRounds: Int? = nil,
                laterThreshold: Float? = nil, lexicon: CorrectionLexicon? = nil, ngrams: CorrectionNgrams? = nil,
                channel: CorrectionChannel? = nil, rerank: Int = 1) {
        self.candidates = candidates
        self.threshold = threshold
        self.maxEdits = maxEdits
        self.maxRounds = maxRounds
        self.laterThreshold = laterThreshold
        self.lexicon = lexicon
        self.ngrams = ngrams
        self.channel = channel
        self.rerank = max(1, rerank)
    }

    /// Whether a word list, an n-gram model or an error channel moves the scores.
    var hasPriors: Bool { lexicon != nil || ngrams != nil || channel != nil }

    /// The most the priors can add to a score.
    var largestRise: Float { largestRiseBeforeChannel + Float(channel?.cap ?? 0) }

    /// The most the word list and the n-gram model can add to a score.
    private var largestRiseBeforeChannel: Float { max(0, lexicon?.bonus ?? 0) + Float(ngrams?.cap ?? 0) }

    /// A replacement's score moved by the word list, the n-gram model, then the error channel, clamped to 0...1
    /// (unchanged without them); nil when it cannot exceed `beating`: the channel's share (one look-up) plus the
    /// most the others could add leaves it there, so the costlier word and n-gram look-ups are skipped.
    func adjusted(_ score: Float, _ scalars: [Unicode.Scalar], at position: Int, replacement: Unicode.Scalar,
                  beating: Float? = nil) -> Float? {
        guard hasPriors else { return score }
        let channelShift = channel?.adjustment(original: scalars[position], replacement: replacement) ?? 0
        if let beating, score + channelShift + largestRiseBeforeChannel + 1e-6 <= beating {
            return nil
        }
        var moved = lexicon?.moved(score, scalars, at: position, replacement: replacement) ?? score
        if let ngrams { moved += ngrams.adjustment(scalars, at: position, replacement: replacement) }
        if channel != nil { moved += channelShift }
        return min(1, max(0, moved))
    }

    /// Reads `candidates.json`.
    /// - Throws: the file's read error, `JSONParseError`, or `TaskError.invalidOption` for a malformed file.
    public static func load(contentsOf url: URL) throws -> CorrectionCandidates {
        let json = try JSON.parse(try Data(contentsOf: url))
        guard let table = json["candidates"]?.objectValue else {
            throw TaskError.invalidOption("\(url.lastPathComponent): no \"candidates\" object")
        }
        if let softmax = json["softmax"]?.stringValue, softmax != "candidates" {
            throw TaskError.invalidOption("\(url.lastPathComponent): unsupported softmax \"\(softmax)\"")
        }
        var candidates: [String: String] = [:]
        for (character, others) in table {
            guard let others = others.stringValue else {
                throw TaskError.invalidOption("\(url.lastPathComponent): candidates of \(character) are not a string")
            }
            candidates[character] = others
        }
        if let rounds = json["max_rounds"]?.intValue, rounds < 1 {
            throw TaskError.invalidOption("\(url.lastPathComponent): max_rounds \(rounds) must be at least 1")
        }
        var lexicon: CorrectionLexicon?
        if let wordsFile = json["words"]?.stringValue {
            guard let bonus = json["word_bonus"]?.doubleValue else {
                throw TaskError.invalidOption("\(url.lastPathComponent): \"words\" without a numeric \"word_bonus\"")
            }
            let listURL = url.deletingLastPathComponent().appendingPathComponent(wordsFile)
            guard let list = String(data: try Data(contentsOf: listURL), encoding: .utf8) else {
                throw TaskError.invalidOption("\(wordsFile): not UTF-8 text")
            }
            let words = list.split(whereSeparator: \.isNewline).map(String.init)
            let penalty = try json["word_penalty"].map { value -> Float in
                guard let number = value.doubleValue else {
                    throw TaskError.invalidOption("\(url.lastPathComponent): \"word_penalty\" is not a number")
                }
                return Float(number)
            }
            lexicon = CorrectionLexicon(words: words, bonus: Float(bonus), penalty: penalty)
        }
        /// The file named by `key` next to candidates.json with its non-negative PREFIX_weight and PREFIX_cap.
        func prior<Prior>(_ key: String, _ prefix: String, _ read: (URL, Double, Double) throws -> Prior) throws -> Prior? {
            guard let file = json[key]?.stringValue else { return nil }
            guard let weight = json["\(prefix)_weight"]?.doubleValue, let cap = json["\(prefix)_cap"]?.doubleValue,
                  weight >= 0, cap >= 0
            else {
                throw TaskError.invalidOption(
                    "\(url.lastPathComponent): \"\(key)\" needs non-negative numbers \"\(prefix)_weight\" and \"\(prefix)_cap\"")
            }
            return try read(url.deletingLastPathComponent().appendingPathComponent(file), weight, cap)
        }
        let ngrams = try prior("ngrams", "ngram") { try CorrectionNgrams(contentsOf: $0, weight: $1, cap: $2) }
        let channel = try prior("channel", "channel") { try CorrectionChannel(contentsOf: $0, weight: $1, cap: $2) }
        let rerank = json["rerank"]?.intValue ?? 1
        guard rerank >= 1 else { throw TaskError.invalidOption("\(url.lastPathComponent): rerank \(rerank) must be at least 1") }
        return CorrectionCandidates(
            candidates: candidates, threshold: json["threshold"]?.doubleValue.map(Float.init),
            maxEdits: json["max_edits"]?.intValue, maxRounds: json["max_rounds"]?.intValue,
            laterThreshold: json["later_threshold"]?.doubleValue.map(Float.init), lexicon: lexicon, ngrams: ngrams,
            channel: channel, rerank: rerank)
    }

    /// `directory/candidates.json` when the model directory has one, else nil.
    public static func load(modelDirectory directory: URL) throws -> CorrectionCandidates? {
        let url = directory.appendingPathComponent("candidates.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try load(contentsOf: url)
    }
}
