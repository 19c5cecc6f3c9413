import ArgumentParser
import Evident
import Foundation

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Query an index and print ranked passages with their citations.",
        discussion: """
            Lexical search analyzes the query as the passages were (folding, stopwords, stemming) and scores with \
            BM25; dense search embeds it with the index's model and compares it with every passage vector; hybrid \
            search (the default when the index has vectors and the model is at hand) fuses both rankings. On a \
            terminal, matched words are highlighted; --json prints the schema documented in README.md.
            """)

    @Argument(help: "An index directory written by `evident index`.") var index: String
    @Argument(help: "The natural-language query.") var query: String
    @Option(name: .shortAndLong, help: "Maximum number of passages to print (1–1000).") var limit = 10
    @Flag(help: "Print results and citations as JSON.") var json = false
    @OptionGroup var scoringOptions: ScoringOptions
    @OptionGroup var retrievalOptions: RetrievalOptions
    @OptionGroup var filterOptions: FilterOptions
    @OptionGroup var shardStatistics: ShardStatisticsOptions

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must lie between 1 and 1000.") }
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("The query is empty; give some words to search for.")
        }
    }

    func run() throws {
        let evidentIndex = try shardStatistics.openIndex(index)
        let retriever = try retrievalOptions.retriever(for: evidentIndex)
        let scoring = scoringOptions.scoring(default: evidentIndex.configuration.scoring)
        var options = retrievalOptions.searchOptions(scoring: scoring)
        options.filter = filterOptions.filter
        let mode = try retriever.mode(for: options)
        let results = try retriever.search(query, limit: limit, options: options)
        if json {
            print(try SearchResponse(query: query, mode: mode, scoring: scoring, results: results).jsonString())
        } else {
            if mode == .lexical, retriever.terms(of: query).isEmpty {
                Terminal.writeError("note: every word of the query is a stopword or punctuation; nothing to match.\n")
            }
            print(
                TerminalRenderer(usesColor: Terminal.usesColor).render(
                    results, analyzer: evidentIndex.analyzer, mode: mode),
                terminator: "")
        }
    }
}
