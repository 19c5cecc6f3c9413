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

    /// The `limit` best matches of each query, `breadth` wide (the default when `nil`), on `threadCount` threads.
    public func search(batch queries: [[Float]], limit: Int, breadth: Int? = nil, threadCount: Int = 1)
        -> [[VectorMatch]]
    {
        switch self {
        case .ivf(let index):
            return index.search(batch: queries, limit: limit, probes: breadth, threadCount: threadCount)
        case .hnsw(let index):
            let width = breadth ?? HNSWVectorIndex.defaultSearchWidth
            return FlatVectorIndex.searchEach(queries, threadCount: threadCount) {
                index.search($0, limit: limit, searchWidth: width)
            }
        }
    }
}
