/// A value built by the restricted unpickler. Only data reaches it: no pickled callable is ever run,
/// allow-listed globals are names interpreted by a `PickleEnvironment`.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case string(String)
    case tuple(PickleContainer)
    case list(PickleContainer)
    case dict(PickleDictionary)
    /// An allow-listed global, by its module and name.
    case global(module: String, name: String)
    /// A value the environment made (a storage or a tensor record); opaque to the machine.
    case opaque(any Sendable)

    /// How many containers deep this value nests (0 for scalars); bounded so that destroying a value
    /// can never recurse deeply.
    var depth: Int {
        switch self {
        case .tuple(let box), .list(let box): box.depth
        case .dict(let box): box.depth
        default: 0
        }
    }

    /// The container box when this is a tuple, list or dictionary.
    var containerIdentity: AnyObject? {
        switch self {
        case .tuple(let box), .list(let box): box
        case .dict(let box): box
        default: nil
        }
    }

    /// The items of a tuple, or nil.
    var tupleItems: [PickleValue]? {
        if case .tuple(let box) = self { return box.items }
        return nil
    }

    /// A short name of the value's kind for error messages.
    var kindName: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int: "int"
        case .string: "str"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case .global(let module, let name): "\(module).\(name)"
        case .opaque(let value): "\(type(of: value))"
        }
    }
}

/// A tuple's or list's items. A reference type because a memoized list is filled after it is memoized;
/// once nested in another container it is frozen, which keeps `depth` exact and rules out cycles.
final class PickleContainer {
    private(set) var items: [PickleValue]
    private(set) var depth: Int
    /// Set when the container is placed inside another one; later mutation is refused.
    var isNested = false

    init(_ items: [PickleValue]) {
        self.items = items
        self.depth = 1 + (items.map(\.depth).max() ?? 0)
    }

    func append(_ item: PickleValue) {
        items.append(item)
        depth = max(depth, item.depth + 1)
    }
}

/// A dictionary's entries in insertion order (keys are strings or ints; OrderedDict semantics).
final class PickleDictionary {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private(set) var depth = 1
    var isNested = false

    func set(_ key: PickleValue, _ value: PickleValue) {
        entries.append((key, value))
        depth = max(depth, key.depth + 1, value.depth + 1)
    }
}
