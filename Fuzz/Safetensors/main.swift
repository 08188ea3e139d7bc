// libFuzzer target: the safetensors header parser over arbitrary bytes (built by scripts/fuzz.sh).
@testable import Checkpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensorsHeader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let header = try? SafetensorsHeader(bytes, path: "fuzz") else { return 0 }
    // An accepted header must only point inside the input; reading every byte lets ASan prove it.
    var checksum: UInt8 = 0
    for entry in header.entries {
        precondition(entry.offset >= 8 && entry.offset + entry.byteCount <= size, "entry outside the input")
        for index in entry.offset..<(entry.offset + entry.byteCount) { checksum &+= bytes[index] }
    }
    return checksum == 0 ? 0 : 0
}
