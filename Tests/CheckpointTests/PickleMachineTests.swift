import Testing

@testable import Checkpoint

/// Runs `bytes` with the torch environment; the result or the refusal's reason.
private func unpickle(_ bytes: [UInt8]) -> Result<PickleValue, PickleError> {
    bytes.withUnsafeBytes { raw in
        var machine = PickleMachine(raw, environment: TorchPickleEnvironment())
        return Result { () throws(PickleError) in try machine.run() }
    }
}

private func reason(_ bytes: [UInt8]) -> String? {
    if case .failure(let error) = unpickle(bytes) { return error.reason }
    return nil
}

@Suite struct PickleMachineTests {
    static let proto: [UInt8] = [0x80, 0x02]

    @Test func buildsAStateDictOfTensorRecords() throws {
        // OrderedDict() filled with one tensor: _rebuild_tensor_v2(storage, 2, (2, 3), (3, 1), False, OrderedDict()).
        var bytes = Self.proto + Array("ccollections\nOrderedDict\nq\u{0})R(".utf8)
        bytes += [0x58, 1, 0, 0, 0] + Array("w".utf8)
        bytes += Array("ctorch._utils\n_rebuild_tensor_v2\n((".utf8)
        bytes += [0x58, 7, 0, 0, 0] + Array("storage".utf8) + Array("ctorch\nHalfStorage\n".utf8)
        bytes += [0x8C, 1] + Array("0".utf8) + [0x8C, 3] + Array("cpu".utf8) + [0x4B, 8, 0x74, 0x51]
        bytes += [0x4B, 2, 0x4B, 2, 0x4B, 3, 0x86, 0x4B, 3, 0x4B, 1, 0x86, 0x89, 0x68, 0, 0x29, 0x52, 0x74, 0x52]
        bytes += [0x75, 0x7D, 0x62, 0x2E]  // SETITEMS, then BUILD with an empty state, STOP
        let value = try unpickle(bytes).get()
        guard case .dict(let dictionary) = value, dictionary.entries.count == 1,
            case .string("w") = dictionary.entries[0].key,
            case .opaque(let opaque) = dictionary.entries[0].value, let record = opaque as? TorchTensorRecord
        else {
            Issue.record("unexpected value \(value.kindName)")
            return
        }
        #expect(record == TorchTensorRecord(
            storage: TorchStorageReference(type: .float16, key: "0", count: 8), offset: 2, shape: [2, 3], strides: [3, 1]))
    }

    @Test func integers() throws {
        func int(_ bytes: [UInt8]) -> Int? {
            if case .success(.int(let value)) = unpickle(Self.proto + bytes + [0x2E]) { return value }
            return nil
        }
        #expect(int([0x4B, 0xFF]) == 255)
        #expect(int([0x4D, 0x34, 0x12]) == 0x1234)
        #expect(int([0x4A, 0xFE, 0xFF, 0xFF, 0xFF]) == -2)
        #expect(int([0x8A, 0]) == 0)
        #expect(int([0x8A, 1, 0xFF]) == -1)
        #expect(int([0x8A, 5, 0, 0, 0, 0, 1]) == 1 << 32)
        #expect(reason(Self.proto + [0x8A, 9] + [UInt8](repeating: 0, count: 9) + [0x2E])?.contains("too large") == true)
    }

    @Test func refusals() {
        let cases: [(bytes: [UInt8], fragment: String)] = [
            ([], "no STOP"),
            ([0x80, 0x09, 0x2E], "unsupported pickle protocol 9"),
            (Self.proto + Array("cbuiltins\neval\n".utf8), "global builtins.eval is not allowed"),
            (Self.proto + Array("cposix\nsystem\n".utf8), "global posix.system is not allowed"),
            (Self.proto + Array("ctorch\nload\n".utf8), "global torch.load is not allowed"),
            (Self.proto + [0x63] + Array("torch".utf8), "truncated GLOBAL"),
            (Self.proto + Array("ctorch\nFloatStorage\n)R.".utf8), "torch.FloatStorage cannot be called"),
            (Self.proto + [0x4B, 1, 0x29, 0x52, 0x2E], "REDUCE of int"),
            (Self.proto + Array("i__main__\nX\n".utf8), "opcode 0x69 is not allowed"),
            (Self.proto + [0x4B, 1, 0x4B, 2, 0x2E], "STOP with 2 values"),
            (Self.proto + [0x68, 5, 0x2E], "memo key 5 was never stored"),
            (Self.proto + [0x73], "stack underflow"),
            (Self.proto + [0x28, 0x85], "stack underflow"),  // TUPLE1 may not reach below a MARK
            (Self.proto + [0x74], "no MARK"),
            (Self.proto + [0x58, 9, 0, 0, 0, 0x61], "truncated string"),
            (Self.proto + [0x8C, 1, 0xFF, 0x2E], "not UTF-8"),
            (Self.proto + [0x4B, 1, 0x4B, 1, 0x4B, 1, 0x73, 0x2E], "SETITEM on int"),
            (Self.proto + [0x7D, 0x5D, 0x4B, 1, 0x73, 0x2E], "dict key of type list"),
            (Self.proto + [0x4B, 1, 0x51, 0x2E], "persistent id is not"),
            (Self.proto + [0x5D, 0x71, 0, 0x85, 0x68, 0, 0x4B, 1, 0x61, 0x2E], "already nested"),
            (Self.proto + [0x5D, 0x71, 0, 0x68, 0, 0x61, 0x2E], "appended to itself"),
            (Self.proto + [0x4B, 1, 0x4B, 1, 0x62, 0x2E], "BUILD on int"),
        ]
        for (bytes, fragment) in cases {
            let message = reason(bytes)
            #expect(message?.contains(fragment) == true, "\(bytes): \(message ?? "accepted")")
        }
    }

    @Test func deepNestingIsRefusedNotRecursed() {
        // 100 000 nested one-tuples would overflow the stack when destroyed recursively.
        let bytes = Self.proto + [0x29] + [UInt8](repeating: 0x85, count: 100_000) + [0x2E]
        #expect(reason(bytes)?.contains("nest deeper than") == true)
        let shallow = Self.proto + [0x29] + [UInt8](repeating: 0x85, count: 10) + [0x2E]
        #expect(reason(shallow) == nil)
    }
}
