/// Why a pickle was refused; `offset` is the byte of the opcode at fault.
struct PickleError: Error {
    var offset: Int
    var reason: String
}

/// What the allow-listed globals mean. The machine asks the environment to name globals, call them
/// (REDUCE) and load persistent ids; anything the environment does not know is refused.
protocol PickleEnvironment {
    /// Whether `module.name` may be named by GLOBAL.
    func allowsGlobal(module: String, name: String) -> Bool
    /// The result of calling the allow-listed global with `arguments`.
    func call(module: String, name: String, arguments: [PickleValue]) throws(PickleError) -> PickleValue
    /// The object a BINPERSID id stands for.
    func persistentLoad(_ id: PickleValue) throws(PickleError) -> PickleValue
}

/// A pickle interpreter for the protocol-2 subset torch writes for state dicts. It never imports or
/// executes anything: unknown opcodes and globals outside the environment's allow-list are errors.
struct PickleMachine {
    /// Deeper nesting than this is refused (state dicts nest about 4 levels).
    static let maximumDepth = 64

    private var reader: ByteReader
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private let environment: any PickleEnvironment
    private var opcodeOffset = 0

    init(_ bytes: UnsafeRawBufferPointer, environment: any PickleEnvironment) {
        self.reader = ByteReader(bytes)
        self.environment = environment
    }

    /// Runs the pickle to its STOP opcode and returns the value left on the stack.
    mutating func run() throws(PickleError) -> PickleValue {
        while true {
            opcodeOffset = reader.offset
            guard let opcode = reader.readUInt8() else { throw fail("truncated: no STOP opcode") }
            if opcode == 0x2E {  // STOP
                guard stack.count == 1, marks.isEmpty else { throw fail("STOP with \(stack.count) values on the stack") }
                return stack[0]
            }
            do {
                try step(opcode)
            } catch {
                // Errors from the environment know no offset; report the opcode that called it.
                throw PickleError(offset: opcodeOffset, reason: error.reason)
            }
        }
    }

    // MARK: - Opcodes

    private mutating func step(_ opcode: UInt8) throws(PickleError) {
        switch opcode {
        case 0x80:  // PROTO
            guard let version = reader.readUInt8() else { throw fail("truncated PROTO") }
            guard version >= 2, version <= 5 else { throw fail("unsupported pickle protocol \(version)") }
        case 0x7D: push(.dict(PickleDictionary()))  // EMPTY_DICT
        case 0x5D: push(.list(PickleContainer([])))  // EMPTY_LIST
        case 0x29: push(.tuple(PickleContainer([])))  // EMPTY_TUPLE
        case 0x28: marks.append(stack.count)  // MARK
        case 0x4E: push(.none)  // NONE
        case 0x88: push(.bool(true))  // NEWTRUE
        case 0x89: push(.bool(false))  // NEWFALSE
        case 0x4B: try push(.int(Int(read(width: 1))))  // BININT1
        case 0x4D: try push(.int(Int(read(width: 2))))  // BININT2
        case 0x4A: try push(.int(Int(Int32(truncatingIfNeeded: read(width: 4)))))  // BININT
        case 0x8A: try push(.int(readLong1()))  // LONG1
        case 0x58: try push(.string(readString(lengthWidth: 4)))  // BINUNICODE
        case 0x8C: try push(.string(readString(lengthWidth: 1)))  // SHORT_BINUNICODE
        case 0x71: try memoize(Int(read(width: 1)))  // BINPUT
        case 0x72: try memoize(Int(read(width: 4)))  // LONG_BINPUT
        case 0x94: try memoize(memo.count)  // MEMOIZE
        case 0x68: try recall(Int(read(width: 1)))  // BINGET
        case 0x6A: try recall(Int(read(width: 4)))  // LONG_BINGET
        case 0x74: try push(makeTuple(popMark()))  // TUPLE
        case 0x85: try push(makeTuple(pop(1)))  // TUPLE1
        case 0x86: try push(makeTuple(pop(2)))  // TUPLE2
        case 0x87: try push(makeTuple(pop(3)))  // TUPLE3
        case 0x61: try append(pop(1))  // APPEND
        case 0x65: try append(popMark())  // APPENDS
        case 0x73: try setItems(pop(2))  // SETITEM
        case 0x75: try setItems(popMark())  // SETITEMS
        case 0x63: try global()  // GLOBAL
        case 0x51: try persistentLoad()  // BINPERSID
        case 0x52: try reduce()  // REDUCE
        case 0x62: try build()  // BUILD
        default:
            throw fail("opcode 0x\(String(opcode, radix: 16)) is not allowed")
        }
    }

    private mutating func global() throws(PickleError) {
        let module = try readLine()
        let name = try readLine()
        guard environment.allowsGlobal(module: module, name: name) else {
            throw fail("global \(module).\(name) is not allowed")
        }
        push(.global(module: module, name: name))
    }

    private mutating func persistentLoad() throws(PickleError) {
        let id = try pop(1)[0]
        push(try environment.persistentLoad(id))
    }

    private mutating func reduce() throws(PickleError) {
        let popped = try pop(2)
        guard case .global(let module, let name) = popped[0] else {
            throw fail("REDUCE of \(popped[0].kindName), which is not an allowed callable")
        }
        guard let arguments = popped[1].tupleItems else { throw fail("REDUCE arguments are not a tuple") }
        push(try environment.call(module: module, name: name, arguments: arguments))
    }

    /// BUILD sets an object's state; torch uses it only to attach `_metadata` to the OrderedDict, which
    /// does not affect any tensor, so the state is dropped.
    private mutating func build() throws(PickleError) {
        let popped = try pop(2)
        guard case .dict = popped[0] else { throw fail("BUILD on \(popped[0].kindName) is not allowed") }
        push(popped[0])
    }

    // MARK: - Containers

    private mutating func makeTuple(_ items: [PickleValue]) throws(PickleError) -> PickleValue {
        try nest(items)
        return .tuple(PickleContainer(items))
    }

    private mutating func append(_ items: [PickleValue]) throws(PickleError) {
        guard case .list(let list) = try top() else { throw fail("APPEND to \((try top()).kindName)") }
        guard !list.isNested else { throw fail("APPEND to a list already nested in another container") }
        guard !items.contains(where: { $0.containerIdentity === list }) else { throw fail("list appended to itself") }
        try nest(items)
        for item in items { list.append(item) }
        try checkDepth(list.depth)
    }

    private mutating func setItems(_ items: [PickleValue]) throws(PickleError) {
        guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of values") }
        guard case .dict(let dictionary) = try top() else { throw fail("SETITEM on \((try top()).kindName)") }
        guard !dictionary.isNested else { throw fail("SETITEM on a dict already nested in another container") }
        guard !items.contains(where: { $0.containerIdentity === dictionary }) else {
            throw fail("dict stored in itself")
        }
        try nest(items)
        for index in stride(from: 0, to: items.count, by: 2) {
            switch items[index] {
            case .string, .int: dictionary.set(items[index], items[index + 1])
            default: throw fail("dict key of type \(items[index].kindName)")
            }
        }
        try checkDepth(dictionary.depth)
    }

    /// Marks containers as nested (frozen) and checks that nesting stays shallow.
    private func nest(_ items: [PickleValue]) throws(PickleError) {
        for item in items {
            try checkDepth(item.depth + 1)
            switch item {
            case .tuple(let box), .list(let box): box.isNested = true
            case .dict(let box): box.isNested = true
            default: break
            }
        }
    }

    private func checkDepth(_ depth: Int) throws(PickleError) {
        guard depth <= Self.maximumDepth else { throw fail("values nest deeper than \(Self.maximumDepth) levels") }
    }

    // MARK: - Stack and memo

    private mutating func push(_ value: PickleValue) {
        stack.append(value)
    }

    private func top() throws(PickleError) -> PickleValue {
        guard let last = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow") }
        return last
    }

    /// Pops `count` values (oldest first), never reaching below the innermost mark.
    private mutating func pop(_ count: Int) throws(PickleError) -> [PickleValue] {
        guard stack.count - count >= (marks.last ?? 0) else { throw fail("stack underflow") }
        let values = Array(stack.suffix(count))
        stack.removeLast(count)
        return values
    }

    /// Pops every value above the innermost mark and the mark itself.
    private mutating func popMark() throws(PickleError) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("no MARK on the stack") }
        let values = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return values
    }

    private mutating func memoize(_ key: Int) throws(PickleError) {
        memo[key] = try top()
    }

    private mutating func recall(_ key: Int) throws(PickleError) {
        guard let value = memo[key] else { throw fail("memo key \(key) was never stored") }
        push(value)
    }

    // MARK: - Operands

    private mutating func read(width: Int) throws(PickleError) -> UInt64 {
        guard let value = reader.readUnsigned(width: width) else { throw fail("truncated operand") }
        return value
    }

    /// LONG1: a little-endian two's-complement integer of up to 8 bytes (larger ones are refused).
    private mutating func readLong1() throws(PickleError) -> Int {
        let length = Int(try read(width: 1))
        guard length <= 8 else { throw fail("integer of \(length) bytes is too large") }
        guard length > 0 else { return 0 }
        let raw = try read(width: length)
        let unused = UInt64(64 - 8 * length)
        return Int(Int64(bitPattern: raw << unused) >> Int64(unused))
    }

    private mutating func readString(lengthWidth: Int) throws(PickleError) -> String {
        let length = try read(width: lengthWidth)
        guard let count = Int(exactly: length), let bytes = reader.readBytes(count) else {
            throw fail("truncated string")
        }
        guard let string = String(validating: bytes, as: UTF8.self) else { throw fail("string is not UTF-8") }
        return string
    }

    /// A newline-terminated ASCII operand of GLOBAL.
    private mutating func readLine() throws(PickleError) -> String {
        let start = reader.offset
        while let byte = reader.readUInt8() {
            if byte == 0x0A {
                let bytes = UnsafeRawBufferPointer(rebasing: reader.bytes[start..<(reader.offset - 1)])
                guard let line = String(validating: bytes, as: UTF8.self) else { throw fail("GLOBAL name is not UTF-8") }
                return line
            }
            guard reader.offset - start <= 256 else { throw fail("GLOBAL name too long") }
        }
        throw fail("truncated GLOBAL")
    }

    private func fail(_ reason: String) -> PickleError {
        PickleError(offset: opcodeOffset, reason: reason)
    }
}
