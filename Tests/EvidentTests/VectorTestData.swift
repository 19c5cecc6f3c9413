import Evident
import Testing

func normalised(_ vector: [Float]) -> [Float] {
    let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return norm > 0 ? vector.map { $0 / norm } : vector
}

/// Random unit vectors, row-major.
func randomUnitVectors(count: Int, dimension: Int, generator: inout SplitMix64) -> [Float] {
    (0..<count).flatMap { _ in normalised((0..<dimension).map { _ in generator.gaussian() }) }
}

/// Unit vectors drawn around `centreCount` random centres, as real embeddings cluster by topic.
func clusteredUnitVectors(
    count: Int, dimension: Int, centreCount: Int, spread: Float, generator: inout SplitMix64
) -> [Float] {
    let centres = (0..<centreCount).map { _ in normalised((0..<dimension).map { _ in generator.gaussian() }) }
    return (0..<count).flatMap { _ in
        let centre = centres[Int.random(in: 0..<centreCount, using: &generator)]
        return normalised(centre.map { $0 + spread * generator.gaussian() })
    }
}

/// 64-dimensional clustered unit vectors (as embeddings of a corpus are) and 100 queries near indexed vectors.
func clusteredIndexAndQueries(count: Int, seed: UInt64) -> (FlatVectorIndex, [[Float]]) {
    var generator = SplitMix64(seed: seed)
    let vectors = clusteredUnitVectors(
        count: count, dimension: 64, centreCount: 50, spread: 0.15, generator: &generator)
    let index = FlatVectorIndex(dimension: 64, vectors: vectors)
    let queries = (0..<100).map { _ in
        let row = Int.random(in: 0..<count, using: &generator)
        return normalised(index.vector(at: row).map { $0 + 0.05 * generator.gaussian() })
    }
    return (index, queries)
}

/// Why `open` refuses `bytes` (an index file over `flat`'s vectors), or `nil` when it opens them.
func refusal(
    _ bytes: [UInt8], against flat: FlatVectorIndex, open: (ReadOnlyBytes, FlatVectorIndex) throws -> Void
) -> String? {
    do {
        try open(ReadOnlyBytes(copying: bytes, path: "damaged.bin"), flat)
        return nil
    } catch { return "\(error)" }
}

/// Expects `open` to refuse the damage every vector index file must: each truncation (every `step` bytes), a
/// byte too many, and the file opened over the vectors of another index.
func expectCommonDamageRefused(
    _ bytes: [UInt8], against flat: FlatVectorIndex, step: Int, sourceLocation: SourceLocation = #_sourceLocation,
    open: (ReadOnlyBytes, FlatVectorIndex) throws -> Void
) {
    for length in stride(from: 0, to: bytes.count, by: step) {
        #expect(refusal(Array(bytes.prefix(length)), against: flat, open: open) != nil, sourceLocation: sourceLocation)
    }
    #expect(refusal(bytes + [0], against: flat, open: open) != nil, sourceLocation: sourceLocation)
    let other = FlatVectorIndex(dimension: 64, vectors: Array(repeating: 0.125, count: 64))
    #expect(refusal(bytes, against: other, open: open) != nil, sourceLocation: sourceLocation)
}
