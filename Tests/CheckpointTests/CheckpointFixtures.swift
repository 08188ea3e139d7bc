import Foundation
import JSON
import Tensor
import Testing

@testable import Checkpoint

/// Locates the committed fixtures (Tests/Fixtures/checkpoint) and their expected checksums.
enum CheckpointFixtures {
    /// The fixture folder, found relative to this source file.
    static let root: String = {
        let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return testsFolder.appendingPathComponent("Fixtures/checkpoint").path
    }()

    static func path(_ relative: String) -> String {
        root + "/" + relative
    }

    /// Expected checksums per fixture and stored tensor name, written by make_checkpoint_fixtures.py.
    static let expected: JSON = {
        guard let data = FileManager.default.contents(atPath: path("expected.json")),
            let json = try? JSON.parse(Array(data))
        else { return .null }
        return json
    }()

    /// FNV-1a 64 over the little-endian fp32 bytes of the tensor, as the generator computes it.
    static func fnv1a(_ tensor: Tensor) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in tensor.scalars {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes in
                for byte in bytes {
                    hash ^= UInt64(byte)
                    hash = hash &* 0x0000_0100_0000_01b3
                }
            }
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Checks every tensor the generator recorded for `fixture` against `source` (stored names).
    static func checkAll(
        _ fixture: String, in source: any TensorSource, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let tensors = try #require(expected[fixture]?.objectValue, sourceLocation: sourceLocation)
        #expect(!tensors.isEmpty, sourceLocation: sourceLocation)
        for (name, info) in tensors where info["dtype"]?.stringValue != "I64" {
            let tensor = try #require(try source.tensor(named: name), "\(fixture): \(name)", sourceLocation: sourceLocation)
            let shape = info["shape"]?.arrayValue?.compactMap(\.intValue)
            #expect(tensor.shape == shape, "\(fixture): \(name)", sourceLocation: sourceLocation)
            #expect(fnv1a(tensor) == info["fnv"]?.stringValue, "\(fixture): \(name)", sourceLocation: sourceLocation)
        }
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "bertd-checkpoint-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `bytes` to a new file in a fresh temporary directory and returns its path.
    static func temporaryFile(_ bytes: [UInt8], name: String = "file") throws -> String {
        let path = try temporaryDirectory() + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        try Array(#require(FileManager.default.contents(atPath: path(relative))))
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Whether `tensor` points into `file`'s mapping (served without a copy).
func isBorrowed(_ tensor: Tensor, from file: MappedFile) -> Bool {
    let mapping = file.allBytes
    guard let start = mapping.baseAddress else { return false }
    let address = UnsafeRawPointer(tensor.storage.base)
    return address >= start && address < start + mapping.count
}

/// The description of the `CheckpointError` `body` throws, or nil when it succeeds.
func errorDescription(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as CheckpointError {
        return error.description
    } catch {
        return "unexpected error type: \(error)"
    }
}
