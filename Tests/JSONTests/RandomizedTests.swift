import TestSupport
import Testing
@testable import JSON

@Suite struct RandomizedTests {
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomValuesRoundTripExactly(seed: UInt64) throws {
        var random = RandomValues(seed: seed)
        for _ in 0..<500 {
            let value = random.value()
            let bytes = value.serialized()
            let parsed = try JSON.parse(bytes)
            #expect(identical(parsed, value), "\(value)")
            #expect(parsed.serialized() == bytes)
        }
    }

    /// The hand-written writer must match jansson's `json_dumpb` byte for byte (doubles aside: see JSONSerializer).
    @Test(arguments: [5, 6] as [UInt64])
    func writerMatchesJansson(seed: UInt64) throws {
        var random = RandomValues(seed: seed)
        var compared = 0
        for _ in 0..<1000 {
            let value = random.value()
            let jansson = value.serializedByJansson()
            if value.containsDouble {
                #expect(identical(try JSON.parse(jansson), value))
            } else {
                #expect(value.serialized() == jansson, "\(value)")
                compared += 1
            }
        }
        #expect(compared > 300)
    }

    /// Mutated documents either parse to something that round-trips, or throw; they never crash.
    @Test(arguments: [7, 8] as [UInt64])
    func mutatedInputsParseOrThrow(seed: UInt64) throws {
        var random = RandomValues(seed: seed)
        var failures = 0
        for _ in 0..<1500 {
            let input = random.mutate(random.value().serialized())
            do {
                let value = try JSON.parse(input)
                #expect(identical(try JSON.parse(value.serialized()), value))
            } catch {
                failures += 1
                #expect(error.position <= input.count)
                #expect(!error.message.isEmpty)
            }
        }
        #expect(failures > 100, "the mutations should break most documents")
    }

    @Test(arguments: [9] as [UInt64])
    func randomBytesNeverCrash(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let alphabet: [UInt8] = Array("[]{},:\"\\01-9eE.+ truefalsnul".utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xA9, 0xE4, 0xF0, 0xFF]
        for _ in 0..<2000 {
            let input = (0..<Int.random(in: 0...24, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator) ?? 0
            }
            if let value = try? JSON.parse(input) {
                #expect((try? JSON.parse(value.serialized())).map { identical($0, value) } == true)
            }
        }
    }
}
