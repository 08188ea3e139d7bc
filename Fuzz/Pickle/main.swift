// libFuzzer target: the restricted pickle machine with torch's allow-list (built by scripts/fuzz.sh).
@testable import Checkpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var machine = PickleMachine(bytes, environment: TorchPickleEnvironment())
    _ = try? machine.run()
    return 0
}
