public import Evident
public import Foundation

/// Queries for `evident bench`: read from a file, or drawn from the index's own passages.
public enum BenchmarkQueries {
    /// Reads queries from `url` as the evaluation commands do (``QueryFile``): a BEIR `queries.jsonl`, or plain
    /// text with one query per line.
    ///
    /// - Throws: ``EvaluationIssue`` naming the file and line of a bad line, or when the file holds no query.
    public static func read(from url: URL) throws -> [String] {
        try QueryFile.read(at: url).map(\.text)
    }

    /// `count` queries made from sentences of the index's passages, spread over the whole index, with about one
    /// word in four dropped so that they are not verbatim (a search engine that stored whole sentences would
    /// otherwise find them by exact match). The same index and seed give the same queries.
    ///
    /// - Throws: `StorageError` when a passage cannot be read.
    public static func drawn(from index: EvidentIndex, count: Int, seed: UInt64 = 1) throws -> [String] {
        guard index.passageCount > 0, count > 0 else { return [] }
        var generator = SplitMix64(seed: seed)
        let splitter = SentenceSplitter()
        var queries: [String] = []
        var attempts = 0
        while queries.count < count && attempts < count * 20 {
            attempts += 1
            let passage = try index.passage(at: Int(generator.next() % UInt64(index.passageCount)))
            let scalars = passage.text.unicodeScalarArray
            let sentences = splitter.sentences(in: scalars, everyLineBreakEnds: true)
            guard !sentences.isEmpty else { continue }
            let sentence = sentences[Int(generator.next() % UInt64(sentences.count))]
            let words = String(decodingScalars: scalars[sentence]).split(whereSeparator: \.isWhitespace)
            guard words.count >= 6 else { continue }
            let kept = words.prefix(24).filter { _ in generator.next() % 4 != 0 }
            guard kept.count >= 4 else { continue }
            queries.append(kept.joined(separator: " "))
        }
        return queries
    }
}
