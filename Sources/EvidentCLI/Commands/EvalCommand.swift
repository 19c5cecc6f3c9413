import ArgumentParser
import Evident
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure retrieval quality on judged queries: nDCG@10, Recall@100, MRR@10.",
        discussion: """
            Follows BEIR's conventions: only queries named in the relevance judgments are evaluated, documents are \
            ranked by their best passage, and a hit whose id equals the query id is dropped. Queries are searched \
            one at a time on one thread; the search time (without loading) gives queries per second.

            JSON: {"ndcg_at_10", "recall_at_100", "mrr_at_10", "queries", "queries_per_second", "search_seconds", \
            "repetitions", "mode", "scoring", "missing_queries"}
            """)

    @Argument(help: "An index directory written by `evident index`.") var index: String
    @Option(help: "Queries: BEIR queries.jsonl ({\"_id\", \"text\"} lines) or one query per line.")
    var queries: String
    @Option(help: "Relevance judgments: BEIR qrels TSV (query-id, corpus-id, score) or TREC qrels.") var qrels: String
    @Option(name: .customLong("run"), help: "Write the rankings as a TREC run file here.") var runFile: String?
    @Option(help: "Documents retrieved per query (100–10,000).") var depth = 100
    @Option(name: .customLong("repeat"), help: "Time the query set this many times and report the median.")
    var repetitions = 1
    @Flag(help: "Print the metrics as JSON.") var json = false
    @OptionGroup var scoringOptions: ScoringOptions
    @OptionGroup var retrievalOptions: RetrievalOptions
    @OptionGroup var filterOptions: FilterOptions
    @OptionGroup var shardStatistics: ShardStatisticsOptions

    func validate() throws {
        guard (100...10_000).contains(depth) else {
            throw ValidationError("--depth must lie between 100 (Recall@100 needs a hundred) and 10,000.")
        }
        guard (1...100).contains(repetitions) else { throw ValidationError("--repeat must lie between 1 and 100.") }
    }

    func run() throws {
        let evidentIndex = try shardStatistics.openIndex(index)
        let queryList: [EvaluationQuery]
        let judgments: RelevanceJudgments
        do {
            queryList = try QueryFile.read(at: URL(fileURLWithPath: queries))
            judgments = try RelevanceJudgments.read(at: URL(fileURLWithPath: qrels))
        } catch let issue as EvaluationIssue {
            throw CommandFailure(issue.description)
        }
        let scoring = scoringOptions.scoring(default: evidentIndex.configuration.scoring)
        let progress = ProgressLine(isEnabled: !json && Terminal.standardErrorIsTerminal)
        let retriever = try retrievalOptions.retriever(for: evidentIndex)
        var options = retrievalOptions.searchOptions(scoring: scoring)
        options.filter = filterOptions.filter
        let mode = try retriever.mode(for: options)
        let result = try retriever.evaluate(
            queries: queryList, judgments: judgments, depth: depth, options: options, repetitions: repetitions
        ) { done, total in
            progress.update("searching: \(done)/\(total) queries")
        }
        progress.finish()
        guard result.evaluation.queries > 0 else {
            throw CommandFailure(
                "none of the \(queryList.count) queries in \(queries) has judgments in \(qrels); "
                    + "check that the two files belong together")
        }
        guard result.relevantDocumentsInIndex > 0 else {
            throw CommandFailure(
                "\(index) holds none of the \(Format.count(result.relevantDocuments)) documents that \(qrels) judges "
                    + "relevant, so every score would be 0; evaluate the index built from the corpus of these judgments"
            )
        }
        if result.relevantDocumentsInIndex < result.relevantDocuments {
            Terminal.writeError(
                "warning: \(index) holds \(Format.count(result.relevantDocumentsInIndex)) of the "
                    + "\(Format.count(result.relevantDocuments)) documents that \(qrels) judges relevant; the others "
                    + "count as misses\n")
        }
        if let runFile {
            do {
                try result.trecRun(tag: "evident").write(toFile: runFile, atomically: true, encoding: .utf8)
            } catch {
                throw CommandFailure("cannot write the run file \(runFile): \(error.localizedDescription)")
            }
        }
        let evaluation = result.evaluation
        if json {
            let report = EvalReport(
                ndcgAt10: evaluation.ndcgAt10, recallAt100: evaluation.recallAt100, mrrAt10: evaluation.mrrAt10,
                queries: evaluation.queries, queriesPerSecond: result.queriesPerSecond,
                searchSeconds: result.medianSearchSeconds, repetitions: repetitions, mode: mode.rawValue,
                scoring: scoring.description,
                missingQueries: evaluation.missingQueryIDs.count)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        var lines = [
            "\(Format.count(evaluation.queries)) judged queries, \(mode.rawValue)"
                + (mode == .dense ? "" : ", \(scoring)") + ", depth \(depth)",
            "  nDCG@10     \(Format.decimal(evaluation.ndcgAt10, places: 4))",
            "  Recall@100  \(Format.decimal(evaluation.recallAt100, places: 4))",
            "  MRR@10      \(Format.decimal(evaluation.mrrAt10, places: 4))",
            "  search      \(Format.seconds(result.medianSearchSeconds)) for all queries, "
                + "\(Format.count(Int(result.queriesPerSecond))) queries/s on one thread"
                + (repetitions > 1 ? " (median of \(repetitions))" : ""),
        ]
        if !evaluation.missingQueryIDs.isEmpty {
            lines.append("  note: \(evaluation.missingQueryIDs.count) judged queries are not in \(queries)")
        }
        if let runFile { lines.append("  run file    \(runFile)") }
        print(lines.joined(separator: "\n"))
    }
}

/// `evident eval --json`.
private struct EvalReport: Encodable {
    var ndcgAt10: Double
    var recallAt100: Double
    var mrrAt10: Double
    var queries: Int
    var queriesPerSecond: Double
    var searchSeconds: Double
    var repetitions: Int
    var mode: String
    var scoring: String
    var missingQueries: Int

    enum CodingKeys: String, CodingKey {
        case ndcgAt10 = "ndcg_at_10"
        case recallAt100 = "recall_at_100"
        case mrrAt10 = "mrr_at_10"
        case queries
        case queriesPerSecond = "queries_per_second"
        case searchSeconds = "search_seconds"
        case repetitions, mode, scoring
        case missingQueries = "missing_queries"
    }
}
