import Evident
import EvidentServer

/// The engine's errors worded for the command line: the facts the engine reports, then what to do about them in
/// terms of `evident`'s commands and flags.
enum Advice {
    /// `error` as the command prints it: a `CommandFailure` with advice for the engine's errors, else `error`.
    static func worded(_ error: any Error) -> any Error {
        switch error {
        case let error as StorageError: CommandFailure(joined(error.description, advice(for: error)))
        case let error as RetrievalError: CommandFailure(joined(error.description, advice(for: error)))
        case let error as EmbeddingError: CommandFailure(joined(error.description, advice(for: error)))
        case let error as MetadataFilterError: CommandFailure("--filter: \(error)")
        case let error as IndexUpdateError: CommandFailure(joined(error.description, advice(for: error)))
        case let error as CollectionStatisticsError: CommandFailure(joined(error.description, advice(for: error)))
        case let error as IndexingJobError: CommandFailure(joined(error.description, advice(for: error)))
        case let error as ShardRouterError: CommandFailure("--shards: " + joined(error.description, advice(for: error)))
        default: error
        }
    }

    static func advice(for error: StorageError) -> String? {
        switch error {
        case .noSuchIndex(let path), .notAnIndex(let path): "build one with `evident index <corpus> --out \(path)`"
        case .unsupportedFormat, .missingFile, .damaged:
            "rebuild the index with `evident index <corpus> --out <index-dir> --force`"
        case .unreadable: "check that the file exists and that you may read it"
        case .outputExists: "choose another --out, or pass --force to replace the index there"
        case .outputIsNotAnIndex: "choose another --out"
        case .outputParentIsAFile: "choose an --out inside a folder"
        case .unwritable: "choose an --out in a folder you can write to, with room for the index"
        }
    }

    static func advice(for error: RetrievalError) -> String {
        switch error {
        case .indexHasNoVectors:
            "rebuild it with `evident index <corpus> --out <index-dir> --force` and a model, or search with --mode lexical"
        case .modelMismatch(let index, _):
            "search with --model pointing at \(index.modelID), or rebuild the index with this model"
        case .modeNeedsModel(_, nil): "this index has no vectors; use --mode lexical or rebuild it with a model"
        case .modeNeedsModel(_, let model?):
            "put \(model) where evident looks for models (see `evident --help`) or pass --model DIR"
        }
    }

    static func advice(for error: EmbeddingError) -> String? {
        switch error.kind {
        case .missingFile, .damagedFile:
            "run `make setup`, which fetches all-MiniLM-L6-v2 into Models/, or pass --model with a BERT model folder"
        case .unsupportedModel: nil
        }
    }

    static func advice(for error: IndexUpdateError) -> String {
        switch error {
        case .modelNeeded(let model, _):
            "put \(model) where evident looks for models (see `evident --help`) or pass --model DIR"
        case .settingsDiffer:
            "give the settings the index was built with, or rebuild it with --force"
        case .precisionDiffers(let index, _):
            "run it where the encoder can run in \(index) (int16 and int8 need AVX-512 VNNI), or rebuild the index"
                + " with --force"
        }
    }

    static func advice(for error: CollectionStatisticsError) -> String {
        switch error {
        case .notAShard: "build each shard with `evident index CORPUS --out DIR --shard K/N`"
        case .mixedSplits, .repeatedShard, .incomplete: "give every shard of one split once, 1 to N"
        case .shardNotCounted: "merge them again with `evident statistics SHARD-DIR... --out FILE`"
        }
    }

    static func advice(for error: IndexingJobError) -> String? {
        switch error {
        case .emptyCorpus: nil
        case .emptyShard: "split the corpus into fewer shards (--shard K/N with a smaller N)"
        case .shardDiffers(let index, _):
            "update it with " + (index.map { "--shard \($0)" } ?? "no --shard") + ", or build another index"
        }
    }

    static func advice(for error: ShardRouterError) -> String {
        switch error {
        case .noShards: "give the shard servers' addresses, comma-separated"
        case .unreachable:
            "start each shard with `evident serve SHARD-DIR --statistics FILE --port P` (or `evident-ray serve`), or "
                + "wait longer with --shard-wait"
        case .notAShard: "serve each shard with --statistics (the file `evident statistics` writes for its cluster)"
        case .wrongShardCount, .repeatedShard: "give the address of every shard of one split once, 1 to N"
        case .otherCluster:
            "serve every shard of one build with the statistics of that build (`evident statistics` over all of them)"
        case .otherModel: "serve every shard with the model the index was built with (--model)"
        }
    }

    private static func joined(_ description: String, _ advice: String?) -> String {
        description + (advice.map { "; \($0)" } ?? "")
    }
}
