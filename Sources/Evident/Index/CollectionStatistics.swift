public import EvidentStorage
public import Foundation

/// BM25's collection statistics of a whole sharded corpus: the passages with a term (N), their total length and
/// each term's document frequency, summed over every shard's live passages.
///
/// A shard searched with them scores each passage exactly as one index of the whole corpus would, so the shards'
/// lexical results merge by score (`EvidentIndex.scoring(with:)`); grounding weighs claim words with them too. The
/// statistics name the shards they were merged from (number and corpus fingerprint), and a shard refuses
/// statistics that do not name it.
public struct CollectionStatistics: Sendable, Hashable {
    /// One shard the statistics count.
    public struct Shard: Sendable, Hashable {
        /// Its place: shard `shard.number` of `shard.count`.
        public var shard: CorpusShard
        /// The fingerprint of its part of the corpus, as its manifest records it.
        public var fingerprint: String
        /// Its live documents and passages.
        public var documents: Int
        public var passages: Int
    }

    /// The shards counted, in shard order.
    public private(set) var shards: [Shard]

    /// What names the cluster these statistics are of: a SHA-256 of each shard's place and corpus fingerprint. Two
    /// shard servers with the same cluster identity were built in one split of one corpus and score alike, which
    /// a router checks before it merges their answers.
    public var clusterIdentity: String {
        Checksum.hexDigest(of: Array(shards.map { "\($0.shard) \($0.fingerprint)\n" }.joined().utf8))
    }
    /// Passages with at least one term, over every shard.
    public private(set) var scoredPassageCount: Int
    /// Their analyzed terms in all.
    public private(set) var totalLength: Int
    /// Each term's live passages, over every shard.
    public private(set) var documentFrequencies: [String: Int]

    /// The live statistics of one shard.
    ///
    /// - Throws: `CollectionStatisticsError.notAShard` when the index was not built with `--shard`.
    public init(of index: EvidentIndex) throws(CollectionStatisticsError) {
        guard let shard = index.manifest.corpus.shard else {
            throw CollectionStatisticsError.notAShard(path: index.directory?.path ?? "the index")
        }
        shards = [
            Shard(
                shard: shard, fingerprint: index.manifest.corpus.fingerprint, documents: index.liveDocumentCount,
                passages: index.livePassageCount)
        ]
        scoredPassageCount = index.ownScoredPassageCount
        totalLength = index.ownTotalLength
        var frequencies: [String: Int] = [:]
        for segment in index.segments {
            for (term, entry) in segment.lexical.lexicon {
                let live = entry.documentFrequency - (segment.deletedFrequencies[term] ?? 0)
                if live > 0 { frequencies[term, default: 0] += live }
            }
        }
        documentFrequencies = frequencies
    }

    /// The statistics of every shard of a corpus together.
    ///
    /// - Throws: `CollectionStatisticsError` when the parts are not the shards 1 … N of one split, each once.
    public static func merging(_ parts: [CollectionStatistics]) throws(CollectionStatisticsError)
        -> CollectionStatistics
    {
        guard var merged = parts.first else { throw CollectionStatisticsError.incomplete(count: 0, missing: []) }
        for part in parts.dropFirst() {
            merged.shards += part.shards
            merged.scoredPassageCount += part.scoredPassageCount
            merged.totalLength += part.totalLength
            merged.documentFrequencies.merge(part.documentFrequencies, uniquingKeysWith: +)
        }
        merged.shards.sort { $0.shard.number < $1.shard.number }
        let count = merged.shards[0].shard.count
        if let other = merged.shards.first(where: { $0.shard.count != count }) {
            throw CollectionStatisticsError.mixedSplits(other.shard, count: count)
        }
        let numbers = merged.shards.map(\.shard.number)
        if let repeated = zip(merged.shards, merged.shards.dropFirst()).first(where: { $0.shard == $1.shard }) {
            throw CollectionStatisticsError.repeatedShard(repeated.0.shard)
        }
        let missing = Set(1...count).subtracting(numbers).sorted()
        guard missing.isEmpty else { throw CollectionStatisticsError.incomplete(count: count, missing: missing) }
        return merged
    }

    /// The mean length of a scored passage, in terms.
    public var averageLength: Double {
        scoredPassageCount == 0 ? 1 : Double(totalLength) / Double(scoredPassageCount)
    }

    /// What a search for `terms` scores with.
    package func lexicalStatistics(for terms: [String]) -> LexicalStatistics {
        var frequencies: [String: Int] = [:]
        for term in terms { frequencies[term] = documentFrequencies[term] ?? 0 }
        return LexicalStatistics(
            scoredPassageCount: scoredPassageCount, averageLength: Float(averageLength),
            documentFrequencies: frequencies)
    }

    /// The entry of the index's shard, when the statistics count it as it is now.
    func entry(for index: EvidentIndex) -> Shard? {
        guard let shard = index.manifest.corpus.shard else { return nil }
        return shards.first {
            $0.shard == shard && $0.fingerprint == index.manifest.corpus.fingerprint
                && $0.documents == index.liveDocumentCount && $0.passages == index.livePassageCount
        }
    }
}

// MARK: - The file

extension CollectionStatistics {
    /// The file's name in a sharded index's store.
    public static let fileName = "collection-statistics.bin"

    /// The file's bytes: magic and version, the shards, the totals, the terms (sorted) with their frequencies, and
    /// a SHA-256 of everything before it.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(IndexFileMagic.collectionStatistics)
        writer.write(IndexFileMagic.version)
        writer.write(UInt32(shards.count))
        for entry in shards {
            writer.write(UInt32(entry.shard.number))
            writer.write(UInt32(entry.shard.count))
            writer.write(entry.fingerprint)
            writer.write(UInt64(entry.documents))
            writer.write(UInt64(entry.passages))
        }
        writer.write(UInt64(scoredPassageCount))
        writer.write(UInt64(totalLength))
        writer.write(UInt32(documentFrequencies.count))
        for (term, frequency) in documentFrequencies.sorted(by: { $0.key < $1.key }) {
            writer.write(term)
            writer.write(UInt64(frequency))
        }
        var bytes = writer.bytes
        bytes += Array(Checksum.hexDigest(of: bytes).utf8)
        return bytes
    }

    /// Writes the file at `url`: into a synced temporary file beside it, renamed over the old one, so that a reader
    /// sees the old statistics or the new, never part of them.
    ///
    /// - Throws: `StorageError.unwritable` when the file cannot be written there.
    public func write(to url: URL) throws(StorageError) {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        do {
            try IndexBuild.writeDurably(encoded(), to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            let reason = error is StorageError ? "cannot create a file beside it" : error.localizedDescription
            throw StorageError.unwritable(path: url.path, reason: reason)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw StorageError.unwritable(path: url.path, reason: reason)
        }
        IndexBuild.synchronizeDirectory(url.deletingLastPathComponent())
    }

    /// Reads statistics from `bytes` (the file at `path`).
    ///
    /// - Throws: `StorageError` when the file is damaged (its checksum disagrees, or it is truncated).
    public init(_ bytes: [UInt8], path: String) throws(StorageError) {
        let digestLength = 64
        guard bytes.count > digestLength + 8 else { throw StorageError.corrupt(path, "it is too short") }
        let body = bytes.dropLast(digestLength)
        guard Checksum.hexDigest(of: body) == String(decoding: bytes.suffix(digestLength), as: UTF8.self) else {
            throw StorageError.corrupt(path, "its checksum does not match its contents")
        }
        var decoded: CollectionStatistics?
        var failure: StorageError?
        Array(body).withUnsafeBytes { buffer in
            do {
                var reader = ByteReader(buffer, path: path)
                try IndexFileMagic.check(&reader, magic: IndexFileMagic.collectionStatistics)
                var shards: [Shard] = []
                for _ in 0..<(try reader.readCount()) {
                    let number = Int(try reader.read(UInt32.self))
                    let count = Int(try reader.read(UInt32.self))
                    guard let shard = CorpusShard(number: number, of: count) else {
                        throw StorageError.corrupt(path, "it names shard \(number) of \(count)")
                    }
                    shards.append(
                        Shard(
                            shard: shard, fingerprint: try reader.readString(),
                            documents: Int(try reader.read(UInt64.self)), passages: Int(try reader.read(UInt64.self))))
                }
                let scored = Int(try reader.read(UInt64.self))
                let length = Int(try reader.read(UInt64.self))
                let termCount = try reader.readCount()
                var frequencies: [String: Int] = [:]
                frequencies.reserveCapacity(termCount)
                for _ in 0..<termCount { frequencies[try reader.readString()] = Int(try reader.read(UInt64.self)) }
                guard reader.isAtEnd else { throw StorageError.corrupt(path, "it has bytes after its terms") }
                decoded = CollectionStatistics(
                    shards: shards, scoredPassageCount: scored, totalLength: length, documentFrequencies: frequencies)
            } catch let error as StorageError {
                failure = error
            } catch {
                failure = StorageError.corrupt(path, "\(error)")
            }
        }
        guard let decoded else { throw failure ?? StorageError.corrupt(path, "unreadable") }
        self = decoded
    }

    /// Reads the statistics file at `url`.
    ///
    /// - Throws: `StorageError` when it is missing, unreadable or damaged.
    public init(contentsOf url: URL) throws(StorageError) {
        guard FileManager.default.fileExists(atPath: url.path) else { throw StorageError.missingFile(path: url.path) }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw StorageError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(Array(data), path: url.path)
    }

    private init(shards: [Shard], scoredPassageCount: Int, totalLength: Int, documentFrequencies: [String: Int]) {
        self.shards = shards
        self.scoredPassageCount = scoredPassageCount
        self.totalLength = totalLength
        self.documentFrequencies = documentFrequencies
    }
}

/// Why statistics cannot be merged from the shards given, or used by an index.
public enum CollectionStatisticsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The index holds a whole corpus, not a shard.
    case notAShard(path: String)
    /// Shards of splits into different numbers of parts.
    case mixedSplits(CorpusShard, count: Int)
    /// The same shard given twice.
    case repeatedShard(CorpusShard)
    /// Not every shard of the split given.
    case incomplete(count: Int, missing: [Int])
    /// The statistics do not count the index's shard as it is now.
    case shardNotCounted(path: String, shard: CorpusShard?, statistics: String)

    public var description: String {
        switch self {
        case .notAShard(let path):
            "\(path) holds a whole corpus, not a shard"
        case .mixedSplits(let shard, let count):
            "shard \(shard) belongs to a split into \(shard.count) parts, the others to one into \(count)"
        case .repeatedShard(let shard): "shard \(shard) is given twice"
        case .incomplete(let count, let missing):
            count == 0
                ? "no shard given"
                : missing.count == 1
                    ? "shard \(missing[0]) of \(count) is missing"
                    : "shards \(missing.map(String.init).joined(separator: ", ")) of \(count) are missing"
        case .shardNotCounted(let path, let shard, let statistics):
            "\(statistics) do not count \(path)"
                + (shard.map { " (shard \($0)) as it is now: it was rebuilt or updated since they were merged" }
                    ?? ": it is not a shard")
        }
    }
}
