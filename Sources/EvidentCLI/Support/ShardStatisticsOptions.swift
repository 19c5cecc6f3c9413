import ArgumentParser
import Evident
import Foundation

/// `--statistics`: the collection statistics of a sharded corpus, for a command that opens one shard.
struct ShardStatisticsOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "For an index that is one shard of a sharded corpus (`evident index --shard K/N`): score BM25 and weigh "
                + "grounding's words with the statistics of every shard (written by `evident statistics`), so that "
                + "scores equal those of one index of the whole corpus.", valueName: "file"))
    var statistics: String?

    /// Opens the index at `path`, scoring with the statistics when given.
    func openIndex(_ path: String) throws -> EvidentIndex {
        let index = try EvidentCLI.openIndex(path)
        guard let statistics else { return index }
        let collection: CollectionStatistics
        do {
            collection = try CollectionStatistics(contentsOf: URL(fileURLWithPath: statistics))
        } catch {
            throw CommandFailure(
                "--statistics: \(error); write it with `evident statistics SHARD-DIR... --out \(statistics)`")
        }
        return try index.scoring(with: collection, named: "--statistics \(statistics)")
    }
}
