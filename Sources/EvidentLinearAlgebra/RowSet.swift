/// A set of rows of a matrix (passages of an index), one bit a row: what a metadata filter keeps.
public struct RowSet: Sendable, Hashable {
    /// The rows there are: members lie in `0 ..< rowCount`.
    public let rowCount: Int
    /// The number of rows in the set.
    public private(set) var count = 0
    private var words: [UInt64]

    /// The empty set of `rowCount` rows.
    public init(rowCount: Int) {
        precondition(rowCount >= 0, "a row set needs a non-negative row count")
        self.rowCount = rowCount
        words = [UInt64](repeating: 0, count: (rowCount + 63) / 64)
    }

    /// Whether `row` is in the set.
    @inline(__always)
    public func contains(_ row: Int) -> Bool {
        words[row >> 6] & (1 << UInt64(row & 63)) != 0
    }

    /// Adds the rows of `range`.
    public mutating func insert(_ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rowCount, "rows \(range) outside 0..<\(rowCount)")
        var row = range.lowerBound
        while row < range.upperBound {
            // The rows of this word that the range covers, set at once.
            let bit = row & 63
            let width = min(64 - bit, range.upperBound - row)
            let mask: UInt64 = (width == 64 ? ~0 : (1 << UInt64(width)) - 1) << UInt64(bit)
            let word = words[row >> 6]
            count += (mask & ~word).nonzeroBitCount
            words[row >> 6] = word | mask
            row += width
        }
    }

    /// Keeps only the rows that `other` (a set of as many rows) holds too.
    public mutating func formIntersection(_ other: RowSet) {
        precondition(other.rowCount == rowCount, "sets of \(rowCount) and \(other.rowCount) rows")
        count = 0
        for index in words.indices {
            words[index] &= other.words[index]
            count += words[index].nonzeroBitCount
        }
    }

    /// Replaces the set with the rows it does not hold.
    public mutating func formComplement() {
        count = 0
        for index in words.indices {
            let rowsInWord = min(64, rowCount - index * 64)
            let mask: UInt64 = rowsInWord == 64 ? ~0 : (1 << UInt64(rowsInWord)) - 1
            words[index] = ~words[index] & mask
            count += words[index].nonzeroBitCount
        }
    }

    /// The members within `range`, numbered from its start: a set of `range.count` rows.
    public func slice(_ range: Range<Int>) -> RowSet {
        precondition(range.lowerBound >= 0 && range.upperBound <= rowCount, "rows \(range) outside 0..<\(rowCount)")
        var slice = RowSet(rowCount: range.count)
        var row = range.lowerBound
        while let start = firstRow(from: row, members: true), start < range.upperBound {
            let end = min(firstRow(from: start, members: false) ?? rowCount, range.upperBound)
            slice.insert((start - range.lowerBound)..<(end - range.lowerBound))
            row = end
        }
        return slice
    }

    /// The fraction of all rows the set keeps (0 for a set of no rows).
    public var fraction: Double { rowCount == 0 ? 0 : Double(count) / Double(rowCount) }

    /// The members as runs of consecutive rows, in order.
    ///
    /// - Complexity: O(*n* / 64 + *r*) for *n* rows and *r* runs.
    public var runs: [Range<Int>] {
        var runs: [Range<Int>] = []
        var row = 0
        while let start = firstRow(from: row, members: true) {
            let end = firstRow(from: start, members: false) ?? rowCount
            runs.append(start..<end)
            row = end
        }
        return runs
    }

    /// The first row at or after `row` that is a member (or, with `members` false, is not), or `nil`.
    private func firstRow(from row: Int, members: Bool) -> Int? {
        guard row < rowCount else { return nil }
        var wordIndex = row >> 6
        var bits = (members ? words[wordIndex] : ~words[wordIndex]) & (~0 << UInt64(row & 63))
        while bits == 0 {
            wordIndex += 1
            guard wordIndex < words.count else { return nil }
            bits = members ? words[wordIndex] : ~words[wordIndex]
        }
        let found = wordIndex * 64 + bits.trailingZeroBitCount
        return found < rowCount ? found : nil
    }

    /// Moves the members of `rows` to its front, keeping their order, and returns how many there are.
    public func partition(_ rows: UnsafeMutableBufferPointer<Int32>) -> Int {
        var kept = 0
        for position in rows.indices {
            let row = rows[position]
            if contains(Int(row)) {
                rows.swapAt(kept, position)
                kept += 1
            }
        }
        return kept
    }

    /// Sets to zero the entry of every row outside the set (`values` holds one entry a row).
    public func zeroOutside(_ values: UnsafeMutableBufferPointer<Float>) {
        precondition(values.count == rowCount, "\(values.count) values for \(rowCount) rows")
        for (wordIndex, word) in words.enumerated() where word != ~0 {
            let base = wordIndex * 64
            for bit in 0..<min(64, rowCount - base) where word & (1 << UInt64(bit)) == 0 {
                values[base + bit] = 0
            }
        }
    }
}
