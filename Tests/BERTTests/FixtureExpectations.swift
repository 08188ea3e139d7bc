import Foundation
import Tensor
import TestSupport

/// A parity fixture: a tiny checkpoint under Tests/Fixtures/models/<name> and the outputs transformers
/// computed for it (written by scripts/make_model_fixtures.py).
struct ModelFixture {
    struct Slice: Decodable {
        var offset: Int
        var shape: [Int]
    }
    struct Input: Decodable {
        var ids: [Int]
        var typeIds: [Int]
        var positions: [Int]
        var outputs: [String: Slice]
    }
    struct Index: Decodable {
        var fixture: String
        var architecture: String
        var format: String
        var dtype: String
        var inputs: [Input]
    }

    let directory: URL
    let index: Index
    let values: [Float]

    init(_ name: String) throws {
        directory = Fixtures.url("models/\(name)")
        index = try JSONDecoder().decode(
            Index.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        let raw = try Data(contentsOf: directory.appendingPathComponent("expected.f32"))
        values = raw.withUnsafeBytes { bytes in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// The expected values of output `key` for input `input`, flattened.
    func expected(_ input: Input, _ key: String) -> [Float]? {
        guard let slice = input.outputs[key] else { return nil }
        let count = slice.shape.reduce(1, *)
        return Array(values[slice.offset..<(slice.offset + count)])
    }

    /// Every fixture directory that has expected outputs.
    static var all: [String] {
        let root = Fixtures.url("models")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/expected.json").path)
        }.sorted()
    }
}

/// max |a - b|, or infinity when the lengths differ.
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
