import Foundation

/// Softmax over `logits` (shifted by the maximum, as transformers' pipelines do in numpy).
func softmax(_ logits: some Collection<Float>) -> [Float] {
    guard let top = logits.max() else { return [] }
    let shifted = logits.map { expf($0 - top) }
    let total = shifted.reduce(0, +)
    return shifted.map { $0 / total }
}

/// The logistic function 1 / (1 + e^-x).
func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// Index of the largest value; the first one on ties (numpy's and torch's argmax).
func argmax(_ values: some Collection<Float>) -> Int {
    var best = 0
    var bestValue = -Float.infinity
    for (index, value) in values.enumerated() where index == 0 || value > bestValue {
        best = index
        bestValue = value
    }
    return best
}

/// Row `row` of a row-major matrix flattened into `values`.
func row(_ values: [Float], _ row: Int, width: Int) -> ArraySlice<Float> {
    values[(row * width)..<((row + 1) * width)]
}
