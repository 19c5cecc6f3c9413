public import Evident
import Foundation

/// What `evident bench` measured: the machine, the index, every operation's latency, where a hybrid query's time
/// goes, dense search against corpus size, and the peers run beside it. Written as `report.json`; the schema is
/// documented in the README ("evident bench").
public struct BenchmarkReport: Sendable, Hashable, Codable {
    /// The version of this format.
    public var schema = 1
    /// When the run started (ISO 8601, UTC).
    public var createdAt: String
    /// The Evident version that ran it.
    public var evidentVersion: String
    /// The machine.
    public var machine: MachineDescription
    /// The index measured.
    public var index: IndexDescription
    /// How the run was set up.
    public var settings: Settings
    /// Each operation's latency one at a time, and its throughput in batches.
    public var operations: [OperationResult]
    /// Where a hybrid search's time goes, stage by stage (means over the timed hybrid queries).
    public var stages: [StageResult]
    /// Dense search latency at growing corpus sizes (`--sweep`); empty without it.
    public var sweep: [SweepResult]
    /// The peers' figures (`--compare-peers`), as `Scripts/bench-peers.sh` wrote them; `nil` without it.
    public var peers: PeerReport?
    /// Approximate search over synthetic corpora of growing size (`--ann-sizes`); `nil` without it.
    public var approximate: ApproximateSweep? = nil
    /// The largest resident memory of the process during the run, bytes.
    public var peakResidentBytes: Int
    /// The whole run, seconds.
    public var totalSeconds: Double

    /// How the run was set up.
    public struct Settings: Sendable, Hashable, Codable {
        /// Where the queries came from: a file's path, or "drawn from the index".
        public var querySource: String
        /// Distinct queries.
        public var queries: Int
        /// Untimed runs before the timed ones, per operation.
        public var warmup: Int
        /// Threads for batches and for the "all threads" sweep.
        public var threads: Int
        /// Queries per batch.
        public var batchSize: Int
        /// Results per search.
        public var limit: Int
    }

    /// One operation's figures.
    public struct OperationResult: Sendable, Hashable, Codable {
        /// A short stable name: `lexical`, `dense-fp32`, `dense-int8`, `hybrid`, `bm25-scoring`, `vectors-fp32`,
        /// `vectors-int8`, `vectors-ivf`, `ask`, `ground-5`, `ground-20`, `encode-fp32`, `encode-int16`, `encode-int8`,
        /// `encode-bf16`.
        public var name: String
        /// What it does, in words.
        public var detail: String
        /// One at a time.
        public var latency: LatencySummary
        /// Batches, for the operations that have a batch form.
        public var batch: BatchResult?
        /// The encoder's throughput, for the `encode-…` operations.
        public var encoding: EncodingResult? = nil
        /// Recall@10 against exact search, for the approximate `vectors-ivf`.
        public var recallAt10: Double? = nil
    }

    /// What an `encode-…` operation measured beyond time.
    public struct EncodingResult: Sendable, Hashable, Codable {
        /// The encoder's precision: `fp32`, `int16`, `int8` or `bf16`.
        public var precision: String
        /// Passages embedded in each pass.
        public var texts: Int
        /// Their tokens after truncation, [CLS] and [SEP] included. Nothing is padded: each sequence attends over
        /// its own tokens only, so every token computed is one of these.
        public var tokens: Int
        /// Passages and tokens per second over the timed passes.
        public var passagesPerSecond: Double
        public var tokensPerSecond: Double
        /// The lowest cosine between a passage's vector and the fp32 encoder's vector of it; `nil` for fp32 itself
        /// (and when fp32 was not measured).
        public var worstCosineToFP32: Double?
    }

    /// Throughput in batches.
    public struct BatchResult: Sendable, Hashable, Codable {
        /// Queries per batch.
        public var size: Int
        /// Threads the batch ran on.
        public var threads: Int
        /// Time per batch.
        public var latency: LatencySummary
        /// Queries per second: size / mean batch time.
        public var queriesPerSecond: Double
    }

    /// The mean time of one search stage.
    public struct StageResult: Sendable, Hashable, Codable {
        public var stage: SearchStage
        /// Mean microseconds per query.
        public var meanMicroseconds: Double
        /// Its share of the stages' total.
        public var share: Double
    }

    /// Dense search latency over synthetic unit vectors of one size.
    public struct SweepResult: Sendable, Hashable, Codable {
        /// Vectors searched.
        public var vectors: Int
        /// `fp32` (exact) or `int8` (quantized, re-scored).
        public var precision: String
        /// Threads one query ran on.
        public var threads: Int
        /// One query at a time, top 10.
        public var latency: LatencySummary
    }
}

/// The machine a benchmark ran on.
public struct MachineDescription: Sendable, Hashable, Codable {
    /// The processor's model name.
    public var processor: String
    /// Logical cores available to the process.
    public var cores: Int
    /// Physical memory, bytes.
    public var memoryBytes: UInt64
    /// The operating system.
    public var system: String
    /// OpenBLAS's kernels in use.
    public var blasKernels: String
    /// Whether exact vector search runs through the AMX bfloat16 screen.
    public var amxScreen: Bool

    /// This machine.
    public static var current: MachineDescription {
        var processor = "unknown processor"
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        {
            processor = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let info = ProcessInfo.processInfo
        return MachineDescription(
            processor: processor, cores: info.activeProcessorCount, memoryBytes: info.physicalMemory,
            system: info.operatingSystemVersionString, blasKernels: OpenBLASKernels.coreName,
            amxScreen: FlatVectorIndex.screeningIsAvailable)
    }

    /// The largest resident memory this process has had, bytes (Linux's VmHWM; 0 where unknown).
    public static var peakResidentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) }
        return (kilobytes ?? 0) * 1024
    }
}

/// The index a benchmark measured.
public struct IndexDescription: Sendable, Hashable, Codable {
    /// Where it was opened from.
    public var path: String
    public var documents: Int
    public var passages: Int
    /// Stored sentence vectors (0 without).
    public var sentenceVectors: Int
    /// The model, when it has vectors.
    public var model: String?
    /// The index files' total size, bytes.
    public var bytes: Int
    /// Opening it, checksums verified, seconds.
    public var loadSeconds: Double
    /// How long building it took, from its manifest (absent for indexes that do not record it).
    public var build: IndexManifest.BuildTimes?

    /// Describes an index.
    public init(
        path: String, documents: Int, passages: Int, sentenceVectors: Int, model: String?, bytes: Int,
        loadSeconds: Double, build: IndexManifest.BuildTimes? = nil
    ) {
        self.build = build
        self.path = path
        self.documents = documents
        self.passages = passages
        self.sentenceVectors = sentenceVectors
        self.model = model
        self.bytes = bytes
        self.loadSeconds = loadSeconds
    }
}

/// The peers' figures, as `Scripts/peers/bench_peers.py` writes them (schema in `Scripts/peers/README.md`).
public struct PeerReport: Sendable, Hashable, Codable {
    /// Versions of Python and the peer packages.
    public var versions: [String: String]
    /// One entry per measurement.
    public var results: [PeerResult]
    /// The approximate indexes on the synthetic corpora of `--ann-sizes`, one entry per size and method; `nil`
    /// when they were not measured.
    public var approximate: [BenchmarkReport.ApproximateResult]? = nil
}

/// One peer measurement.
public struct PeerResult: Sendable, Hashable, Codable {
    /// `faiss`, `bm25s`, `rank_bm25`, `sentence-transformers` or `onnxruntime`.
    public var engine: String
    /// `IndexFlatIP`, `IndexHNSWFlat`, `lucene`, `BM25Okapi`, `fp32`, `int8 (dynamic)`, …
    public var method: String
    /// `dense`, `lexical` or `encode` (an encoder: its queries per second are passages per second).
    public var kind: String
    /// `index` (the real corpus) or `synthetic`.
    public var data: String
    /// Vectors or passages searched.
    public var count: Int
    public var threads: Int
    /// Queries per call.
    public var batch: Int
    public var p50Microseconds: Double?
    public var p95Microseconds: Double?
    public var p99Microseconds: Double?
    public var maxMicroseconds: Double?
    /// Queries per second.
    public var queriesPerSecond: Double?
    /// Recall@10 against exact search (approximate methods).
    public var recallAt10: Double?
    /// Encoders: tokens per second (after truncation, padding not counted).
    public var tokensPerSecond: Double?
    /// Encoders: the lowest cosine of a vector to sentence-transformers' fp32 vector of the same text.
    public var worstCosine: Double?
    /// Encoders: the share of the tokens computed that were padding.
    public var paddedShare: Double?

    enum CodingKeys: String, CodingKey {
        case engine, method, kind, data, count, threads, batch
        case p50Microseconds = "p50_us"
        case p95Microseconds = "p95_us"
        case p99Microseconds = "p99_us"
        case maxMicroseconds = "max_us"
        case queriesPerSecond = "qps"
        case recallAt10 = "recall_at_10"
        case tokensPerSecond = "tokens_per_second"
        case worstCosine = "worst_cosine"
        case paddedShare = "padded_share"
    }
}
