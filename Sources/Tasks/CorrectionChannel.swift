import Foundation
import JSON

/// How learners miswrite characters (`channel`, `channel_weight` and `channel_cap` in `candidates.json`): a
/// replacement r of the written character o moves by `weight` x ln((P(r miswritten) x P(o | r miswritten) +
/// floor) / (1 - P(o miswritten))), clamped to ±`cap`. A noisy-channel term: the confusions learners make gain,
/// the ones they do not make lose.
///
/// File (`channel.json`, written by Training/csc_channel.py): `{"weights": {"地": 0.4, ...}, "unseen_weight": 0.3,
/// "floor": 1e-6, "confusions": {"的": {"地": 0.3, ...}, ...}}`.
public struct CorrectionChannel: Sendable, Equatable {
    /// Per character, the chance that a learner miswrites it.
    let miswritten: [Unicode.Scalar: Double]
    /// The chance for a character `miswritten` does not list.
    let unseenWeight: Double
    /// Added to the chance of a confusion, so that one the channel never makes has a finite log.
    let floor: Double
    /// Per intended character, the chance of each character it is miswritten as.
    let confusions: [Unicode.Scalar: [Unicode.Scalar: Double]]
    /// Multiplies the log ratio.
    public var weight: Double
    /// Bound of the adjustment either way.
    public var cap: Double

    /// A channel given directly (characters as one-scalar strings).
    public init(miswritten: [String: Double], unseenWeight: Double, floor: Double,
                confusions: [String: [String: Double]], weight: Double, cap: Double) {
        func scalar(_ text: String) -> Unicode.Scalar? {
            text.unicodeScalars.count == 1 ? text.unicodeScalars.first : nil
        }
        self.miswritten = Dictionary(miswritten.compactMap { key, value in scalar(key).map { ($0, value) } },
                                     uniquingKeysWith: { first, _ in first })
        self.unseenWeight = unseenWeight
        self.floor = floor
        self.confusions = Dictionary(confusions.compactMap { key, row in
            scalar(key).map { ($0, Dictionary(row.compactMap { other, chance in scalar(other).map { ($0, chance) } },
                                             uniquingKeysWith: { first, _ in first })) }
        }, uniquingKeysWith: { first, _ in first })
        self.weight = weight
        self.cap = cap
    }

    /// Reads `channel.json`.
    /// - Throws: the read error, `JSONParseError`, or `TaskError.invalidOption` for a malformed file.
    public init(contentsOf url: URL, weight: Double, cap: Double) throws {
        let json = try JSON.parse(try Data(contentsOf: url))
        let name = url.lastPathComponent
        func number(_ value: JSON?, _ what: String) throws -> Double {
            guard let number = value?.doubleValue else { throw TaskError.invalidOption("\(name): \(what) is not a number") }
            return number
        }
        guard let weights = json["weights"]?.objectValue, let confusions = json["confusions"]?.objectValue else {
            throw TaskError.invalidOption("\(name): no \"weights\" and \"confusions\" objects")
        }
        let unseen = try number(json["unseen_weight"], "unseen_weight"), floor = try number(json["floor"], "floor")
        guard floor > 0, (0...1).contains(unseen) else {
            throw TaskError.invalidOption("\(name): floor must be positive and unseen_weight within 0...1")
        }
        var miswritten: [String: Double] = [:]
        for (character, value) in weights { miswritten[character] = try number(value, "weights[\(character)]") }
        var rows: [String: [String: Double]] = [:]
        for (character, row) in confusions {
            guard let row = row.objectValue else { throw TaskError.invalidOption("\(name): confusions[\(character)] is not an object") }
            var chances: [String: Double] = [:]
            for (other, value) in row { chances[other] = try number(value, "confusions[\(character)][\(other)]") }
            rows[character] = chances
        }
        self.init(miswritten: miswritten, unseenWeight: unseen, floor: floor, confusions: rows, weight: weight, cap: cap)
    }

    /// ln of how much likelier "the writer meant `replacement` and wrote `original`" is than "meant `original`".
    public func logRatio(original: Unicode.Scalar, replacement: Unicode.Scalar) -> Double {
        let meant = miswritten[replacement] ?? unseenWeight, kept = miswritten[original] ?? unseenWeight
        let wrote = meant * (confusions[replacement]?[original] ?? 0) + floor
        return log(wrote / max(floor, 1 - kept))
    }

    /// `weight` x `logRatio`, clamped to ±`cap`, as a score adjustment.
    public func adjustment(original: Unicode.Scalar, replacement: Unicode.Scalar) -> Float {
        Float(max(-cap, min(cap, weight * logRatio(original: original, replacement: replacement))))
    }
}
