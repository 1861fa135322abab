/// The list-collapsing passes over digest text: long runs of `?` values, then long runs of identical
/// collapsed groups (multi-row INSERTs), so that queries differing only in list length share a digest.
enum DigestGrouping {
    private static let question = UInt8(ascii: "?"), comma = UInt8(ascii: ","), open = UInt8(ascii: "("), close = UInt8(ascii: ")")
    private static let ellipsis = Array(",...".utf8)

    /// `?,?,?,?,?` (≥ limit+2 items) → `?,?,?,...` for limit 3; `limit+1` items stay as they are.
    static func collapseValues(_ text: [UInt8], limit: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        let n = text.count
        while i < n {
            guard text[i] == question, isBoundaryBefore(text, i), isBoundaryAfter(text, i + 1) else {
                out.append(text[i])
                i += 1
                continue
            }
            var items = 1
            var end = i + 1
            while end + 1 < n, text[end] == comma, text[end + 1] == question, isBoundaryAfter(text, end + 2) {
                items += 1
                end += 2
            }
            if items >= limit + 2 {
                for item in 0..<limit {
                    if item > 0 { out.append(comma) }
                    out.append(question)
                }
                out.append(contentsOf: ellipsis)
            } else {
                out.append(contentsOf: text[i..<end])
            }
            i = end
        }
        return out
    }

    /// `(…,...),(…,...),…` with more than `limit` identical collapsed groups → `limit` of them and `,...`.
    static func collapseGroups(_ text: [UInt8], limit: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        let n = text.count
        while i < n {
            guard text[i] == open, let groupEnd = matchingClose(text, from: i), groupEnd - i >= 5,
                  text[(groupEnd - 4)...groupEnd].elementsEqual(Array(",...)".utf8)) else {
                out.append(text[i])
                i += 1
                continue
            }
            let group = text[i...groupEnd]
            var count = 1
            var next = groupEnd + 1
            while next + group.count < n, text[next] == comma, text[(next + 1)...(next + group.count)].elementsEqual(group) {
                count += 1
                next += 1 + group.count
            }
            if count > limit {
                for index in 0..<limit {
                    if index > 0 { out.append(comma) }
                    out.append(contentsOf: group)
                }
                out.append(contentsOf: ellipsis)
            } else {
                out.append(contentsOf: text[i..<next])
            }
            i = next
        }
        return out
    }

    private static func isBoundaryBefore(_ text: [UInt8], _ index: Int) -> Bool {
        index == 0 || text[index - 1] == open || text[index - 1] == comma || text[index - 1] == 0x20
    }

    private static func isBoundaryAfter(_ text: [UInt8], _ index: Int) -> Bool {
        index >= text.count || text[index] == comma || text[index] == close || text[index] == 0x20
    }

    private static func matchingClose(_ text: [UInt8], from start: Int) -> Int? {
        var depth = 0
        for index in start..<text.count {
            if text[index] == open { depth += 1 }
            if text[index] == close {
                depth -= 1
                if depth == 0 { return index }
            }
        }
        return nil
    }
}
