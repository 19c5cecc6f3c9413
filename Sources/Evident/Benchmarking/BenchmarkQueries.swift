public import Foundation

/// Queries for `evident bench`: read from a file, or drawn from the index's own passages.
public enum BenchmarkQueries {
    /// Reads queries from `url`: a BEIR `queries.jsonl` (each line an object with `text`), or plain text with one
    /// query per line. Blank lines are skipped.
    ///
    /// - Throws: `CorpusIssue`-style `BenchmarkInputError` naming the file and line of a bad line, or when the
    ///   file holds no query.
    public static func read(from url: URL) throws -> [String] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw BenchmarkInputError(
                path: url.path, line: nil, reason: "cannot be read (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BenchmarkInputError(path: url.path, line: nil, reason: "is not UTF-8 text")
        }
        var queries: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            if trimmed.hasPrefix("{") {
                let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any]
                guard let query = object?["text"] as? String, !query.isEmpty else {
                    throw BenchmarkInputError(
                        path: url.path, line: number + 1,
                        reason: "a JSON line without a \"text\" string; write {\"text\": \"…\"} or one query per line")
                }
                queries.append(query)
            } else {
                queries.append(trimmed)
            }
        }
        guard !queries.isEmpty else {
            throw BenchmarkInputError(path: url.path, line: nil, reason: "holds no query; write one query per line")
        }
        return queries
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

/// A bad benchmark input file: which file, which line, and what is wrong.
public struct BenchmarkInputError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public var path: String
    /// The line, from 1, when one line is at fault.
    public var line: Int?
    /// What is wrong and how to fix it.
    public var reason: String

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(reason)" }
}

/// SplitMix64: a small seeded generator, so that drawn queries and synthetic vectors are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// A standard normal sample (Box–Muller).
    mutating func gaussian() -> Float {
        let first = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let second = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(first)).squareRoot() * cos(2 * Double.pi * second))
    }
}
