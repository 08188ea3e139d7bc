import Foundation
import Tensor
import Testing

@testable import Checkpoint

@Suite struct PyTorchCheckpointTests {
    @Test(arguments: ["bert-mlm-f32-bin", "bert-mlm-f16-bin", "bert-tagger-gamma-beta", "electra-discriminator-bf16-bin"])
    func valuesMatchTorch(_ fixture: String) throws {
        let checkpoint = try PyTorchCheckpoint(path: CheckpointFixtures.path(fixture + "/pytorch_model.bin"))
        try CheckpointFixtures.checkAll(fixture, in: checkpoint)
    }

    @Test func storagesAreServedFromTheMappingAndShared() throws {
        let checkpoint = try PyTorchCheckpoint(path: CheckpointFixtures.path("bert-mlm-f32-bin/pytorch_model.bin"))
        #expect(checkpoint.tensorNames.first == "bert.embeddings.word_embeddings.weight")
        #expect(checkpoint.elementType(of: "bert.embeddings.word_embeddings.weight") == .float32)
        for name in checkpoint.tensorNames {
            let tensor = try #require(try checkpoint.tensor(named: name))
            #expect(isBorrowed(tensor, from: checkpoint.file), "\(name) was copied")
        }
        // torch saves tied weights once: both names point at the same bytes.
        let embeddings = try #require(try checkpoint.tensor(named: "bert.embeddings.word_embeddings.weight"))
        let decoder = try #require(try checkpoint.tensor(named: "cls.predictions.decoder.weight"))
        #expect(embeddings.storage.base == decoder.storage.base)
    }

    @Test func stridedViewsAreCopiedInRowMajorOrder() throws {
        let checkpoint = try PyTorchCheckpoint(path: CheckpointFixtures.path("files/strided.bin"))
        try CheckpointFixtures.checkAll("files/strided.bin", in: checkpoint)
        let transposed = try #require(try checkpoint.tensor(named: "transposed"))
        #expect(transposed.shape == [6, 4])
        let firstColumn: [Float] = [0, 0.75, 1.5, 2.25]
        #expect(Array(transposed.scalars.prefix(4)) == firstColumn)
        let rows = try #require(try checkpoint.tensor(named: "rows"))
        #expect(isBorrowed(rows, from: checkpoint.file))  // contiguous with an offset: no copy
        #expect(rows.scalars.first == 0.75)
        #expect(try checkpoint.tensor(named: "scalar")?.scalars == [2.5])
    }

    @Test func zip64ArchiveReadsTheSame() throws {
        let checkpoint = try PyTorchCheckpoint(path: CheckpointFixtures.path("files/zip64.bin"))
        try CheckpointFixtures.checkAll("bert-mlm-f32-bin", in: checkpoint)
    }

    @Test func refusedArchives() {
        let cases: [(file: String, fragment: String)] = [
            ("files/deflated.bin", "uses compression method 8; only STORED is supported"),
            ("files/evil-global.bin", "data.pkl at byte 2: global os.system is not allowed"),
            ("files/bad-opcode.bin", "opcode 0x47 is not allowed"),
            ("files/not-a-dict.bin", "holds a list, not a state dict"),
            ("files/odd.safetensors", "not a zip archive"),
        ]
        for (file, fragment) in cases {
            let message = errorDescription { _ = try PyTorchCheckpoint(path: CheckpointFixtures.path(file)) }
            #expect(message?.contains(fragment) == true, "\(file): \(message ?? "accepted")")
        }
    }

    @Test func truncatedArchiveIsRefused() throws {
        let bytes = try CheckpointFixtures.bytes("bert-mlm-f32-bin/pytorch_model.bin")
        for cut in [0, 4, 30, 200, bytes.count / 2, bytes.count - 23, bytes.count - 1] {
            let path = try CheckpointFixtures.temporaryFile(Array(bytes.prefix(cut)))
            defer { CheckpointFixtures.remove(path) }
            let message = errorDescription { _ = try PyTorchCheckpoint(path: path) }
            #expect(message?.contains("malformed") == true, "cut at \(cut): \(message ?? "accepted")")
        }
    }
}
