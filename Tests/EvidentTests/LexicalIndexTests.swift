import EvidentBenchmarking
import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct LexicalIndexTests {
    /// p0 = cat dog (2 terms), p1 = cat cat fish (3), p2 = bird (1): N = 3, average length 2.
    static func tinyIndex() throws -> LexicalIndex {
        var builder = LexicalIndexBuilder()
        builder.add(terms: ["cat", "dog"])
        builder.add(terms: ["cat", "cat", "fish"])
        builder.add(terms: ["bird"])
        return try open(builder)
    }

    static func open(_ builder: LexicalIndexBuilder, impactParameters: BM25Parameters = .default) throws
        -> LexicalIndex
    {
        let files = builder.encoded(impactParameters: impactParameters)
        return try LexicalIndex(
            lexicon: ReadOnlyBytes(copying: files.lexicon, path: "lexicon.bin"),
            postings: ReadOnlyBytes(copying: files.postings, path: "postings.bin"),
            norms: ReadOnlyBytes(copying: files.norms, path: "norms.bin"))
    }

    @Test func bm25ScoresMatchLuceneFormulaComputedByHand() throws {
        let index = try Self.tinyIndex()
        let results = index.search(terms: ["cat"], limit: 10, scoring: .bm25(BM25Parameters(k1: 0.9, b: 0.4)))
        // idf(cat) = ln(1 + (3 − 2 + 0.5) / (2 + 0.5)) = ln 1.6 = 0.470004
        // p1: tf 2, length 3: 0.470004 · 2 / (2 + 0.9 · (0.6 + 0.4 · 3/2)) = 0.470004 · 2 / 3.08 = 0.305197
        // p0: tf 1, length 2: 0.470004 · 1 / (1 + 0.9 · (0.6 + 0.4 · 2/2)) = 0.470004 / 1.9 = 0.247370
        #expect(results.map(\.passage) == [1, 0])
        #expect(abs(results[0].score - 0.305197) < 1e-5)
        #expect(abs(results[1].score - 0.247370) < 1e-5)
    }

    @Test func precomputedImpactsScoreExactlyAsComputingAtSearchTime() throws {
        var builder = LexicalIndexBuilder()
        let words = ["stage", "pleural", "mesothelioma", "surgery", "chemotherapy", "nivolumab", "trial"]
        for passage in 0..<200 {
            builder.add(terms: (0..<(3 + passage % 40)).map { words[($0 * 7 + passage) % words.count] })
        }
        let parameters = BM25Parameters(k1: 0.9, b: 0.4)
        let precomputed = try Self.open(builder, impactParameters: parameters)
        let computed = try Self.open(builder, impactParameters: BM25Parameters(k1: 1.2, b: 0.75))
        for query in [["stage", "trial"], ["nivolumab", "nivolumab", "surgery", "pleural"], words] {
            let fast = precomputed.search(terms: query, limit: 50, scoring: .bm25(parameters))
            let slow = computed.search(terms: query, limit: 50, scoring: .bm25(parameters))
            #expect(!fast.isEmpty)
            #expect(fast == slow)  // same passages, bit-identical scores
        }
    }

    @Test func repeatedQueryTermCountsTwiceAsInALuceneBooleanQuery() throws {
        let index = try Self.tinyIndex()
        let once = index.search(terms: ["cat"], limit: 1, scoring: .default)
        let twice = index.search(terms: ["cat", "cat"], limit: 1, scoring: .default)
        #expect(abs(twice[0].score - 2 * once[0].score) < 1e-6)
    }

    @Test("passages without terms are not part of N or the average length, as in Lucene's docCount")
    func emptyPassagesDoNotChangeScores() throws {
        var withEmpty = LexicalIndexBuilder()
        withEmpty.add(terms: ["cat", "dog"])
        withEmpty.add(terms: [])
        withEmpty.add(terms: ["cat", "cat", "fish"])
        withEmpty.add(terms: [])
        withEmpty.add(terms: ["bird"])
        let index = try Self.open(withEmpty)
        let plain = try Self.tinyIndex()
        let scores = index.search(terms: ["cat"], limit: 10, scoring: .default).map(\.score)
        #expect(scores == plain.search(terms: ["cat"], limit: 10, scoring: .default).map(\.score))
        #expect(index.search(terms: ["cat"], limit: 10, scoring: .default).map(\.passage) == [2, 0])
    }

    @Test func containsFindsExactlyThePassagesOfATerm() throws {
        let index = try Self.tinyIndex()
        #expect(index.contains("cat", inPassage: 0) && index.contains("cat", inPassage: 1))
        #expect(!index.contains("cat", inPassage: 2))
        #expect(index.contains("bird", inPassage: 2) && !index.contains("bird", inPassage: 0))
        #expect(!index.contains("unicorn", inPassage: 0))
    }

    @Test func unknownTermsAndNonMatchingPassagesAreNeverReturned() throws {
        let index = try Self.tinyIndex()
        #expect(index.search(terms: ["unicorn"], limit: 5, scoring: .default).isEmpty)
        #expect(index.search(terms: ["bird"], limit: 5, scoring: .default).map(\.passage) == [2])
    }

    @Test func limitKeepsOnlyTheBestAndTiesGoToTheEarlierPassage() throws {
        var builder = LexicalIndexBuilder()
        for _ in 0..<5 { builder.add(terms: ["same", "words"]) }
        builder.add(terms: ["same", "same"])
        let index = try Self.open(builder)
        let results = index.search(terms: ["same"], limit: 3, scoring: .default)
        #expect(results.map(\.passage) == [5, 0, 1])
    }

    @Test func tfidfCosineMatchesValuesComputedByHand() throws {
        let index = try Self.tinyIndex()
        let results = index.search(terms: ["cat"], limit: 10, scoring: .tfidf)
        // idf = 1 + ln((N + 1) / (df + 1)): cat 1 + ln(4/3), dog and fish 1 + ln 2.
        // p1: w(cat) = (1 + ln 2) · idf(cat) = 2.180204; |p1| = sqrt(2.180204² + 1.693147²) → cosine 0.789807
        // p0: w(cat) = idf(cat) = 1.287682; |p0| = sqrt(1.287682² + 1.693147²) → cosine 0.605349
        #expect(results.map(\.passage) == [1, 0])
        #expect(abs(results[0].score - 0.789807) < 1e-5)
        #expect(abs(results[1].score - 0.605349) < 1e-5)
    }

    @Test("lengths below 24 are exact, longer ones lose precision as in Lucene's SmallFloat.intToByte4")
    func luceneLengthEncoding() {
        for length in 0..<24 {
            #expect(LuceneLengthEncoding.decode(LuceneLengthEncoding.encode(length)) == length)
        }
        // 100 − 24 = 76 = 0b1001100: 7 bits, shift 3, mantissa 0b001 → code 24 + (1 | 4 << 3) = 57
        #expect(LuceneLengthEncoding.encode(100) == 57)
        // decoded: 24 + (0b1001 << 3) = 96
        #expect(LuceneLengthEncoding.decode(57) == 96)
        var previous = -1
        for code in 0...255 {
            let length = LuceneLengthEncoding.decode(UInt8(code))
            #expect(length > previous)
            #expect(LuceneLengthEncoding.encode(length) == UInt8(code))
            previous = length
        }
    }

    @Test func bm25UsesTheQuantizedLengthOfLongPassages() throws {
        var builder = LexicalIndexBuilder()
        builder.add(terms: ["rare"] + Array(repeating: "filler", count: 99))  // 100 terms, stored as 96
        builder.add(terms: ["other"])
        let index = try Self.open(builder)
        let score = try #require(index.search(terms: ["rare"], limit: 1, scoring: .default).first).score
        // N 2, df 1: idf = ln(1 + 1.5/1.5) = ln 2; average length 101/2 = 50.5
        let idf: Float = 0.693147
        let expected = idf / (1 + 0.9 * (0.6 + 0.4 * 96 / 50.5))
        #expect(abs(score - expected) < 1e-5)
    }
}

@Suite(.offThePool) struct TopSelectionTests {
    @Test("the top of a search equals a full sort with ties to the lower passage", arguments: [1, 3, 10, 100])
    func searchTopMatchesAFullSort(limit: Int) throws {
        // Many passages with few distinct lengths and frequencies, so that equal scores are common.
        var builder = LexicalIndexBuilder()
        var generator = SystemRandomNumberGenerator()
        var counts: [Int] = []
        for _ in 0..<500 {
            let count = Int.random(in: 0...3, using: &generator)
            counts.append(count)
            builder.add(terms: Array(repeating: "term", count: count) + Array(repeating: "pad", count: 4 - count))
        }
        let index = try LexicalIndexTests.open(builder)
        let all = index.search(terms: ["term"], limit: 1_000, scoring: .default)
        #expect(all.count == counts.filter { $0 > 0 }.count)
        #expect(all == all.sorted(by: >))
        #expect(index.search(terms: ["term"], limit: limit, scoring: .default) == Array(all.prefix(limit)))
    }

    @Test("best-of selection equals a full sort", arguments: [1, 10, 101])
    func bestOfSelectionEqualsAFullSort(limit: Int) {
        var generator = SystemRandomNumberGenerator()
        for size in [1, 50, 3_000] {
            let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: size)
            defer { scores.deallocate() }
            // Scores on a coarse grid (ties) and spread over a wide range (many histogram bins).
            for index in 0..<size { scores[index] = Float(Int.random(in: 1...400, using: &generator)) / 16 }
            let matched = (0..<size).map { Int32($0) }.shuffled()
            let expected = (0..<size).map { LexicalIndex.ScoredPassage(passage: $0, score: scores[$0]) }
                .sorted(by: >).prefix(limit)
            let selected = matched.withUnsafeBufferPointer { LexicalIndex.best(limit, of: $0, scores: scores) }
            #expect(selected == Array(expected), "size \(size)")
        }
    }

    @Test("whole-array selection equals a full sort of the passages reached", arguments: [1, 10, 101])
    func wholeArraySelectionEqualsAFullSort(limit: Int) {
        var generator = SplitMix64(seed: UInt64(limit))
        // Sizes around the blocks of 64; scores with ties, and zeros for passages no term reached.
        for size in [1, 50, 64, 65, 3_000, 3_001] {
            for reachedShare in [0.02, 0.5, 1] {
                let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: size)
                defer { scores.deallocate() }
                for index in 0..<size {
                    let reached = Double(generator.next() % 1000) < reachedShare * 1000
                    scores[index] = reached ? Float(generator.next() % 400 + 1) / 16 : 0
                }
                let expected = (0..<size).filter { scores[$0] > 0 }
                    .map { LexicalIndex.ScoredPassage(passage: $0, score: scores[$0]) }
                    .sorted(by: >).prefix(limit)
                let selected = LexicalIndex.bestOfAll(limit, scores: scores)
                #expect(selected == Array(expected), "size \(size), share \(reachedShare)")
            }
        }
    }

    @Test("searches with few postings (listing the passages reached) and many (scanning all) equal a reference")
    func bothSearchPathsEqualAReference() throws {
        // Zipf-like terms over 2,000 passages: rare terms take the listing path, common ones the whole array.
        var generator = SplitMix64(seed: 11)
        let vocabulary = (0..<300).map { "w\($0)" }
        var builder = LexicalIndexBuilder()
        for _ in 0..<2_000 {
            let length = Int(generator.next() % 30) + 1
            builder.add(
                terms: (0..<length).map { _ in
                    let draw = Double(generator.next() % 1_000_000) / 1_000_000
                    return vocabulary[min(vocabulary.count - 1, Int(pow(300, draw)) - 1)]
                })
        }
        let index = try LexicalIndexTests.open(builder)
        // Each term's score in every passage, from a one-term search, to add up in query order as search does.
        var perTerm: [String: [Int: Float]] = [:]
        for term in vocabulary {
            let hits = index.search(terms: [term], limit: index.passageCount, scoring: .default)
            perTerm[term] = Dictionary(uniqueKeysWithValues: hits.map { ($0.passage, $0.score) })
        }
        var paths: Set<Bool> = []
        for queryNumber in 0..<200 {
            let query = (0..<(queryNumber % 6 + 1)).map { _ in vocabulary[Int(generator.next() % 300)] }
            let postings = query.reduce(0) { $0 + index.documentFrequency(of: $1) }
            paths.insert(postings * LexicalIndex.wholeArrayRatio < index.passageCount)
            var totals: [Int: Float] = [:]
            for term in query {
                for (passage, score) in perTerm[term] ?? [:] { totals[passage, default: 0] += score }
            }
            let expected = totals.map { LexicalIndex.ScoredPassage(passage: $0.key, score: $0.value) }
                .sorted(by: >).prefix(10)
            #expect(index.search(terms: query, limit: 10, scoring: .default) == Array(expected), "\(query)")
        }
        #expect(paths == [true, false], "the queries should take both paths")
    }

}
