import Foundation
import Tensor
import Testing

@testable import Checkpoint

@Suite struct SafetensorsTests {
    @Test(arguments: ["bert-mlm-f32-safetensors", "bert-mlm-f16-safetensors", "bert-mlm-bf16-safetensors",
        "bert-model-noprefix", "bert-backbone-prefix", "electra-generator-safetensors"])
    func valuesMatchTorch(_ fixture: String) throws {
        let file = try SafetensorsFile(path: CheckpointFixtures.path(fixture + "/model.safetensors"))
        try CheckpointFixtures.checkAll(fixture, in: file)
        #expect(file.metadata["format"] == "pt")
    }

    @Test func alignedF32IsServedWithoutCopy() throws {
        let file = try SafetensorsFile(path: CheckpointFixtures.path("bert-mlm-f32-safetensors/model.safetensors"))
        for name in file.tensorNames {
            let tensor = try #require(try file.tensor(named: name))
            #expect(isBorrowed(tensor, from: file.file), "\(name) was copied")
        }
    }

    @Test func releasingMappedPagesKeepsTheValues() throws {
        let file = try SafetensorsFile(path: CheckpointFixtures.path("bert-mlm-f32-safetensors/model.safetensors"))
        for name in file.tensorNames {
            let tensor = try #require(try file.tensor(named: name))
            #expect(tensor.storage.isFileBacked)
            let before = tensor.scalars
            tensor.storage.releasePages()
            #expect(tensor.scalars == before, "\(name) changed")
        }
        // Owned memory is never released (it would be lost): the call does nothing there.
        let owned = Tensor(shape: [4096], values: (0..<4096).map(Float.init))
        #expect(!owned.storage.isFileBacked)
        owned.storage.releasePages()
        #expect(owned.scalars == (0..<4096).map(Float.init))
    }

    @Test func halfTensorsAreWidenedIntoOwnedStorage() throws {
        let file = try SafetensorsFile(path: CheckpointFixtures.path("bert-mlm-f16-safetensors/model.safetensors"))
        let name = "bert.embeddings.word_embeddings.weight"
        #expect(file.elementType(of: name) == .float16)
        let tensor = try #require(try file.tensor(named: name))
        #expect(!isBorrowed(tensor, from: file.file))
        #expect(tensor.shape == [64, 8])
    }

    @Test func oddTensors() throws {
        let path = CheckpointFixtures.path("files/odd.safetensors")
        let file = try SafetensorsFile(path: path)
        #expect(Set(file.tensorNames) == ["ids", "pad", "misaligned", "empty"])
        #expect(file.elementType(of: "ids") == .int64)
        // Unsupported dtypes are listed but refused on request, naming the tensor.
        let message = errorDescription { _ = try file.tensor(named: "ids") }
        #expect(message?.contains("tensor ids: dtype I64 is not supported") == true)
        // F32 at an odd address is copied, with the same values.
        let misaligned = try #require(try file.tensor(named: "misaligned"))
        #expect(misaligned.scalars == [1.5, -2.0, 0.25, 3.0])
        #expect(misaligned.shape == [2, 2])
        #expect(!isBorrowed(misaligned, from: file.file))
        let empty = try #require(try file.tensor(named: "empty"))
        #expect(empty.shape == [0, 4] && empty.count == 0)
        #expect(try file.tensor(named: "absent") == nil)
    }

    @Test func missingFileIsAnIOError() {
        let message = errorDescription { _ = try SafetensorsFile(path: "/nonexistent/model.safetensors") }
        #expect(message?.hasPrefix("/nonexistent/model.safetensors: ") == true)
    }

    // MARK: - Malformed headers

    /// A safetensors file made of `header` (padded JSON) and `data`.
    static func file(header: String, data: [UInt8] = [UInt8](repeating: 0, count: 16)) -> [UInt8] {
        let json = Array(header.utf8)
        var length = UInt64(json.count).littleEndian
        return withUnsafeBytes(of: &length) { Array($0) } + json + data
    }

    static let malformedHeaders: [(header: String, fragment: String)] = [
        ("[]", "not an object"),
        ("{\"a\": 1}", "tensor a: entry is not an object"),
        ("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", "tensor a: dtype missing"),
        ("{\"a\": {\"dtype\": \"F33\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "unknown dtype F33"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", "not a non-negative integer"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", "not a non-negative integer"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": 4, \"data_offsets\": [0, 16]}}", "shape missing or not an array"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", "data_offsets is not [begin, end]"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", "outside the data section"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [5], \"data_offsets\": [0, 20]}}", "outside the data section"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", "outside the data section"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", "needs another size"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 16]}}",
            "needs another size"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
            + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", "overlap"),
        ("{\"__metadata__\": {\"format\": 1}}", "__metadata__.format is not a string"),
        ("{\"__metadata__\": []}", "__metadata__ is not an object"),
        ("{\"a\": ", "header is not valid JSON"),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [[[1]]], \"data_offsets\": [0, 4]}}", "header is not valid JSON"),
    ]

    @Test(arguments: 0..<malformedHeaders.count)
    func malformedHeaderIsRefused(_ index: Int) {
        let (header, fragment) = Self.malformedHeaders[index]
        let message = Self.file(header: header).withUnsafeBytes { bytes in
            errorDescription { _ = try SafetensorsHeader(bytes, path: "m.safetensors") }
        }
        #expect(message?.hasPrefix("m.safetensors: malformed: ") == true)
        #expect(message?.contains(fragment) == true, "\(header): \(message ?? "accepted")")
    }

    @Test func headerLengthIsChecked() {
        func message(_ bytes: [UInt8]) -> String? {
            bytes.withUnsafeBytes { raw in errorDescription { _ = try SafetensorsHeader(raw, path: "f") } }
        }
        #expect(message([1, 0, 0]) == "f: malformed: file shorter than its 8-byte header length")
        #expect(message([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])?.contains("too large") == true)
        #expect(message([100, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D])?.contains("runs past the end of the file") == true)
        #expect(message([2, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D]) == nil)  // "{}": no tensors, valid
    }

    @Test func truncatedFixtureIsRefused() throws {
        let bytes = try CheckpointFixtures.bytes("bert-mlm-f32-safetensors/model.safetensors")
        for cut in [0, 7, 8, 100, bytes.count / 2, bytes.count - 1] {
            let path = try CheckpointFixtures.temporaryFile(Array(bytes.prefix(cut)))
            defer { CheckpointFixtures.remove(path) }
            let message = errorDescription { _ = try SafetensorsFile(path: path) }
            #expect(message?.contains("malformed") == true, "cut at \(cut)")
        }
    }
}
