/// The approximate index an index keeps beside its exact vectors: an inverted file or a graph.
///
/// Both return exact fp32 scores; what is approximate is which vectors they reach. `breadth` is how widely a
/// search looks: the lists an IVF scans, the nodes an HNSW search keeps in view (efSearch).
public enum ApproximateVectorIndex: Sendable {
    case ivf(IVFVectorIndex)
    case hnsw(HNSWVectorIndex)

    /// The breadth a search uses unless told otherwise.
    public var defaultBreadth: Int {
        switch self {
        case .ivf(let index): index.defaultProbes
        case .hnsw: HNSWVectorIndex.defaultSearchWidth
        }
    }

    /// What it is, for people: "IVF, 751 lists" or "HNSW, M 32".
    public var summary: String {
        switch self {
        case .ivf(let index): "IVF, \(index.listCount) lists, \(index.defaultProbes) scanned by default"
        case .hnsw(let index):
            "HNSW, M \(index.maxNeighbors), \(HNSWVectorIndex.defaultSearchWidth) nodes in view by default"
        }
    }

    /// Breadths worth measuring recall at, the default among them.
    public var breadthsToMeasure: [Int] {
        switch self {
        case .ivf(let index):
            Set([1, 4, 16, 32, 64, 96, 128, 192, 256, index.defaultProbes].filter { $0 <= index.listCount }).sorted()
        case .hnsw: [10, 16, 32, 64, 128, 256, 512]
        }
    }

    /// The `limit` best matches of each query, `breadth` wide (the default when `nil`), on `threadCount` threads;
    /// with `allowed`, only among its vectors (see `scansExactly(_:breadth:)` for when that is worth it).
    public func search(
        batch queries: [[Float]], limit: Int, breadth: Int? = nil, threadCount: Int = 1, allowed: RowSet? = nil
    ) -> [[VectorMatch]] {
        switch self {
        case .ivf(let index):
            return index.search(
                batch: queries, limit: limit, probes: breadth, threadCount: threadCount, allowed: allowed)
        case .hnsw(let index):
            let width = breadth ?? HNSWVectorIndex.defaultSearchWidth
            return FlatVectorIndex.searchEach(queries, threadCount: threadCount) {
                index.search($0, limit: limit, searchWidth: width, allowed: allowed)
            }
        }
    }

    /// Whether scoring every vector of `allowed` costs less than a filtered approximate search.
    ///
    /// A filtered search must look about 1 / *f* times as far as an unfiltered one to keep its recall when the
    /// filter keeps a fraction *f* of *n* vectors (the nearest allowed vectors lie that much deeper), so it costs
    /// about *a* / *f* vector scores, where *a* is what an unfiltered search scores (IVF: the codes of its lists,
    /// a quarter the cost of an fp32 score each; HNSW: about `width` × `M` nodes). Scanning the allowed vectors
    /// costs *f* · *n*; that is cheaper while *f* · *n* ≤ √(*a* · *n*), and exact.
    public func scansExactly(_ allowed: RowSet, breadth: Int? = nil) -> Bool {
        let count = Double(allowed.rowCount)
        let unfilteredCost: Double
        switch self {
        case .ivf(let index):
            let probes = Double(max(1, min(breadth ?? index.defaultProbes, index.listCount)))
            unfilteredCost = count * probes / Double(index.listCount) / 4
        case .hnsw(let index):
            unfilteredCost = Double(breadth ?? HNSWVectorIndex.defaultSearchWidth) * Double(index.maxNeighbors)
        }
        return Double(allowed.count) <= (unfilteredCost * count).squareRoot()
    }
}
