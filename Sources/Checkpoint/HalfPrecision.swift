/// Conversions from the 16-bit float formats checkpoints store to fp32. Both are exact: every fp16 and
/// bf16 value (subnormals, infinities, NaN payloads included) has an fp32 value with the same meaning.
enum HalfPrecision {
    /// The fp32 bit pattern of the IEEE binary16 value `half`.
    static func floatBits(fromHalf half: UInt16) -> UInt32 {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x03FF)
        switch exponent {
        case 0x1F:
            // Infinity or NaN: keep the payload in the top mantissa bits.
            return sign | 0x7F80_0000 | mantissa << 13
        case 0 where mantissa == 0:
            return sign
        case 0:
            // Subnormal: value is mantissa·2⁻²⁴; shift the leading one up to the implicit bit.
            var shifted = mantissa
            var exponent32: UInt32 = 127 - 14
            while shifted & 0x0400 == 0 {
                shifted <<= 1
                exponent32 -= 1
            }
            return sign | exponent32 << 23 | (shifted & 0x03FF) << 13
        default:
            // Normal: rebias the exponent from 15 to 127.
            return sign | (exponent + 112) << 23 | mantissa << 13
        }
    }

    /// The fp32 value of the IEEE binary16 value `half`.
    static func float(fromHalf half: UInt16) -> Float {
        Float(bitPattern: floatBits(fromHalf: half))
    }

    /// The fp32 value of the bfloat16 value `bfloat` (the top half of an fp32).
    static func float(fromBFloat bfloat: UInt16) -> Float {
        Float(bitPattern: UInt32(bfloat) << 16)
    }

    /// Widens `count` little-endian 16-bit values at `source` (any alignment) into `destination`.
    static func widen(
        _ format: HalfFormat, from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        switch format {
        case .float16:
            for index in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
                destination[index] = float(fromHalf: bits)
            }
        case .bfloat16:
            for index in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
                destination[index] = float(fromBFloat: bits)
            }
        }
    }

    /// The two 16-bit float layouts.
    enum HalfFormat {
        case float16
        case bfloat16
    }
}
