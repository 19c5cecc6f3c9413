import ArgumentParser
import Evident
import Foundation

/// Mode, model and fusion options shared by `search` and `eval`.
struct RetrievalOptions: ParsableArguments {
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case lexical, dense, hybrid
    }

    enum Fusion: String, ExpressibleByArgument, CaseIterable {
        case rrf, weighted
    }

    @Option(help: "lexical, dense or hybrid. Default: hybrid when the index has vectors and the model is at hand.")
    var mode: Mode?

    @Option(help: ArgumentHelp(ModelLocation.optionHelp, valueName: "dir")) var model: String?

    @Option(help: "Hybrid fusion: rrf (reciprocal rank fusion) or weighted (min-max normalised scores).")
    var fusion: Fusion = .rrf

    @Option(help: "The k of reciprocal rank fusion.") var rrfK: Double = 60

    @Option(help: "The lexical share of weighted fusion, from 0 to 1.") var lexicalWeight: Double = 0.5

    @Flag(help: "Scan the int8 vectors (4× smaller, best candidates re-scored exactly) instead of fp32.")
    var int8 = false

    @Option(help: "Threads for one dense search (the vectors are split between them; 1 keeps one core free).")
    var threads = 1

    @Flag(help: "Scan every vector even when the index has an approximate index (built with --ann).")
    var exact = false

    @Option(
        help: ArgumentHelp(
            "How widely an approximate search looks (more: higher recall, slower): the lists an IVF scans (default "
                + "an eighth of them), the nodes an HNSW search keeps in view (default 64).", valueName: "n"))
    var probes: Int?

    func validate() throws {
        guard rrfK > 0 else { throw ValidationError("--rrf-k must be positive.") }
        guard (0...1).contains(lexicalWeight) else { throw ValidationError("--lexical-weight must lie in 0…1.") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must lie between 1 and 256.") }
        if let probes, probes < 1 { throw ValidationError("--probes must be at least 1.") }
    }

    /// A retriever for `index`: with the model when the mode needs it (or, without --mode, when it is at hand).
    func retriever(for index: EvidentIndex) throws -> Retriever {
        guard mode != .lexical, let embedding = index.configuration.embedding else {
            if mode == .dense || mode == .hybrid {
                throw CommandFailure(
                    "the index has no passage vectors, so --mode \(mode?.rawValue ?? "") cannot run; "
                        + "rebuild it with a model or use --mode lexical")
            }
            return Retriever(index: index)
        }
        let embedder: SentenceEmbedder
        do {
            embedder = try ModelLocation.load(embedding.modelID, given: model)
        } catch {
            guard mode == nil else { throw error }
            Terminal.writeError("note: \(error); searching lexically (--mode lexical says so and skips this note)\n")
            return Retriever(index: index)
        }
        return try Retriever(index: index, embedder: embedder)
    }

    /// The search options, with `scoring` for the lexical part.
    func searchOptions(scoring: LexicalScoring?) -> SearchOptions {
        SearchOptions(
            mode: mode.flatMap { SearchMode(rawValue: $0.rawValue) }, scoring: scoring,
            fusion: fusion == .rrf ? .reciprocalRank(k: rrfK) : .weighted(lexicalWeight: lexicalWeight),
            usesQuantizedVectors: int8, threadCount: threads, exact: exact, probes: probes)
    }
}
