/// Whether `scalar` is a CJK ideograph the corrector may touch: the unified ideographs, extension A, the
/// compatibility ideographs and the supplementary-plane extensions (the ranges of the training helper's
/// evaluator, Benchmarks/quality/csc_eval.py `is_cjk`).
func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0xF900...0xFAFF, 0x20000...0x2FA1F: true
    default: false
    }
}

/// Scalars after which a sentence ends, for splitting long texts into correction windows.
func endsSentence(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "。", "！", "？", "!", "?", "；", "\n": true
    default: false
    }
}
