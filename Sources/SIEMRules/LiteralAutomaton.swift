/// Aho–Corasick over ASCII-folded bytes: finds which of many needles occur in a text in one pass.
///
/// The automaton is a dense DFA over byte classes (bytes that occur in no needle share class 0),
/// built once when rules load and immutable afterwards, so it is `Sendable` and lock-free.
struct LiteralAutomaton: Sendable {
    private let classOf: [UInt8]  // 256 entries: folded byte -> class
    private let classCount: Int
    private let transitions: [Int32]  // state * classCount + class -> state
    /// For each state, the needle ids that end here (own or through suffix links).
    private let outputs: [[Int32]]

    init(needles: [[UInt8]]) {
        var classOf = [UInt8](repeating: 0, count: 256)
        var nextClass = 1
        for needle in needles {
            for byte in needle where classOf[Int(Self.fold(byte))] == 0 {
                classOf[Int(Self.fold(byte))] = UInt8(nextClass)
                nextClass += 1
                precondition(nextClass < 256)
            }
        }
        let classCount = nextClass
        // Trie.
        var trie: [[Int32]] = [[Int32](repeating: -1, count: classCount)]
        var own: [[Int32]] = [[]]
        for (id, needle) in needles.enumerated() where !needle.isEmpty {
            var state = 0
            for byte in needle {
                let symbol = Int(classOf[Int(Self.fold(byte))])
                if trie[state][symbol] < 0 {
                    trie[state][symbol] = Int32(trie.count)
                    trie.append([Int32](repeating: -1, count: classCount))
                    own.append([])
                }
                state = Int(trie[state][symbol])
            }
            own[state].append(Int32(id))
        }
        // Breadth-first failure links, completing the DFA as we go.
        var failure = [Int32](repeating: 0, count: trie.count)
        var outputs = own
        var queue: [Int] = []
        for symbol in 0..<classCount {
            if trie[0][symbol] < 0 {
                trie[0][symbol] = 0
            } else {
                queue.append(Int(trie[0][symbol]))
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            outputs[state] += outputs[Int(failure[state])]
            for symbol in 0..<classCount {
                let child = trie[state][symbol]
                if child < 0 {
                    trie[state][symbol] = trie[Int(failure[state])][symbol]
                } else {
                    failure[Int(child)] = trie[Int(failure[state])][symbol]
                    queue.append(Int(child))
                }
            }
        }
        self.classOf = classOf
        self.classCount = classCount
        self.transitions = trie.flatMap { $0 }
        self.outputs = outputs
    }

    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 { byte &- 0x41 < 26 ? byte | 0x20 : byte }

    /// Calls `found` with the id of every needle occurrence in `text` (ids may repeat).
    @inline(__always)
    func scan(_ text: String, _ found: (Int32) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            transitions.withUnsafeBufferPointer { table in
                classOf.withUnsafeBufferPointer { classes in
                    var state = 0
                    for byte in bytes {
                        let symbol = Int(classes[Int(Self.fold(byte))])
                        state = Int(table[state &* classCount &+ symbol])
                        if !outputs[state].isEmpty {
                            for id in outputs[state] { found(id) }
                        }
                    }
                }
            }
        }
    }
}
