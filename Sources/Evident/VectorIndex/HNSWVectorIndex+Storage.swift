extension HNSWVectorIndex {
    /// The index file: a 24-byte header (magic, version, dimension, reserved word, vector count), *M*, the entry
    /// point and the number of upper layers (4 bytes each), padding to 32 bytes, layer 0's `2·M` neighbour slots a
    /// vector (4-byte ids, −1 for an empty slot; read in place when opened), then each upper layer: its node count
    /// (8 bytes) and, node by node in increasing id, the id, its neighbour count and its neighbours (4 bytes each).
    package func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeVectorFileHeader(magic: IndexFileMagic.hnswVectors, dimension: dimension, count: count)
        writer.write(UInt32(maxNeighbors))
        writer.write(entryPoint)
        writer.write(UInt32(upperNeighbors.count))
        writer.align(to: 32)
        var bytes = writer.bytes
        baseNeighbors.withElements { bytes.append(contentsOf: UnsafeRawBufferPointer($0)) }
        var layers = ByteWriter()
        for layer in upperNeighbors {
            layers.write(UInt64(layer.count))
            for (node, neighbors) in layer.sorted(by: { $0.key < $1.key }) {
                layers.write(node)
                layers.write(UInt32(neighbors.count))
                for neighbor in neighbors { layers.write(neighbor) }
            }
        }
        return bytes + layers.bytes
    }

    /// Opens a graph from the bytes `encoded()` wrote, without copying layer 0's links.
    ///
    /// - Parameters:
    ///   - bytes: The file's bytes.
    ///   - flat: The vectors the graph links.
    /// - Throws: `StorageError` when the bytes are not a whole HNSW file of this format version, a link points
    ///   outside the index or its layer, or the graph does not match `flat`'s dimension and vector count.
    init(_ bytes: ReadOnlyBytes, linking flat: FlatVectorIndex) throws(StorageError) {
        var reader = ByteReader(bytes.bytes, path: bytes.path)
        let (dimension, count) = try reader.readVectorFileHeader(
            magic: IndexFileMagic.hnswVectors, kind: "HNSW graph", matching: flat)
        let maxNeighbors = Int(try reader.read(UInt32.self))
        let entryPoint = try reader.read(Int32.self)
        let layerCount = Int(try reader.read(UInt32.self))
        guard (2...1024).contains(maxNeighbors), layerCount <= 64,
            count == 0 ? entryPoint == -1 : (0..<Int32(count)).contains(entryPoint)
        else {
            throw StorageError.corrupt(
                bytes.path, "M \(maxNeighbors), entry point \(entryPoint), \(layerCount) layers for \(count) vectors")
        }
        try reader.skip(toAlignment: 32)
        let slots = try reader.checkedElementCount(rows: count, dimension: 2 * maxNeighbors, elementSize: 4)
        let base = try reader.readArray(of: Int32.self, count: slots)
        guard base.allSatisfy({ $0 >= -1 && $0 < Int32(count) }) else {
            throw StorageError.corrupt(bytes.path, "a link of layer 0 points outside the \(count) vectors")
        }
        var upper: [[Int32: [Int32]]] = []
        for layer in 1...max(layerCount, 1) where layer <= layerCount {
            let nodeCount = try reader.read(UInt64.self)
            guard nodeCount <= UInt64(count) else {
                throw StorageError.corrupt(bytes.path, "layer \(layer) has \(nodeCount) nodes for \(count) vectors")
            }
            var nodes: [Int32: [Int32]] = [:]
            for _ in 0..<Int(nodeCount) {
                let node = try reader.read(Int32.self)
                let neighborCount = Int(try reader.read(UInt32.self))
                guard (0..<Int32(count)).contains(node), neighborCount <= maxNeighbors, nodes[node] == nil else {
                    throw StorageError.corrupt(bytes.path, "layer \(layer) lists node \(node) wrongly")
                }
                var neighbors: [Int32] = []
                for _ in 0..<neighborCount { neighbors.append(try reader.read(Int32.self)) }
                nodes[node] = neighbors
            }
            upper.append(nodes)
        }
        guard reader.isAtEnd else {
            throw StorageError.corrupt(bytes.path, "\(reader.bytes.count - reader.offset) bytes after the graph")
        }
        // Every link of an upper layer joins two of its nodes, and the entry point is on the top layer.
        for (position, layer) in upper.enumerated() {
            for neighbors in layer.values where !neighbors.allSatisfy({ layer[$0] != nil }) {
                throw StorageError.corrupt(bytes.path, "a link of layer \(position + 1) leaves the layer")
            }
        }
        guard upper.last.map({ $0[entryPoint] != nil }) ?? true else {
            throw StorageError.corrupt(bytes.path, "the entry point \(entryPoint) is not on the top layer")
        }
        _ = dimension
        self.init(
            flat: flat, maxNeighbors: maxNeighbors, baseNeighbors: .mapped(bytes, base), upperNeighbors: upper,
            entryPoint: entryPoint)
    }
}
