import Evident
import Testing

@Suite struct RowSetTests {
    /// Random ranges inserted word by word agree with a plain set of the same rows: membership, count, runs, the
    /// complement and slices.
    @Test func insertedRangesAgreeWithASetOfTheirRows() {
        var generator = SplitMix64(seed: 77)
        for rowCount in [0, 1, 63, 64, 65, 200, 1000] {
            var rows = RowSet(rowCount: rowCount)
            var model = Set<Int>()
            for _ in 0..<(rowCount == 0 ? 0 : 12) {
                let start = Int.random(in: 0..<rowCount, using: &generator)
                let end = Int.random(in: start...min(rowCount, start + 150), using: &generator)
                rows.insert(start..<end)
                model.formUnion(start..<end)
            }
            #expect(rows.count == model.count, "\(rowCount) rows")
            #expect((0..<rowCount).allSatisfy { rows.contains($0) == model.contains($0) }, "\(rowCount) rows")
            #expect(Set(rows.runs.flatMap { $0 }) == model)
            #expect(zip(rows.runs, rows.runs.dropFirst()).allSatisfy { $0.upperBound < $1.lowerBound })
            var complement = rows
            complement.formComplement()
            #expect(complement.count == rowCount - model.count)
            #expect((0..<rowCount).allSatisfy { complement.contains($0) != model.contains($0) })
            if rowCount >= 100 {
                let slice = rows.slice(30..<100)
                #expect((0..<70).allSatisfy { slice.contains($0) == model.contains($0 + 30) })
                #expect(slice.count == model.filter { (30..<100).contains($0) }.count)
            }
        }
    }
}
