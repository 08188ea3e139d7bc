import Foundation
import Tensor
import Testing

@testable import Checkpoint

/// SplitMix64: a tiny deterministic generator, so every fuzz run sees the same cases.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Randomized robustness checks: mutated and random inputs must be refused with a `CheckpointError` or
/// accepted with every tensor inside the file — never a crash or an out-of-bounds read.
@Suite struct FuzzTests {
    /// Mutations of `bytes`: flipped bytes (mostly within the first `hot` bytes), truncations,
    /// insertions, and overwritten little-endian integers.
    static func mutate(_ bytes: [UInt8], hot: Int, using random: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let limit = Bool.random(using: &random) ? min(hot, bytes.count) : bytes.count
            guard limit > 0 else { break }
            let at = Int.random(in: 0..<limit, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            case 2: bytes.removeSubrange(at...)
            case 3: bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
            case 4: bytes.remove(at: at)
            default:
                // An integer field set to an edge value, as length and offset fields are.
                let edge: [UInt64] = [0, 1, 0xFF, 0xFFFF, 0xFFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, .max]
                var value = edge.randomElement(using: &random)!.littleEndian
                let width = [2, 4, 8].randomElement(using: &random)!
                withUnsafeBytes(of: &value) { raw in
                    for index in 0..<width where at + index < bytes.count { bytes[at + index] = raw[index] }
                }
            }
        }
        return bytes
    }

    /// A random safetensors header: valid-looking entries with random dtypes, shapes and offsets.
    static func randomHeader(using random: inout SplitMix64) -> [UInt8] {
        let dtypes = ["F32", "F16", "BF16", "I64", "U8", "BOOL", "F64", "X", ""]
        let numbers = ["0", "1", "2", "4", "-1", "1.5", "9223372036854775807", "18446744073709551616", "1e400", "\"3\"", "null"]
        var entries: [String] = []
        var offset = 0
        for index in 0..<Int.random(in: 0...5, using: &random) {
            let rank = Int.random(in: 0...3, using: &random)
            let shape = (0..<rank).map { _ in Bool.random(using: &random) ? String(Int.random(in: 0...4, using: &random)) : numbers.randomElement(using: &random)! }
            let length = Int.random(in: 0...40, using: &random)
            let begin = Bool.random(using: &random) ? String(offset) : numbers.randomElement(using: &random)!
            let end = Bool.random(using: &random) ? String(offset + length) : numbers.randomElement(using: &random)!
            offset += length
            entries.append(
                "\"t\(index)\": {\"dtype\": \"\(dtypes.randomElement(using: &random)!)\", \"shape\": [\(shape.joined(separator: ","))], \"data_offsets\": [\(begin), \(end)]}")
        }
        if Bool.random(using: &random) { entries.append("\"__metadata__\": {\"format\": \"pt\"}") }
        var json = Array("{\(entries.joined(separator: ", "))}".utf8)
        if Int.random(in: 0..<4, using: &random) == 0 { json = mutate(json, hot: json.count, using: &random) }
        var length = UInt64(json.count).littleEndian
        let data = (0..<Int.random(in: 0...120, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        return withUnsafeBytes(of: &length) { Array($0) } + json + data
    }

    @Test func safetensorsHeaderParserNeverCrashes() throws {
        var random = SplitMix64(state: 0x5AFE_7E45)
        let seeds = [
            try CheckpointFixtures.bytes("bert-mlm-f16-safetensors/model.safetensors"),
            try CheckpointFixtures.bytes("files/odd.safetensors"),
        ]
        let folder = try CheckpointFixtures.temporaryDirectory()
        defer { CheckpointFixtures.remove(folder) }
        var accepted = 0
        let cases = 6000
        for index in 0..<cases {
            let bytes: [UInt8]
            if index % 2 == 0 {
                let seed = seeds[index / 2 % seeds.count]
                let headerEnd = 8 + Int(seed[0]) + Int(seed[1]) << 8
                bytes = Self.mutate(seed, hot: headerEnd, using: &random)
            } else {
                bytes = Self.randomHeader(using: &random)
            }
            let header: SafetensorsHeader? = bytes.withUnsafeBytes { raw in
                do {
                    return try SafetensorsHeader(raw, path: "fuzz")
                } catch {
                    return nil
                }
            }
            guard let header else { continue }
            accepted += 1
            for entry in header.entries {
                #expect(entry.offset >= 8 && entry.offset + entry.byteCount <= bytes.count, "case \(index): \(entry.name)")
            }
            // Every 20th accepted file also goes through the mapping and serves every tensor.
            if accepted % 20 == 0 {
                let path = folder + "/case.safetensors"
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let file = try SafetensorsFile(path: path)
                for name in file.tensorNames {
                    do {
                        let tensor = try file.tensor(named: name)
                        #expect(tensor?.count == file.shape(of: name)?.reduce(1, *))
                    } catch {
                        #expect(file.elementType(of: name)?.isSupported == false, "case \(index): \(error)")
                    }
                }
            }
        }
        // Both outcomes must occur, or the generator tests nothing.
        #expect(accepted > cases / 20 && accepted < cases * 9 / 10, "accepted \(accepted) of \(cases)")
    }

    @Test func pickleMachineNeverCrashes() throws {
        let checkpoint = try PyTorchCheckpoint(path: CheckpointFixtures.path("bert-mlm-f16-bin/pytorch_model.bin"))
        let archive = try ZipArchive(file: checkpoint.file)
        let entry = try #require(archive.entries.first { $0.name.hasSuffix("/data.pkl") })
        let pickle = Array(try #require(checkpoint.file.bytes(entry.dataOffset..<(entry.dataOffset + entry.size))))
        var random = SplitMix64(state: 0x9111_C4E5)
        // Opcodes the machine knows, so random programs get past the first byte.
        let alphabet: [UInt8] = Array("}])(NKMJqrhjtsuaecQRb".utf8) + [0x80, 0x02, 0x88, 0x89, 0x8A, 0x8C, 0x85, 0x86, 0x87, 0x94, 0x2E, 0x58, 0x00, 0x01]
        var refused = 0
        let cases = 2500
        for index in 0..<cases {
            let bytes: [UInt8] =
                index % 3 == 0
                ? [0x80, 0x02] + (0..<Int.random(in: 1...64, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
                : Self.mutate(pickle, hot: pickle.count, using: &random)
            let outcome: Result<PickleValue, PickleError> = bytes.withUnsafeBytes { raw in
                var machine = PickleMachine(raw, environment: TorchPickleEnvironment())
                return Result { () throws(PickleError) in try machine.run() }
            }
            if case .failure = outcome { refused += 1 }
        }
        #expect(refused > cases / 2 && refused < cases, "refused \(refused) of \(cases)")
    }

    @Test func torchArchiveReaderNeverCrashes() throws {
        let seed = try CheckpointFixtures.bytes("bert-mlm-f16-bin/pytorch_model.bin")
        let folder = try CheckpointFixtures.temporaryDirectory()
        defer { CheckpointFixtures.remove(folder) }
        let path = folder + "/case.bin"
        var random = SplitMix64(state: 0x21B_A4C1)
        var accepted = 0
        let cases = 500
        for index in 0..<cases {
            // Aim at the pickle (first ~5 kB) and at the central directory (last ~1.5 kB) as often as at data.
            var bytes = Self.mutate(seed, hot: 5000, using: &random)
            if index % 2 == 0 { bytes = seed.count == bytes.count ? Self.mutateTail(seed, using: &random) : bytes }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            guard let checkpoint = try? PyTorchCheckpoint(path: path) else { continue }
            accepted += 1
            for name in checkpoint.tensorNames {
                let tensor = try? checkpoint.tensor(named: name)
                #expect(tensor == nil || tensor?.count == checkpoint.shape(of: name)?.reduce(1, *), "case \(index)")
            }
        }
        #expect(accepted > 0 && accepted < cases, "accepted \(accepted) of \(cases)")
    }

    static func mutateTail(_ bytes: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let at = Int.random(in: max(0, bytes.count - 1500)..<bytes.count, using: &random)
            bytes[at] = UInt8.random(in: 0...255, using: &random)
        }
        return bytes
    }
}
