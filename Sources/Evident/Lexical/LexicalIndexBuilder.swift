#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Collects analyzed passages and writes the three lexical index files.
struct LexicalIndexBuilder {
    private var termIDs: [String: Int] = [:]
    private var termNames: [String] = []
    private var postingPassages: [[UInt32]] = []
    private var postingFrequencies: [[UInt32]] = []
    private(set) var lengths: [UInt32] = []

    var passageCount: Int { lengths.count }

    /// Adds the next passage, given as its analyzed terms in order.
    mutating func add(terms: [String]) {
        let passage = UInt32(lengths.count)
        var counts: [Int: UInt32] = [:]
        for term in terms {
            let id: Int
            if let known = termIDs[term] {
                id = known
            } else {
                id = termNames.count
                termIDs[term] = id
                termNames.append(term)
                postingPassages.append([])
                postingFrequencies.append([])
            }
            counts[id, default: 0] += 1
        }
        for (id, count) in counts {
            postingPassages[id].append(passage)
            postingFrequencies[id].append(count)
        }
        lengths.append(UInt32(terms.count))
    }

    struct EncodedFiles {
        var lexicon: [UInt8]
        var postings: [UInt8]
        var norms: [UInt8]
        var termCount: Int
        var postingCount: Int
    }

    /// Encodes the index: terms in byte order, each term's postings by increasing passage index.
    ///
    /// Beside each posting's frequency goes its BM25 score under `impactParameters` (computed exactly as at search
    /// time), so that a search with those parameters only adds precomputed impacts.
    func encoded(impactParameters: BM25Parameters = .default) -> EncodedFiles {
        let order = termNames.indices.sorted { termNames[$0].utf8.lexicographicallyPrecedes(termNames[$1].utf8) }
        let passageCount = lengths.count
        let postingCount = postingPassages.reduce(0) { $0 + $1.count }

        var lexicon = ByteWriter()
        lexicon.write(IndexFileMagic.lexicon)
        lexicon.write(IndexFileMagic.version)
        lexicon.write(UInt32(order.count))
        var postings = ByteWriter()
        postings.reserve(16 + postingCount * 8)
        postings.write(IndexFileMagic.postings)
        postings.write(IndexFileMagic.version)
        postings.write(UInt64(postingCount))
        postings.write(impactParameters.k1)
        postings.write(impactParameters.b)
        let totalLength = lengths.reduce(0) { $0 + Int($1) }
        // Lucene counts only documents that have the field: passages without terms are not part of N or avgdl.
        let scoredPassageCount = lengths.lazy.filter { $0 > 0 }.count
        let averageLength = scoredPassageCount == 0 ? 1 : Float(Double(totalLength) / Double(scoredPassageCount))
        let inverseNorms = LexicalIndex.inverseNorms(impactParameters, averageLength: averageLength)
        var impacts: [Float] = []
        impacts.reserveCapacity(postingCount)
        var frequencies: [UInt32] = []
        frequencies.reserveCapacity(postingCount)
        var norms = [Float](repeating: 0, count: passageCount)
        var start = 0
        for id in order {
            let passages = postingPassages[id]
            let counts = postingFrequencies[id]
            // Passages are added in order, but counting with a dictionary keeps each passage once: already sorted.
            lexicon.write(termNames[id])
            lexicon.write(UInt32(passages.count))
            lexicon.write(UInt64(start))
            postings.write(contentsOf: passages)
            frequencies.append(contentsOf: counts)
            let weight = LexicalIndex.bm25InverseDocumentFrequency(
                documentFrequency: passages.count, passageCount: scoredPassageCount)
            for (passage, count) in zip(passages, counts) {
                let inverseNorm = inverseNorms[Int(LuceneLengthEncoding.encode(Int(lengths[Int(passage)])))]
                impacts.append(
                    LexicalIndex.bm25Score(weight: weight, frequency: Float(count), inverseNorm: inverseNorm))
            }
            let idf = LexicalIndex.tfidfInverseDocumentFrequency(
                documentFrequency: passages.count, passageCount: scoredPassageCount)
            for (passage, count) in zip(passages, counts) {
                let weight = (1 + Float(log(Double(count)))) * idf
                norms[Int(passage)] += weight * weight
            }
            start += passages.count
        }
        postings.write(contentsOf: frequencies)
        postings.write(contentsOf: impacts.map(\.bitPattern))

        var normsFile = ByteWriter()
        normsFile.write(IndexFileMagic.norms)
        normsFile.write(IndexFileMagic.version)
        normsFile.write(UInt32(passageCount))
        normsFile.write(UInt64(totalLength))
        normsFile.align(to: 8)
        normsFile.write(contentsOf: lengths)
        normsFile.write(contentsOf: norms.map { $0.squareRoot().bitPattern })
        normsFile.write(contentsOf: lengths.map { LuceneLengthEncoding.encode(Int($0)) })
        return EncodedFiles(
            lexicon: lexicon.bytes, postings: postings.bytes, norms: normsFile.bytes, termCount: order.count,
            postingCount: postingCount)
    }
}

extension LexicalIndex {
    /// Reads the index from its three files, checking every count and offset against the files' sizes.
    ///
    /// - Throws: `StorageError` when a file is truncated or inconsistent.
    init(lexicon lexiconBytes: ReadOnlyBytes, postings postingBytes: ReadOnlyBytes, norms normBytes: ReadOnlyBytes)
        throws(StorageError)
    {
        var norms = ByteReader(normBytes.bytes, path: normBytes.path)
        try IndexFileMagic.check(&norms, magic: IndexFileMagic.norms)
        let passageCount = Int(try norms.read(UInt32.self))
        guard let totalLength = Int(exactly: try norms.read(UInt64.self)) else {
            throw StorageError.corrupt(norms.path, "the total passage length is out of range")
        }
        try norms.skip(toAlignment: 8)
        let lengths = try norms.readArray(of: UInt32.self, count: passageCount)
        let tfidfNorms = try norms.readArray(of: Float.self, count: passageCount)
        let encodedLengths = try norms.readArray(of: UInt8.self, count: passageCount)
        guard norms.isAtEnd else { throw StorageError.corrupt(norms.path, "unexpected bytes after the norms") }
        guard lengths.reduce(0, { $0 + Int($1) }) == totalLength else {
            throw StorageError.corrupt(norms.path, "passage lengths do not add up to the total")
        }
        for (length, norm) in zip(lengths, tfidfNorms) where !(norm.isFinite && (norm > 0) == (length > 0)) {
            throw StorageError.corrupt(norms.path, "a TF-IDF norm is \(norm) for a passage of \(length) terms")
        }

        var postings = ByteReader(postingBytes.bytes, path: postingBytes.path)
        try IndexFileMagic.check(&postings, magic: IndexFileMagic.postings)
        let postingCount64 = try postings.read(UInt64.self)
        guard postingCount64 <= UInt64(postingBytes.bytes.count / 8) else {
            throw StorageError.corrupt(postings.path, "posting count \(postingCount64) exceeds the file")
        }
        let postingCount = Int(postingCount64)
        let impactParameters = BM25Parameters(k1: try postings.readFloat(), b: try postings.readFloat())
        guard impactParameters.isValid else {
            throw StorageError.corrupt(
                postings.path, "BM25 parameters k1 \(impactParameters.k1), b \(impactParameters.b)")
        }
        let postingPassages = try postings.readArray(of: UInt32.self, count: postingCount)
        let postingFrequencies = try postings.readArray(of: UInt32.self, count: postingCount)
        let postingImpacts = try postings.readArray(of: Float.self, count: postingCount)
        guard postings.isAtEnd else { throw StorageError.corrupt(postings.path, "unexpected bytes after postings") }
        for passage in postingPassages where Int(passage) >= passageCount {
            throw StorageError.corrupt(postings.path, "a posting names passage \(passage) of \(passageCount)")
        }
        for (frequency, impact) in zip(postingFrequencies, postingImpacts)
        where frequency == 0 || !(impact.isFinite && impact > 0) {
            throw StorageError.corrupt(postings.path, "a posting has frequency \(frequency) and impact \(impact)")
        }

        var lexicon = ByteReader(lexiconBytes.bytes, path: lexiconBytes.path)
        try IndexFileMagic.check(&lexicon, magic: IndexFileMagic.lexicon)
        let termCount = try lexicon.readCount()
        var entries: [String: TermEntry] = [:]
        entries.reserveCapacity(termCount)
        for _ in 0..<termCount {
            let term = try lexicon.readString()
            let frequency = Int(try lexicon.read(UInt32.self))
            let start = try lexicon.read(UInt64.self)
            guard start <= UInt64(postingCount), frequency <= postingCount - Int(start) else {
                throw StorageError.corrupt(lexicon.path, "postings of \"\(term)\" lie outside the postings file")
            }
            entries[term] = TermEntry(postingStart: Int(start), documentFrequency: frequency)
        }
        guard lexicon.isAtEnd else { throw StorageError.corrupt(lexicon.path, "unexpected bytes after the terms") }

        self.init(
            lexicon: entries, passageCount: passageCount,
            scoredPassageCount: lengths.lazy.filter { $0 > 0 }.count, totalLength: totalLength,
            postingPassages: postingPassages,
            postingFrequencies: postingFrequencies, postingImpacts: postingImpacts, impactParameters: impactParameters,
            lengths: lengths, encodedLengths: encodedLengths,
            tfidfNorms: tfidfNorms, storage: [lexiconBytes, postingBytes, normBytes])
    }
}
