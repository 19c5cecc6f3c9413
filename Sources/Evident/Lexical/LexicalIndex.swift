#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An inverted index over analyzed passages, scored with BM25 or TF-IDF.
///
/// The postings, lengths and norms are read in place from memory-mapped index files; only the term dictionary is
/// decoded when the index is opened. The index is immutable and safe to search from many tasks at once.
struct LexicalIndex: @unchecked Sendable {
    struct TermEntry: Sendable {
        var postingStart: Int
        var documentFrequency: Int
    }

    let lexicon: [String: TermEntry]
    let passageCount: Int
    let totalLength: Int
    let postingPassages: UnsafeBufferPointer<UInt32>
    let postingFrequencies: UnsafeBufferPointer<UInt32>
    let lengths: UnsafeBufferPointer<UInt32>
    let encodedLengths: UnsafeBufferPointer<UInt8>
    let tfidfNorms: UnsafeBufferPointer<Float>
    /// Keeps the memory that the buffers above point into alive.
    let storage: [ReadOnlyBytes]

    /// The mean passage length in terms, as Lucene computes it (`sumTotalTermFreq / docCount`).
    var averageLength: Float {
        passageCount == 0 ? 1 : Float(Double(totalLength) / Double(passageCount))
    }

    var termCount: Int { lexicon.count }
    var postingCount: Int { postingPassages.count }

    /// Returns the postings count of `term` (its document frequency), or 0 when the term is unknown.
    func documentFrequency(of term: String) -> Int { lexicon[term]?.documentFrequency ?? 0 }

    /// Lucene's BM25 idf: ln(1 + (N − df + 0.5) / (df + 0.5)), computed in double and rounded to float.
    static func bm25InverseDocumentFrequency(documentFrequency: Int, passageCount: Int) -> Float {
        let df = Double(documentFrequency)
        return Float(log(1 + (Double(passageCount) - df + 0.5) / (df + 0.5)))
    }

    /// TF-IDF's idf: 1 + ln((N + 1) / (df + 1)), smoothed so that no term gets a zero or negative weight.
    static func tfidfInverseDocumentFrequency(documentFrequency: Int, passageCount: Int) -> Float {
        Float(1 + log(Double(passageCount + 1) / Double(documentFrequency + 1)))
    }

    /// A passage and its score; ordered so that a higher score, then a lower passage index, is greater.
    struct ScoredPassage: Sendable, Hashable, Comparable {
        var passage: Int
        var score: Float

        static func < (left: ScoredPassage, right: ScoredPassage) -> Bool {
            left.score != right.score ? left.score < right.score : left.passage > right.passage
        }
    }

    /// Returns the `limit` best passages for the analyzed query `terms`, best first.
    ///
    /// A term repeated in the query counts once per occurrence, as in a Lucene Boolean query with one clause per
    /// token. Passages that match no term are never returned.
    ///
    /// - Complexity: O(*p* + *m* log `limit`), where *p* is the number of postings of the query terms and *m* the
    ///   number of matching passages.
    func search(terms: [String], limit: Int, scoring: LexicalScoring) -> [ScoredPassage] {
        guard limit > 0, passageCount > 0 else { return [] }
        var scores = [Float](repeating: 0, count: passageCount)
        var matched: [Int32] = []
        var queryNorm: Float = 0
        scores.withUnsafeMutableBufferPointer { scores in
            switch scoring {
            case .bm25(let parameters):
                let average = averageLength
                let inverseNorms = LuceneLengthEncoding.lengthTable.map { length in
                    1 / (parameters.k1 * ((1 - parameters.b) + parameters.b * length / average))
                }
                inverseNorms.withUnsafeBufferPointer { inverseNorms in
                    for term in terms {
                        guard let entry = lexicon[term] else { continue }
                        let weight = Self.bm25InverseDocumentFrequency(
                            documentFrequency: entry.documentFrequency, passageCount: passageCount)
                        for posting in entry.postingStart..<(entry.postingStart + entry.documentFrequency) {
                            let passage = Int(postingPassages[posting])
                            let frequency = Float(postingFrequencies[posting])
                            let inverseNorm = inverseNorms[Int(encodedLengths[passage])]
                            if scores[passage] == 0 { matched.append(Int32(passage)) }
                            scores[passage] += weight - weight / (1 + frequency * inverseNorm)
                        }
                    }
                }
            case .tfidf:
                var queryCounts: [String: Int] = [:]
                for term in terms { queryCounts[term, default: 0] += 1 }
                for (term, count) in queryCounts {
                    guard let entry = lexicon[term] else { continue }
                    let idf = Self.tfidfInverseDocumentFrequency(
                        documentFrequency: entry.documentFrequency, passageCount: passageCount)
                    let queryWeight = (1 + Float(log(Double(count)))) * idf
                    queryNorm += queryWeight * queryWeight
                    for posting in entry.postingStart..<(entry.postingStart + entry.documentFrequency) {
                        let passage = Int(postingPassages[posting])
                        let weight = (1 + Float(log(Double(postingFrequencies[posting])))) * idf
                        if scores[passage] == 0 { matched.append(Int32(passage)) }
                        scores[passage] += queryWeight * weight / tfidfNorms[passage]
                    }
                }
                queryNorm = queryNorm.squareRoot()
            }
        }
        var best = BoundedTopK<ScoredPassage>(limit: limit)
        for passage in matched {
            var score = scores[Int(passage)]
            if case .tfidf = scoring, queryNorm > 0 { score /= queryNorm }
            best.insert(ScoredPassage(passage: Int(passage), score: score))
        }
        return best.sortedDescending()
    }
}
