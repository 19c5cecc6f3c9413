import ArgumentParser
import Evident
import Foundation

struct StatisticsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statistics",
        abstract: "Merge the BM25 statistics of every shard of a sharded corpus into one file.",
        discussion: """
            Each shard (`evident index CORPUS --out SHARD --shard K/N`) counts only its own passages. This command \
            sums, over the shards 1 to N, their live passages, lengths and each term's document frequency, and \
            writes them with a checksum. A shard opened with `--statistics FILE` (search, ask, ground, eval, serve) \
            then scores exactly as one index of the whole corpus, so the shards' results merge by score. The file \
            names each shard's corpus fingerprint: a shard rebuilt or updated since refuses it until it is merged \
            again.
            """)

    @Argument(help: "The shard index directories, every shard of one split.") var shards: [String]
    @Option(help: ArgumentHelp("Where to write the statistics.", valueName: "file")) var out: String
    @Flag(name: .shortAndLong, help: "Print only errors.") var quiet = false

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("Give the shard index directories to merge.") }
    }

    func run() throws {
        let parts = try shards.map { path in
            try CollectionStatistics(of: EvidentIndex(contentsOf: URL(fileURLWithPath: path)))
        }
        let merged = try CollectionStatistics.merging(parts)
        try merged.write(to: URL(fileURLWithPath: out))
        guard !quiet else { return }
        print(
            "Wrote \(out): \(merged.shards.count) shards, \(Format.count(merged.scoredPassageCount)) scored passages, "
                + "\(Format.count(merged.documentFrequencies.count)) terms, mean length "
                + String(format: "%.2f", merged.averageLength))
    }
}
