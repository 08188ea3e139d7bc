// Element-wise transcendental functions on 16 fp32 lanes, written to match PyTorch's CPU kernels
// (ATen `Vectorized<float>`): the same formulas, so bertd and transformers round alike.

/// Lanes processed together by the element-wise kernels.
typealias Lanes = SIMD16<Float>

enum VectorMath {
    /// |x| lane-wise.
    @inline(__always)
    static func magnitude(_ x: Lanes) -> Lanes {
        x.replacing(with: -x, where: x .< 0)
    }

    /// e^x to about 1 ulp (Cephes `expf`: x = n·ln2 + r, degree-6 polynomial in r, scaled by 2ⁿ).
    ///
    /// Written with lane-wise compares, arithmetic and bit casts only: the standard library's SIMD
    /// `rounded`, `clamped` and float-to-int conversions run lane by lane through libm (~20x slower).
    @inline(__always)
    static func exp(_ input: Lanes) -> Lanes {
        // Below -87.3 the result is subnormal; clamping keeps 2ⁿ representable (result ~1e-38, not 0).
        let low = Lanes(repeating: -87.33654), high = Lanes(repeating: 88.72283)
        var x = input.replacing(with: low, where: input .< low)
        x = x.replacing(with: high, where: x .> high)
        // Adding 1.5·2²³ rounds x·log2(e) to the nearest integer n and leaves n in the low mantissa bits.
        let magic = Lanes(repeating: 12_582_912)
        let shifted: Lanes = x * 1.44269504088896341 + magic
        let n: Lanes = shifted - magic
        var r: Lanes = x - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = Lanes(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r * r + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Lanes.self)  // 2ⁿ
        return p * scale
    }

    /// erf(x) with Abramowitz & Stegun 7.1.26, the formula ATen's vectorized `erf` uses (|error| < 1.5e-7).
    @inline(__always)
    static func erf(_ x: Lanes) -> Lanes {
        let ax = magnitude(x)
        let t: Lanes = 1 / (ax * 0.3275911 + 1)
        var r = Lanes(repeating: 1.061405429)
        r = r * t - 1.453152027
        r = r * t + 1.421413741
        r = r * t - 0.284496736
        r = r * t + 0.254829592
        let e: Lanes = exp(-(ax * ax))
        let y: Lanes = 1 - r * t * e
        return y.replacing(with: -y, where: x .< 0)
    }

    /// tanh(x) = sign(x)·(1 - 2 / (e^{2|x|} + 1)), exact to a few ulp away from 0 and to ~1e-7 absolute near it.
    @inline(__always)
    static func tanh(_ x: Lanes) -> Lanes {
        let ax = magnitude(x)
        let e: Lanes = exp(ax * 2)
        let y: Lanes = 1 - 2 / (e + 1)
        // Near zero the subtraction cancels; the cubic Taylor term is exact there to fp32 precision.
        let small = ax .< 0.0625
        let a2: Lanes = ax * ax
        let series: Lanes = a2 * (2.0 / 15.0) - (1.0 / 3.0)
        let taylor: Lanes = ax + ax * a2 * series
        let magnitude = y.replacing(with: taylor, where: small)
        return magnitude.replacing(with: -magnitude, where: x .< 0)
    }

    /// 1 / (1 + e^{-x}).
    @inline(__always)
    static func sigmoid(_ x: Lanes) -> Lanes {
        let e: Lanes = exp(-x)
        return 1 / (e + 1)
    }

    /// The activation `kind` applied lane-wise, each as transformers defines it.
    @inline(__always)
    static func activate(_ x: Lanes, _ kind: Activation) -> Lanes {
        switch kind {
        case .gelu:
            // 0.5·x·(1 + erf(x/√2))  (torch.nn.functional.gelu, approximate="none")
            let e: Lanes = erf(x * 0.70710678118654752440)
            return x * 0.5 * (e + 1)
        case .geluNew:
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
            let cube: Lanes = x * x * x
            let inner: Lanes = (x + cube * 0.044715) * 0.79788456080286535588
            return x * 0.5 * (tanh(inner) + 1)
        case .geluFast:
            // 0.5·x·(1 + tanh(0.7978845608·x·(1 + 0.044715·x²)))
            let square: Lanes = x * x
            let inner: Lanes = x * 0.7978845608 * (square * 0.044715 + 1)
            return x * 0.5 * (tanh(inner) + 1)
        case .relu:
            return x.replacing(with: 0, where: x .< 0)
        case .silu:
            return x * sigmoid(x)
        case .tanh:
            return tanh(x)
        }
    }
}
