import Testing

@testable import Checkpoint

@Suite struct HalfPrecisionTests {
    @Test func everyHalfWidensLikeTheHardware() {
        // Float16 → Float is exact in hardware (F16C) and the standard library; compare all 65536 patterns.
        var mismatches: [UInt16] = []
        for bits in 0...UInt16.max {
            let ours = HalfPrecision.float(fromHalf: bits)
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                // Keep the sign and the payload in the top mantissa bits (the hardware also sets the quiet bit).
                let expected = reference.bitPattern & ~0x0040_0000
                if !ours.isNaN || ours.bitPattern & ~0x0040_0000 != expected { mismatches.append(bits) }
            } else if ours.bitPattern != reference.bitPattern {
                mismatches.append(bits)
            }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
    }

    @Test func halfEdgeCases() {
        #expect(HalfPrecision.float(fromHalf: 0x0001) == 0x1p-24)  // smallest subnormal
        #expect(HalfPrecision.float(fromHalf: 0x03FF) == 0x1.ff8p-15)  // largest subnormal
        #expect(HalfPrecision.float(fromHalf: 0x0400) == 0x1p-14)  // smallest normal
        #expect(HalfPrecision.float(fromHalf: 0x7BFF) == 65504)
        #expect(HalfPrecision.float(fromHalf: 0x7C00) == .infinity)
        #expect(HalfPrecision.float(fromHalf: 0xFC00) == -.infinity)
        #expect(HalfPrecision.float(fromHalf: 0x8000).bitPattern == (-Float.zero).bitPattern)
        #expect(HalfPrecision.float(fromHalf: 0x7E01).isNaN)
        #expect(HalfPrecision.floatBits(fromHalf: 0x7D01) == 0x7FA0_2000)  // signalling payload kept
    }

    @Test func bfloatIsTheTopHalfOfAFloat() {
        for value: Float in [0, -0.0, 1, -2.5, 0x1p-133, .infinity, -.infinity, .greatestFiniteMagnitude] {
            let top = UInt16(value.bitPattern >> 16)
            #expect(HalfPrecision.float(fromBFloat: top).bitPattern == value.bitPattern & 0xFFFF_0000)
        }
        #expect(HalfPrecision.float(fromBFloat: 0x7FC1).isNaN)
    }

    @Test func widenReadsUnalignedLittleEndianData() {
        // One padding byte first, so the 16-bit values sit at odd addresses.
        let bytes: [UInt8] = [0xAA, 0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0x80, 0x3F]
        var out = [Float](repeating: -1, count: 4)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { buffer in
                HalfPrecision.widen(.float16, from: raw.baseAddress! + 1, count: 3, into: buffer.baseAddress!)
            }
        }
        #expect(out == [1, -2, 0x1p-24, -1])
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { buffer in
                HalfPrecision.widen(.bfloat16, from: raw.baseAddress! + 7, count: 1, into: buffer.baseAddress!)
            }
        }
        #expect(out[0] == Float(bitPattern: 0x3F80_0000))
    }
}
