/// Counters by key, kept in an array so that a caller who counts under the same keys again and again (a
/// session repeating a few query shapes, a connection counting its server's queries) remembers the slots
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
        memo.remember(key, slot: slot, generation: generation)
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

    /// Keeps the keys `keep` accepts, each value replaced by `transform`. When nothing is dropped, slots stay and so
    /// do memos; otherwise the table is rebuilt under a new generation.
    mutating func retain(where keep: (Key) -> Bool, updating transform: (Value) -> Value) {
        let kept = keys.indices.filter { keep(keys[$0]) }
        if kept.count == keys.count {
            for index in values.indices { values[index] = transform(values[index]) }
            return
        }
        let (oldKeys, oldValues) = (keys, values)
        removeAll()
        for index in kept {
            _ = slot(for: oldKeys[index]) { transform(oldValues[index]) }
        }
    }

    mutating func removeAll() {
        values = []
        keys = []
        slots = [:]
        generation &+= 1
    }
}

/// The last few slots a caller used in a `CounterTable` (a session alternating between a handful of
/// query shapes finds each of them), with the table generation they belong to.
struct SlotMemo<Key: Hashable> {
    private static var capacity: Int { 4 }
    private var entries: [(key: Key, slot: Int)] = []
    private var next = 0
    private var generation: UInt64 = 0

    init() {}

    fileprivate mutating func remember(_ key: Key, slot: Int, generation: UInt64) {
        if generation != self.generation {
            entries.removeAll(keepingCapacity: true)
            next = 0
            self.generation = generation
        }
        if entries.count < Self.capacity {
            entries.append((key, slot))
        } else {
            entries[next] = (key, slot)
            next = (next + 1) % Self.capacity
        }
    }

    fileprivate func slot(for key: Key, generation: UInt64) -> Int? {
        guard generation == self.generation else { return nil }
        for entry in entries where entry.key == key { return entry.slot }
        return nil
    }
}
