/// A trie over UTF-8 bytes whose edges live in one open-addressed hash table.
///
/// Longest-prefix search walks the text once instead of hashing every candidate substring, which is what
/// greedy WordPiece needs; keeping all edges in one flat table avoids a pointer per node.
struct ByteTrie: Sendable {
    /// Edge keys: `(node << 8 | byte) + 1`, 0 marks an empty slot.
    private var keys: [UInt32]
    /// Child node of each edge.
    private var children: [UInt32]
    /// Id of the entry that ends at each node, or -1.
    private var terminal: [Int32]
    /// Children of the root, indexed by byte, so the first step needs no hashing.
    private var rootChildren: [UInt32]
    private var mask: Int

    init(entries: [String: Int32]) {
        let totalBytes = entries.keys.reduce(0) { $0 + $1.utf8.count }
        var capacity = 1024
        while capacity < totalBytes * 2 { capacity *= 2 }
        keys = [UInt32](repeating: 0, count: capacity)
        children = [UInt32](repeating: 0, count: capacity)
        terminal = [-1]
        rootChildren = [UInt32](repeating: 0, count: 256)
        mask = capacity - 1
        // Sorted for a deterministic layout.
        for (token, id) in entries.sorted(by: { $0.value < $1.value }) {
            var node: UInt32 = 0
            for byte in token.utf8 {
                if let child = child(of: node, byte) {
                    node = child
                } else {
                    let child = UInt32(terminal.count)
                    terminal.append(-1)
                    insert(node, byte, child)
                    node = child
                }
            }
            terminal[Int(node)] = id
        }
    }

    @inline(__always)
    private static func slot(_ key: UInt32, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B1) >> 7) & mask
    }

    private mutating func insert(_ node: UInt32, _ byte: UInt8, _ child: UInt32) {
        if node == 0 { rootChildren[Int(byte)] = child }
        let key = (node << 8 | UInt32(byte)) &+ 1
        var slot = Self.slot(key, mask)
        while keys[slot] != 0 { slot = (slot + 1) & mask }
        keys[slot] = key
        children[slot] = child
    }

    @inline(__always)
    func child(of node: UInt32, _ byte: UInt8) -> UInt32? {
        if node == 0 {
            let child = rootChildren.withUnsafeBufferPointer { $0[Int(byte)] }
            return child == 0 ? nil : child
        }
        let key = (node << 8 | UInt32(byte)) &+ 1
        return keys.withUnsafeBufferPointer { keys in
            var slot = Self.slot(key, mask)
            while true {
                let found = keys[slot]
                if found == key { return children.withUnsafeBufferPointer { $0[slot] } }
                if found == 0 { return nil }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The node reached by `bytes` from the root, if every edge exists.
    func walk(_ bytes: [UInt8]) -> UInt32? {
        var node: UInt32 = 0
        for byte in bytes {
            guard let next = child(of: node, byte) else { return nil }
            node = next
        }
        return node
    }

    /// Longest entry (length in bytes, id) spelled by `bytes[start...]` from `node`, not past `end`.
    @inline(__always)
    func longestMatch(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, node: UInt32
    ) -> (length: Int, id: Int32)? {
        var node = node
        var best: (length: Int, id: Int32)?
        var index = start
        terminal.withUnsafeBufferPointer { terminal in
            while index < end, let next = child(of: node, bytes[index]) {
                node = next
                index += 1
                let id = terminal[Int(node)]
                if id >= 0 { best = (index - start, id) }
            }
        }
        return best
    }
}
