/// Counters by key, kept in an array so that a caller who counts under the same key again and again (a
/// session repeating one query shape, a connection counting its server's queries) remembers the slot
/// and skips hashing the key: `SlotMemo` checks the key and the table's generation, then goes straight to
/// the array. `removeAll` (a stats reset) starts a new generation, so no memo outlives it.
struct CounterTable<Key: Hashable, Value> {
    private(set) var values: [Value] = []
    private(set) var keys: [Key] = []
    private var slots: [Key: Int] = [:]
    /// Bumped by `removeAll`; a memo from an older generation is stale.
    private(set) var generation: UInt64 = 0

    var isEmpty: Bool { values.isEmpty }

    /// The slot of `key`, made with `initial()` the first time.
    mutating func slot(for key: Key, initial: () -> Value) -> Int {
        if let slot = slots[key] { return slot }
        values.append(initial())
        keys.append(key)
        slots[key] = values.count - 1
        return values.count - 1
    }

    /// The slot of `key` through `memo` when it still names it, else by lookup (and the memo learns it).
    mutating func slot(for key: Key, memo: inout SlotMemo<Key>, initial: () -> Value) -> Int {
        if let known = memo.slot(for: key, generation: generation) { return known }
        let slot = slot(for: key, initial: initial)
        memo = SlotMemo(key: key, slot: slot, generation: generation)
        return slot
    }

    subscript(slot slot: Int) -> Value {
        get { values[slot] }
        _modify { yield &values[slot] }
    }

    subscript(key: Key, default initial: @autoclosure () -> Value) -> Value {
        get { slots[key].map { values[$0] } ?? initial() }
        _modify {
            let slot = slot(for: key, initial: initial)
            yield &values[slot]
        }
    }

    subscript(key: Key) -> Value? { slots[key].map { values[$0] } }

    /// Every counter, by key (for the admin's copy).
    var dictionary: [Key: Value] {
        var out: [Key: Value] = [:]
        out.reserveCapacity(values.count)
        for (slot, key) in keys.enumerated() { out[key] = values[slot] }
        return out
    }

    mutating func removeAll() {
        values = []
        keys = []
        slots = [:]
        generation &+= 1
    }
}

/// A remembered slot of a `CounterTable`: the key it was for and the table generation it belongs to.
struct SlotMemo<Key: Hashable> {
    private var key: Key?
    private var slot = 0
    private var generation: UInt64 = 0

    init() {}

    fileprivate init(key: Key, slot: Int, generation: UInt64) {
        self.key = key
        self.slot = slot
        self.generation = generation
    }

    fileprivate func slot(for key: Key, generation: UInt64) -> Int? {
        guard generation == self.generation, let known = self.key, known == key else { return nil }
        return slot
    }
}
