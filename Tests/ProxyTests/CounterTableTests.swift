@testable import Proxy
import Testing

@Suite struct CounterTableTests {
    @Test func aMemoFindsItsSlotAndAnotherKeyGetsItsOwn() {
        var table = CounterTable<String, Int>()
        var memo = SlotMemo<String>()
        for _ in 0..<3 { table[slot: table.slot(for: "a", memo: &memo) { 0 }] += 1 }
        table[slot: table.slot(for: "b", memo: &memo) { 10 }] += 1
        table[slot: table.slot(for: "a", memo: &memo) { 0 }] += 1
        #expect(table.dictionary == ["a": 4, "b": 11])
        #expect(table["a", default: 0] == 4)
        #expect(table["c"] == nil)
    }

    /// A reset (LOAD … stats reset) empties the table; a memo from before must not write into a slot
    /// that now belongs to another key, or past the end.
    @Test func aResetMakesOldMemosStale() {
        var table = CounterTable<String, Int>()
        var memoA = SlotMemo<String>()
        table[slot: table.slot(for: "a", memo: &memoA) { 0 }] += 5
        table.removeAll()
        #expect(table.isEmpty)
        var memoB = SlotMemo<String>()
        table[slot: table.slot(for: "b", memo: &memoB) { 0 }] += 1
        table[slot: table.slot(for: "a", memo: &memoA) { 0 }] += 1
        #expect(table.dictionary == ["a": 1, "b": 1])
    }

    @Test func theDefaultSubscriptAddsAKeyOnce() {
        var table = CounterTable<Int, Int>()
        table[7, default: 0] += 2
        table[7, default: 0] += 3
        #expect(table.dictionary == [7: 5])
        #expect(table.values.count == 1)
    }
}

extension CounterTableTests {
    /// A session alternating between more shapes than the memo holds still counts each under its own key.
    @Test func aMemoOfAFewKeysCountsEachKeyRight() {
        var table = CounterTable<Int, Int>()
        var memo = SlotMemo<Int>()
        for round in 0..<30 {
            let key = round % 6
            table[slot: table.slot(for: key, memo: &memo) { 0 }] += 1
        }
        #expect(table.dictionary == [0: 5, 1: 5, 2: 5, 3: 5, 4: 5, 5: 5])
    }
}
