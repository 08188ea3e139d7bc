import Foundation
import Testing
import TestSupport

@testable import Tasks

@Test func tagsAreParsedByScheme() {
    #expect(Tag("B-PER").role == .begin && Tag("B-PER").type == "PER")
    #expect(Tag("I_LOC").role == .inside && Tag("I_LOC").type == "LOC")
    #expect(Tag("M-ORG").role == .inside && Tag("M-ORG").type == "ORG")
    #expect(Tag("E-PER").role == .end && Tag("E-PER").type == "PER")
    #expect(Tag("L-PER").role == .end && Tag("L-PER").type == "PER")
    #expect(Tag("S-PER").role == .single && Tag("S-PER").type == "PER")
    #expect(Tag("U-PER").role == .single && Tag("U-PER").type == "PER")
    #expect(Tag("O").role == .plain && Tag("O").type == "O")
    #expect(Tag("PER").role == .plain && Tag("PER").type == "PER")
    #expect(Tag("B-").role == .plain && Tag("B-").type == "B-")
    #expect(Tag("X-Y").role == .plain && Tag("X-Y").type == "X-Y")
}

@Test func continuationFollowsTheScheme() {
    let cases: [(String, String, Bool)] = [
        ("B-PER", "I-PER", true), ("I-PER", "I-PER", true), ("B-PER", "E-PER", true), ("M-PER", "E-PER", true),
        ("B-PER", "B-PER", false), ("S-PER", "S-PER", false), ("E-PER", "I-PER", false), ("B-PER", "I-LOC", false),
        ("O", "I-PER", false), ("PER", "PER", true), ("PER", "LOC", false), ("B-PER", "PER", false),
    ]
    for (previous, next, continues) in cases {
        #expect(Tag(next).continues(Tag(previous)) == continues, "\(previous) -> \(next)")
    }
}

@Test func viterbiRepairsAnOrphanInside() {
    let transitions = TagTransitions(labels: ["O", "B-PER", "I-PER"])
    let units: [[Float]] = [[0.5, 0.4, 0.1], [0.3, 0.1, 0.6]]
    #expect(units.map { argmax($0) } == [0, 2])  // O I-PER: an orphan I-
    #expect(transitions.viterbi(units) == [1, 2])  // B-PER I-PER: 0.4 x 0.6 beats O O (0.5 x 0.3)
}

@Test func viterbiClosesBIOESEntities() {
    let transitions = TagTransitions(labels: ["O", "B-PER", "I-PER", "E-PER", "S-PER"])
    #expect(transitions.closes)
    // The last unit prefers B-PER, which BIOES cannot end on.
    let path = transitions.viterbi([[0.9, 0.05, 0.02, 0.02, 0.01], [0.1, 0.5, 0.1, 0.1, 0.2]])
    #expect(path == [0, 4])
}

/// Viterbi returns the best allowed path: checked against every path of small random problems.
@Test(arguments: [["O", "B-PER", "I-PER", "B-LOC", "I-LOC"], ["O", "B-X", "I-X", "E-X", "S-X"], ["O", "PER", "LOC"]])
func viterbiFindsTheBestAllowedPath(labels: [String]) {
    let transitions = TagTransitions(labels: labels)
    var generator = SeededGenerator(seed: 42)
    for _ in 0..<40 {
        let units = (0..<3).map { _ in
            let raw = labels.map { _ in Float(generator.next() % 1000 + 1) }
            let total = raw.reduce(0, +)
            return raw.map { $0 / total }
        }
        func allowed(_ path: [Int]) -> Bool {
            guard let first = path.first, let last = path.last, transitions.canStart(first), transitions.canEnd(last) else {
                return false
            }
            return zip(path, path.dropFirst()).allSatisfy { transitions.allows($0, $1) }
        }
        func score(_ path: [Int]) -> Float { zip(units, path).reduce(0) { $0 + log($1.0[$1.1]) } }
        var best: [Int]? = nil
        for a in labels.indices {
            for b in labels.indices {
                for c in labels.indices where allowed([a, b, c]) {
                    if best.map({ score([a, b, c]) > score($0) }) ?? true { best = [a, b, c] }
                }
            }
        }
        let path = transitions.viterbi(units)
        #expect(allowed(path))
        #expect(abs(score(path) - score(best ?? [])) <= 1e-5)
    }
}

