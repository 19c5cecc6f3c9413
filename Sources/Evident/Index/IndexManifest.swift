/// What an index directory holds, how it was built, and the checksum of every file: `manifest.json`.
public struct IndexManifest: Sendable, Hashable, Codable {
    /// The size and SHA-256 of one index file.
    public struct FileEntry: Sendable, Hashable, Codable {
        /// The file's size in bytes.
        public var bytes: Int
        /// The file's SHA-256, as 64 hexadecimal characters.
        public var sha256: String
    }

    /// Where the indexed corpus came from and what it held.
    public struct CorpusSummary: Sendable, Hashable, Codable {
        /// The corpus path as given to `evident index`.
        public var path: String
        /// The format the corpus was read as (the most common one when a folder mixed formats).
        public var format: CorpusFormat
        /// SHA-256 over every document's id and source, in index order: equal fingerprints, equal corpora.
        public var fingerprint: String
        /// The number of documents indexed.
        public var documents: Int
        /// The number of passages indexed.
        public var passages: Int
        /// Files or lines skipped as bad input (with `--skip-bad`).
        public var skipped: Int
        /// The part of the corpus the index holds, when it is one shard of a sharded index; absent otherwise.
        public var shard: CorpusShard?
    }

    /// Counts that describe the lexical index.
    public struct Statistics: Sendable, Hashable, Codable {
        /// Distinct terms.
        public var terms: Int
        /// (term, passage) pairs.
        public var postings: Int
        /// Mean analyzed length of a passage, in terms.
        public var averagePassageLength: Double
    }

    /// How long building took (reading the corpus aside), so that an index kept by `--if-changed` still says.
    public struct BuildTimes: Sendable, Hashable, Codable {
        /// From the first document chunked to the last file encoded, in seconds.
        public var seconds: Double
        /// Passages embedded (not reused from an earlier index), and the seconds that took.
        public var embeddedPassages: Int
        public var embeddingSeconds: Double
        /// Distinct sentences embedded for grounding (not reused), and the seconds that took.
        public var embeddedSentences: Int
        public var sentenceSeconds: Double
        /// Distinct sentences whose vector was pooled from their passage's encoder pass (0 when the index encodes
        /// sentences on their own, and in indexes that do not say).
        public var pooledSentences: Int
        /// Seconds spent building the approximate index of the passage vectors (0 without one, and in indexes that
        /// do not say).
        public var approximateIndexSeconds: Double

        /// Build times and counts.
        public init(
            seconds: Double, embeddedPassages: Int, embeddingSeconds: Double, embeddedSentences: Int,
            sentenceSeconds: Double, pooledSentences: Int = 0, approximateIndexSeconds: Double = 0
        ) {
            self.approximateIndexSeconds = approximateIndexSeconds
            self.seconds = seconds
            self.embeddedPassages = embeddedPassages
            self.embeddingSeconds = embeddingSeconds
            self.embeddedSentences = embeddedSentences
            self.sentenceSeconds = sentenceSeconds
            self.pooledSentences = pooledSentences
        }

        private enum CodingKeys: String, CodingKey {
            case seconds, embeddedPassages, embeddingSeconds, embeddedSentences, sentenceSeconds, pooledSentences
            case approximateIndexSeconds
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            seconds = try container.decode(Double.self, forKey: .seconds)
            embeddedPassages = try container.decode(Int.self, forKey: .embeddedPassages)
            embeddingSeconds = try container.decode(Double.self, forKey: .embeddingSeconds)
            embeddedSentences = try container.decode(Int.self, forKey: .embeddedSentences)
            sentenceSeconds = try container.decode(Double.self, forKey: .sentenceSeconds)
            pooledSentences = try container.decodeIfPresent(Int.self, forKey: .pooledSentences) ?? 0
            approximateIndexSeconds =
                try container.decodeIfPresent(Double.self, forKey: .approximateIndexSeconds) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(seconds, forKey: .seconds)
            try container.encode(embeddedPassages, forKey: .embeddedPassages)
            try container.encode(embeddingSeconds, forKey: .embeddingSeconds)
            try container.encode(embeddedSentences, forKey: .embeddedSentences)
            try container.encode(sentenceSeconds, forKey: .sentenceSeconds)
            try container.encode(pooledSentences, forKey: .pooledSentences)
            if approximateIndexSeconds > 0 {
                try container.encode(approximateIndexSeconds, forKey: .approximateIndexSeconds)
            }
        }

        /// Passages indexed per second of the whole build.
        public func passagesPerSecond(passages: Int) -> Double { seconds > 0 ? Double(passages) / seconds : 0 }
    }

    /// Always "evident-index".
    public var format: String
    /// The on-disk format version; an index of another version must be rebuilt.
    public var formatVersion: Int
    /// The version of Evident that wrote the index.
    public var evidentVersion: String
    /// When the index was written (ISO 8601, UTC).
    public var createdAt: String
    /// The corpus.
    public var corpus: CorpusSummary
    /// The settings the index was built with.
    public var configuration: IndexConfiguration
    /// Counts.
    public var statistics: Statistics
    /// Every other file of the index directory, by name.
    public var files: [String: FileEntry]
    /// How long the build took; absent in indexes written before Evident recorded it.
    public var build: BuildTimes?
    /// The segments updates added, oldest first; absent (or empty) for an index one build wrote.
    public var segments: [Segment]?
    /// The documents updates deleted, by segment name (the first segment's name is empty); absent when none is.
    public var deletions: [String: Deletions]?
    /// How many times the index was committed: 0 (absent) for a build, one more for each update.
    public var generation: Int?

    /// A segment an update added: its folder inside the index directory, what it holds and its files.
    public struct Segment: Sendable, Hashable, Codable {
        /// The folder, `segments/<generation>`.
        public var name: String
        /// Documents and passages it holds, deleted ones included.
        public var documents: Int
        public var passages: Int
        /// Its files, by name inside the folder.
        public var files: [String: FileEntry]
    }

    /// The deleted documents of one segment: a file of their numbers in the segment, with its size and checksum.
    public struct Deletions: Sendable, Hashable, Codable {
        /// The file's name in the index directory.
        public var file: String
        /// The number of deleted documents.
        public var documents: Int
        /// The file's size and SHA-256.
        public var entry: FileEntry
    }

    /// The size of every index file but the manifest, in bytes.
    public var fileBytes: Int { files.values.reduce(0) { $0 + $1.bytes } }

    /// The name of the manifest file inside an index directory.
    public static let fileName = "manifest.json"
    /// The format version this build of Evident reads and writes.
    public static let currentFormatVersion = Int(IndexFileMagic.version)
    /// The format version of an index with segments or deletions (written by an update), which earlier versions of
    /// Evident, which would not see the segments, refuse.
    public static let segmentedFormatVersion = currentFormatVersion + 1
}

/// Evident's version, recorded in every index it writes.
public let evidentVersion = "0.1.0"
