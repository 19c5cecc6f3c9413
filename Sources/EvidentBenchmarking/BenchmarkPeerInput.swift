public import Evident
public import Foundation

/// The files `Scripts/bench-peers.sh` reads, so that the peers search the same passages, queries and vectors:
/// `passages.jsonl` (`{"id", "text"}`, the indexed text of every passage), `queries.txt` (one per line),
/// `vectors.f32` and `query-vectors.f32` (little-endian float32, row-major, each with a `.json` giving
/// `{"count", "dimension"}`); and, when the encoder was measured, `encode-texts.jsonl` (`{"text"}`, the passages
/// the `encode` operations embedded, for the encoder peers).
public enum BenchmarkPeerInput {
    /// Writes the files into `directory` (created if needed).
    ///
    /// - Throws: `StorageError` when a passage cannot be read; a file system error when a file cannot be written.
    public static func write(
        retriever: Retriever, queries: [String], encodeTexts: [String] = [], to directory: URL
    ) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let index = retriever.index
        var passages = Data()
        for passageIndex in 0..<index.passageCount {
            let (passage, documentIndex) = try index.passageRecord(at: passageIndex)
            let text = index.configuration.indexedText(of: passage, in: index.documentHeader(at: documentIndex).title)
            let line = try JSONSerialization.data(withJSONObject: ["id": "\(passageIndex)", "text": text])
            passages.append(line)
            passages.append(0x0A)
        }
        try passages.write(to: directory.appendingPathComponent("passages.jsonl"))
        let oneLine = queries.map { $0.replacingOccurrences(of: "\n", with: " ") }
        try Data((oneLine.joined(separator: "\n") + "\n").utf8).write(
            to: directory.appendingPathComponent("queries.txt"))
        let encodeFile = directory.appendingPathComponent("encode-texts.jsonl")
        if encodeTexts.isEmpty {
            try? FileManager.default.removeItem(at: encodeFile)
        } else {
            var lines = Data()
            for text in encodeTexts {
                lines.append(try JSONSerialization.data(withJSONObject: ["text": text]))
                lines.append(0x0A)
            }
            try lines.write(to: encodeFile)
        }
        guard let embedder = retriever.embedder, let vectors = index.vectors else { return }
        let rows = (0..<vectors.count).map { vectors.vector(at: $0) }
        try writeVectors(rows, dimension: vectors.dimension, to: directory.appendingPathComponent("vectors.f32"))
        try writeVectors(
            embedder.embed(queries), dimension: vectors.dimension,
            to: directory.appendingPathComponent("query-vectors.f32"))
    }

    private static func writeVectors(_ rows: [[Float]], dimension: Int, to url: URL) throws {
        var data = Data(capacity: rows.count * dimension * 4)
        for row in rows { row.withUnsafeBytes { data.append(contentsOf: $0) } }
        try data.write(to: url)
        let shape = try JSONSerialization.data(withJSONObject: ["count": rows.count, "dimension": dimension])
        try shape.write(to: url.appendingPathExtension("json"))
    }
}
