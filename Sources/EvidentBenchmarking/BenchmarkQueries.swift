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

/// SplitMix64: a small seeded generator, so that drawn queries and synthetic vectors are the same on every run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// A standard normal sample (Box–Muller).
    public mutating func gaussian() -> Float {
        let first = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let second = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(first)).squareRoot() * cos(2 * Double.pi * second))
    }
}
