import HeapModule

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The collection statistics a search scores with when they are not its index's own: those of every segment of
/// an index, the deleted passages left out.
package struct LexicalStatistics: Sendable, Hashable {
    /// Passages with at least one term (BM25's N).
    package var scoredPassageCount: Int
    /// The mean length of those passages, in terms.
    package var averageLength: Float
    /// The document frequency of each query term.
    package var documentFrequencies: [String: Int]
}

/// An inverted index over analyzed passages, scored with BM25 or TF-IDF.
///
/// The postings, lengths and norms are read in place from memory-mapped index files; only the term dictionary is
/// decoded when the index is opened. The index is immutable and safe to search from many tasks at once.
package struct LexicalIndex: @unchecked Sendable {
    struct TermEntry: Sendable {
        var postingStart: Int
        var documentFrequency: Int
    }

    let lexicon: [String: TermEntry]
    let passageCount: Int
    /// Passages with at least one term: Lucene's `docCount`, the N of idf and the divisor of the average length.
    let scoredPassageCount: Int
    let totalLength: Int
    let postingPassages: UnsafeBufferPointer<UInt32>
    let postingFrequencies: UnsafeBufferPointer<UInt32>
    /// Each posting's BM25 score under `impactParameters`, precomputed at indexing.
    let postingImpacts: UnsafeBufferPointer<Float>
    let impactParameters: BM25Parameters
    let lengths: UnsafeBufferPointer<UInt32>
    let encodedLengths: UnsafeBufferPointer<UInt8>
    let tfidfNorms: UnsafeBufferPointer<Float>
    /// Keeps the memory that the buffers above point into alive.
    let storage: [ReadOnlyBytes]
    /// Score buffers reused between searches.
    let scratchPool = ScratchPool()
    /// BM25's per-length factors for the index's default parameters, computed once.
    var defaultInverseNorms: (parameters: BM25Parameters, table: [Float])?

    /// The mean passage length in terms, as Lucene computes it (`sumTotalTermFreq / docCount`).
    var averageLength: Float {
        scoredPassageCount == 0 ? 1 : Float(Double(totalLength) / Double(scoredPassageCount))
    }

    var termCount: Int { lexicon.count }
    var postingCount: Int { postingPassages.count }

    /// Whether `term` occurs in passage `passage`: a binary search in the term's postings.
    ///
    /// - Complexity: O(log *df*).
    func contains(_ term: String, inPassage passage: Int) -> Bool {
        guard let entry = lexicon[term] else { return false }
        var low = entry.postingStart
        var high = entry.postingStart + entry.documentFrequency
        let target = UInt32(passage)
        while low < high {
            let middle = (low + high) / 2
            if postingPassages[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low < entry.postingStart + entry.documentFrequency && postingPassages[low] == target
    }

    /// Returns the postings count of `term` (its document frequency), or 0 when the term is unknown.
    func documentFrequency(of term: String) -> Int { lexicon[term]?.documentFrequency ?? 0 }

    /// Lucene's BM25 idf: ln(1 + (N − df + 0.5) / (df + 0.5)), computed in double and rounded to float.
    static func bm25InverseDocumentFrequency(documentFrequency: Int, passageCount: Int) -> Float {
        let df = Double(documentFrequency)
        return Float(log(1 + (Double(passageCount) - df + 0.5) / (df + 0.5)))
    }

    /// Lucene's BM25Scorer: weight − weight / (1 + freq · 1 / (k1 · (1 − b + b · dl / avgdl))).
    @inline(__always)
    static func bm25Score(weight: Float, frequency: Float, inverseNorm: Float) -> Float {
        weight - weight / (1 + frequency * inverseNorm)
    }

    /// TF-IDF's idf: 1 + ln((N + 1) / (df + 1)), smoothed so that no term gets a zero or negative weight.
    static func tfidfInverseDocumentFrequency(documentFrequency: Int, passageCount: Int) -> Float {
        Float(1 + log(Double(passageCount + 1) / Double(documentFrequency + 1)))
    }

    /// A passage and its score; ordered so that a higher score, then a lower passage index, is greater.
    package struct ScoredPassage: Sendable, Hashable, Comparable {
        package var passage: Int
        package var score: Float

        package static func < (left: ScoredPassage, right: ScoredPassage) -> Bool {
            left.score != right.score ? left.score < right.score : left.passage > right.passage
        }
    }

    /// Returns the `limit` best passages for the analyzed query `terms`, best first.
    ///
    /// A term repeated in the query counts once per occurrence, as in a Lucene Boolean query with one clause per
    /// token. Passages that match no term are never returned.
    ///
    /// Scores add up term by term (in query order) in one array over all passages. When the query's postings are
    /// few, the passages they reach are listed as they are first reached and only those are ranked; when they are
    /// many, listing would cost more than it saves, and the best are found in the whole array instead
    /// (``bestOfAll(_:scores:)``). Both give the same passages with the same scores.
    ///
    /// - Complexity: O(*p* + *m* log `limit`), where *p* is the number of postings of the query terms and *m* the
    ///   number of matching passages; O(*p* + *n*) over *n* passages when *p* is at least *n* / 16.
    /// With `allowed`, only its passages are ranked (the scores of the others are computed and dropped, so every
    /// passage's score is the one it has without a filter). With `statistics`, idf and the average length are the
    /// ones given (an index of several segments scores each with the statistics of all of them), not this
    /// index's own.
    package func search(
        terms: [String], limit: Int, scoring: LexicalScoring, allowed: RowSet? = nil,
        statistics: LexicalStatistics? = nil
    ) -> [ScoredPassage] {
        guard limit > 0, passageCount > 0 else { return [] }
        let entries = terms.compactMap { lexicon[$0] }
        let postingTotal = entries.reduce(0) { $0 + $1.documentFrequency }
        guard postingTotal > 0 else { return [] }
        let scratch = scratchPool.acquire(passageCount: passageCount)
        defer { scratchPool.release(scratch) }
        // Listing the passages reached costs a store per posting and ranking them a few nanoseconds each; a pass
        // over every passage's score costs a fraction of a nanosecond per passage. Measured on NCI PDQ (37k
        // passages) with one- to three-word queries, listing wins only below about n/16 postings.
        scratch.listsMatches = postingTotal * Self.wholeArrayRatio < passageCount
        var queryNorm: Float = 1
        let collectionCount = statistics?.scoredPassageCount ?? scoredPassageCount
        func frequency(_ term: String, _ entry: TermEntry) -> Int {
            statistics.map { $0.documentFrequencies[term] ?? 0 } ?? entry.documentFrequency
        }
        switch scoring {
        case .bm25(let parameters) where parameters == impactParameters && statistics == nil:
            // Same arithmetic as below, done at indexing: add each term's precomputed impacts.
            for entry in entries {
                accumulate(entry, into: scratch) { posting, _ in postingImpacts[posting] }
            }
        case .bm25(let parameters):
            precondition(
                parameters.isValid, "BM25 needs k1 ≥ 0 and 0 ≤ b ≤ 1; got k1 \(parameters.k1), b \(parameters.b)")
            let inverseNorms =
                statistics.map { Self.inverseNorms(parameters, averageLength: $0.averageLength) }
                ?? bm25InverseNorms(parameters)
            inverseNorms.withUnsafeBufferPointer { inverseNorms in
                for (term, entry) in zip(terms.filter { lexicon[$0] != nil }, entries) {
                    let weight = Self.bm25InverseDocumentFrequency(
                        documentFrequency: frequency(term, entry), passageCount: collectionCount)
                    accumulate(entry, into: scratch) { posting, passage in
                        Self.bm25Score(
                            weight: weight, frequency: Float(postingFrequencies[posting]),
                            inverseNorm: inverseNorms[Int(encodedLengths[passage])])
                    }
                }
            }
        case .tfidf:
            // Distinct terms in order of first occurrence, so that scores add up in the same order every run.
            var queryCounts: [(term: String, count: Int)] = []
            var positions: [String: Int] = [:]
            for term in terms {
                if let position = positions[term] {
                    queryCounts[position].count += 1
                } else {
                    positions[term] = queryCounts.count
                    queryCounts.append((term, 1))
                }
            }
            var squaredNorm: Float = 0
            for (term, count) in queryCounts {
                guard let entry = lexicon[term] else { continue }
                let idf = Self.tfidfInverseDocumentFrequency(
                    documentFrequency: frequency(term, entry), passageCount: collectionCount)
                let queryWeight = (1 + Float(log(Double(count)))) * idf
                squaredNorm += queryWeight * queryWeight
                accumulate(entry, into: scratch) { posting, passage in
                    let weight = (1 + Float(log(Double(postingFrequencies[posting])))) * idf
                    return queryWeight * weight / tfidfNorms[passage]
                }
            }
            if squaredNorm > 0 { queryNorm = squaredNorm.squareRoot() }
        }
        var ranked = scratch.matchedCount
        if let allowed {
            // The reset clears every listed passage whatever its order, so the list may be reordered.
            if scratch.listsMatches {
                ranked = allowed.partition(UnsafeMutableBufferPointer(rebasing: scratch.matched[0..<ranked]))
            } else {
                allowed.zeroOutside(scratch.scores)
            }
        }
        var selected =
            scratch.listsMatches
            ? Self.best(limit, of: UnsafeBufferPointer(rebasing: scratch.matched[0..<ranked]), scores: scratch.scores)
            : Self.bestOfAll(limit, scores: scratch.scores)
        if queryNorm != 1 {
            for index in selected.indices { selected[index].score /= queryNorm }
        }
        return selected
    }

    /// For each term with postings in passages that `counts` accepts, how many it has there.
    ///
    /// - Complexity: O(*p*) over all *p* postings.
    func postingCounts(in counts: (Int) -> Bool) -> [String: Int] {
        var result: [String: Int] = [:]
        for (term, entry) in lexicon {
            var count = 0
            for posting in entry.postingStart..<(entry.postingStart + entry.documentFrequency)
            where counts(Int(postingPassages[posting])) {
                count += 1
            }
            if count > 0 { result[term] = count }
        }
        return result
    }

    /// Above this many passages per posting of the query, `search` lists the passages its postings reach.
    static let wholeArrayRatio = 16

    /// Adds `score(posting, passage)` of each of `entry`'s postings to its passage in `scratch`, and lists the
    /// passages reached for the first time when `scratch` lists matches.
    ///
    /// Every score added is positive (BM25 and TF-IDF weights are), so a passage's score is zero exactly until it
    /// is first reached; the listing stores every passage and advances only past those whose score was zero, with
    /// no branch. `scratch.matched` has room for one more passage than there are postings in a listing search.
    @inline(__always)
    private func accumulate(
        _ entry: TermEntry, into scratch: SearchScratch, score: (_ posting: Int, _ passage: Int) -> Float
    ) {
        let scores = scratch.scores
        let postings = entry.postingStart..<(entry.postingStart + entry.documentFrequency)
        if scratch.listsMatches {
            let matched = scratch.matched
            var count = scratch.matchedCount
            for posting in postings {
                let passage = Int(postingPassages[posting])
                let previous = scores[passage]
                matched[count] = Int32(truncatingIfNeeded: passage)
                count &+= previous == 0 ? 1 : 0
                scores[passage] = previous + score(posting, passage)
            }
            scratch.matchedCount = count
        } else {
            for posting in postings {
                let passage = Int(postingPassages[posting])
                scores[passage] += score(posting, passage)
            }
        }
    }

    /// The `limit` best passages by `scores` (one per passage, zero for a passage no term reached), best first
    /// (ties to the lower passage index).
    ///
    /// Takes the maximum of every block of 64 scores; the `limit`-th largest block maximum is a score that at
    /// least `limit` passages reach, so only blocks whose maximum reaches it hold candidates, and only their
    /// scores at or above it are ranked. When `limit` is more than the blocks (a search 100 deep over a few
    /// thousand passages) that bound keeps every passage that scores, so the best `limit` of many candidates are
    /// selected with a heap rather than by sorting them all.
    ///
    /// - Complexity: O(*n* + *c* log `limit`) for *n* passages and *c* ≥ `limit` candidates kept.
    static func bestOfAll(_ limit: Int, scores: UnsafeMutableBufferPointer<Float>) -> [ScoredPassage] {
        let blockSize = Kernels.maximaBlockSize
        let blockCount = (scores.count + blockSize - 1) / blockSize
        guard blockCount > 0 else { return [] }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: blockCount) { maxima in
            Kernels.blockMaxima(of: UnsafeBufferPointer(scores), into: maxima)
            let threshold = Self.largest(limit, of: UnsafeBufferPointer(maxima))
            var keys: [UInt64] = []
            keys.reserveCapacity(limit * 2)
            for block in 0..<blockCount where maxima[block] >= threshold {
                for passage in (block * blockSize)..<Swift.min(scores.count, (block + 1) * blockSize) {
                    let score = scores[passage]
                    if score >= threshold && score > 0 { keys.append(Self.sortKey(passage: passage, score: score)) }
                }
            }
            return Self.largestKeys(limit, of: keys).map(Self.scoredPassage(key:))
        }
    }

    /// The `limit` largest of `keys`, largest first: by sorting them when they are few, else through a heap of
    /// `limit` (the same keys, in the same order).
    static func largestKeys(_ limit: Int, of keys: [UInt64]) -> [UInt64] {
        guard keys.count > 4 * limit else { return Array(keys.sorted(by: >).prefix(limit)) }
        var heap = Heap<UInt64>()
        heap.reserveCapacity(limit)
        for key in keys {
            if heap.count < limit {
                heap.insert(key)
            } else if let smallest = heap.min, key > smallest {
                heap.replaceMin(with: key)
            }
        }
        return heap.unordered.sorted(by: >)
    }

    /// The `rank`-th largest of `values` (positive ones only count), or the smallest positive float when fewer
    /// than `rank` values are positive.
    static func largest(_ rank: Int, of values: UnsafeBufferPointer<Float>) -> Float {
        var heap = Heap<Float>()
        for value in values where value > 0 {
            if heap.count < rank {
                heap.insert(value)
            } else if let smallest = heap.min, value > smallest {
                heap.replaceMin(with: value)
            }
        }
        guard heap.count == rank, let smallest = heap.min else { return .leastNonzeroMagnitude }
        return smallest
    }

    /// A sort key that orders passages as `ScoredPassage` does: a positive float's bits order as the float does;
    /// the inverted passage index below them breaks ties toward the lower index.
    @inline(__always)
    static func sortKey(passage: Int, score: Float) -> UInt64 {
        UInt64(score.bitPattern) << 32 | UInt64(UInt32.max - UInt32(passage))
    }

    @inline(__always)
    static func scoredPassage(key: UInt64) -> ScoredPassage {
        ScoredPassage(
            passage: Int(UInt32.max - UInt32(truncatingIfNeeded: key)), score: Float(bitPattern: UInt32(key >> 32)))
    }

    /// The `limit` best of the `matched` passages by `scores`, best first (ties to the lower passage index).
    ///
    /// A 256-bin histogram of the scores finds the bin that holds the `limit`-th best score in two branch-light
    /// passes; only passages from that bin up are sorted.
    ///
    /// - Complexity: O(*m* + *c* log *c*) for *m* matched passages and *c* ≥ `limit` candidates kept.
    static func best(
        _ limit: Int, of matched: UnsafeBufferPointer<Int32>, scores: UnsafeMutableBufferPointer<Float>
    ) -> [ScoredPassage] {
        var candidates: [ScoredPassage] = []
        if matched.count <= limit {
            candidates.reserveCapacity(matched.count)
            for passage in matched {
                candidates.append(ScoredPassage(passage: Int(passage), score: scores[Int(passage)]))
            }
            candidates.sort(by: >)
            return candidates
        }
        // Gather the matched scores once, so that the passes below read memory in order.
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: matched.count) { values in
            for (index, passage) in matched.enumerated() { values[index] = scores[Int(passage)] }
            var maximum: Float = 0
            var allFinite = true
            for score in values {
                if score > maximum { maximum = score }
                allFinite = allFinite && score.isFinite && score >= 0
            }
            let binCount = 256
            // Scores are positive and finite for valid parameters and an intact index; anything else gets one bin,
            // so that no float is ever converted to an integer out of range.
            let scale = allFinite && maximum > 0 && maximum.isFinite ? Float(binCount - 1) / maximum : 0
            return withUnsafeTemporaryAllocation(of: Int32.self, capacity: binCount) { counts in
                counts.initialize(repeating: 0)
                for score in values where scale > 0 { counts[Swift.min(Int(score * scale), binCount - 1)] += 1 }
                if scale == 0 { counts[0] = Int32(values.count) }
                var cutoff = binCount - 1
                var kept = Int(counts[cutoff])
                while kept < limit, cutoff > 0 {
                    cutoff -= 1
                    kept += Int(counts[cutoff])
                }
                var keys: [UInt64] = []
                keys.reserveCapacity(kept)
                for (index, score) in values.enumerated() where scale == 0 || Int(score * scale) >= cutoff {
                    keys.append(Self.sortKey(passage: Int(matched[index]), score: score))
                }
                keys.sort(by: >)
                return keys.prefix(limit).map(Self.scoredPassage(key:))
            }
        }
    }

    /// 1 / (k1 · (1 − b + b · length / average length)) for every encoded length; cached for the index default.
    private func bm25InverseNorms(_ parameters: BM25Parameters) -> [Float] {
        if let cached = defaultInverseNorms, cached.parameters == parameters { return cached.table }
        return Self.inverseNorms(parameters, averageLength: averageLength)
    }

    static func inverseNorms(_ parameters: BM25Parameters, averageLength: Float) -> [Float] {
        LuceneLengthEncoding.lengthTable.map { length in
            1 / (parameters.k1 * ((1 - parameters.b) + parameters.b * length / averageLength))
        }
    }
}
