import Dispatch
public import Evident
import Synchronization

/// A Gaussian mixture fitted to real vectors, to draw synthetic corpora of any size that are clustered as a real
/// one is (uniform noise on the sphere is not: every point is about as far from every other, which makes an
/// approximate index look worse, and a real corpus's clusters make it look better).
///
/// The real vectors are clustered as an IVF index clusters them (spherical k-means); each cluster becomes one
/// component, drawn as often as its share of the real vectors: a Gaussian with the cluster's mean and its members'
/// own covariance. A drawn vector is the mean plus a random combination of the members' offsets from it,
/// `Σ gᵢ (xᵢ − μ) / √m` with each `gᵢ` standard normal, so that it spreads in the directions the real vectors
/// spread in (a diagonal Gaussian spreads over all dimensions alike, which makes clusters far easier to tell apart
/// than real ones are). It is then scaled to unit length, as embeddings are.
public struct VectorMixture: Sendable {
    /// The number of elements of every vector.
    public let dimension: Int
    /// Each component's mean, `dimension` elements a component.
    private let means: [Float]
    /// The members' offsets from their component's mean, component after component, `dimension` elements each.
    private let offsets: [Float]
    /// Component `c`'s offsets are rows `offsetStarts[c]..<offsetStarts[c + 1]` of `offsets`.
    private let offsetStarts: [Int]
    /// The running share of the real vectors of the components up to each one; the last is 1.
    private let cumulativeWeights: [Double]

    /// The number of components.
    public var componentCount: Int { cumulativeWeights.count }

    /// Fits the mixture to `vectors`.
    ///
    /// - Parameters:
    ///   - vectors: The real vectors, at least 2.
    ///   - components: The clusters; `IVFVectorIndex.defaultListCount(for:)` when `nil`. A cluster of one vector,
    ///     which has no spread of its own, is left out.
    ///   - threadCount: The threads of the clustering.
    public init(fitting vectors: FlatVectorIndex, components: Int? = nil, threadCount: Int = 1) {
        precondition(vectors.count >= 2, "a mixture needs at least 2 vectors to fit")
        let dimension = vectors.dimension
        var clusters = IVFVectorIndex(clustering: vectors, listCount: components, threadCount: threadCount)
            .listMembers.filter { $0.count >= 2 }
        if clusters.isEmpty { clusters = [Array(0..<vectors.count)] }
        let total = clusters.reduce(0) { $0 + $1.count }
        var means: [Float] = []
        var offsets: [Float] = []
        var offsetStarts = [0]
        var cumulative: [Double] = []
        var covered = 0
        for members in clusters {
            var sum = [Double](repeating: 0, count: dimension)
            for member in members {
                for (column, value) in vectors.vector(at: member).enumerated() { sum[column] += Double(value) }
            }
            let mean = sum.map { Float($0 / Double(members.count)) }
            means += mean
            for member in members { offsets += zip(vectors.vector(at: member), mean).map { $0 - $1 } }
            offsetStarts.append(offsetStarts[offsetStarts.count - 1] + members.count)
            covered += members.count
            cumulative.append(Double(covered) / Double(total))
        }
        cumulative[cumulative.count - 1] = 1
        self.dimension = dimension
        self.means = means
        self.offsets = offsets
        self.offsetStarts = offsetStarts
        self.cumulativeWeights = cumulative
    }

    /// Draws `count` unit vectors, row-major.
    ///
    /// Rows are drawn in blocks of 4,096, each from its own generator seeded by `seed` and the block's number, so
    /// that the vectors are the same whatever `threadCount` is.
    ///
    /// - Parameters:
    ///   - count: The vectors to draw.
    ///   - seed: Fixes the vectors.
    ///   - threadCount: The threads that draw blocks side by side.
    /// - Returns: `count × dimension` elements.
    public func sample(count: Int, seed: UInt64, threadCount: Int = 1) -> [Float] {
        let dimension = dimension
        let blockRows = 4096
        let blocks = (count + blockRows - 1) / blockRows
        return [Float](unsafeUninitializedCapacity: count * dimension) { buffer, initialized in
            nonisolated(unsafe) let buffer = buffer
            let next = Atomic(0)
            DispatchQueue.concurrentPerform(iterations: max(1, min(threadCount, blocks))) { _ in
                while case let block = next.add(1, ordering: .relaxed).oldValue, block < blocks {
                    var generator = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(block))
                    for row in (block * blockRows)..<min(count, (block + 1) * blockRows) {
                        let target = UnsafeMutableBufferPointer(
                            rebasing: buffer[(row * dimension)..<((row + 1) * dimension)])
                        drawRow(into: target, generator: &generator)
                    }
                }
            }
            initialized = count * dimension
        }
    }

    /// Draws one vector of a component chosen by weight into `row`, scaled to unit length.
    private func drawRow(into row: UnsafeMutableBufferPointer<Float>, generator: inout SplitMix64) {
        let uniform = Double.random(in: 0..<1, using: &generator)
        var low = 0
        var high = cumulativeWeights.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulativeWeights[middle] > uniform { high = middle } else { low = middle + 1 }
        }
        let component = low
        for column in 0..<dimension { row[column] = means[component * dimension + column] }
        let members = offsetStarts[component]..<offsetStarts[component + 1]
        let scale = 1 / Float(members.count).squareRoot()
        offsets.withUnsafeBufferPointer { offsets in
            for member in members {
                let weight = scale * generator.gaussian()
                let base = member * dimension
                for column in 0..<dimension { row[column] += weight * offsets[base + column] }
            }
        }
        var norm: Float = 0
        for column in 0..<dimension { norm += row[column] * row[column] }
        let unit = norm > 0 ? 1 / norm.squareRoot() : 0
        for column in 0..<dimension { row[column] *= unit }
    }
}
