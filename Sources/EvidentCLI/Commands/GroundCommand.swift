import ArgumentParser
import Evident
import Foundation

struct GroundCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ground",
        abstract: "Cite the exact sentences of an index that support each claim of an answer, or flag the claim.",
        discussion: """
            The answer (Markdown or plain text, from a file or standard input) is split into claims: sentences and \
            list items, compound claims into their parts; headings, questions, calls to action and disclaimers are \
            kept but marked not-a-claim. Each claim gets a verdict — supported, partially-supported, contradicted \
            (a source on the same subject gives another number, the opposite direction, a negation, or calls \
            experimental what the claim calls approved) or unsupported — a support score in [0, 1] and up to 3 \
            citations: the quoted source sentence with its character offsets in the source file. With a claim \
            verifier (--verifier DIR, or Models/evident-verifier when Scripts/train-verifier.sh has trained it), \
            a cross-encoder reads the claim with each of its best sentences and decides between supports, \
            refutes and neither; where it and the support score disagree, the claim is never supported.

            --claims FILE grounds many independent claims (JSON lines {"id", "text"}) and prints one JSON object \
            per line. The JSON shapes are documented in README.md.
            """)

    @Argument(help: "An index directory written by `evident index`.") var index: String
    @Argument(help: "The answer file (Markdown or text); - or nothing reads standard input.") var answer: String?
    @Option(help: "Ground the claims of a JSON-lines file ({\"id\", \"text\"} per line) instead of an answer.")
    var claims: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print the answer as Markdown with inline [n] citations and a References list.") var markdown = false
    @Option(help: ArgumentHelp(ModelLocation.optionHelp, valueName: "dir")) var model: String?
    @OptionGroup var verification: VerifierOptions
    @OptionGroup var filterOptions: FilterOptions
    @OptionGroup var shardStatistics: ShardStatisticsOptions

    func validate() throws {
        if json && markdown { throw ValidationError("Choose one of --json and --markdown.") }
        if claims != nil && answer != nil {
            throw ValidationError("Give either an answer or --claims FILE, not both.")
        }
        if claims != nil && markdown {
            throw ValidationError("--claims prints JSON lines; --markdown needs an answer.")
        }
    }

    func run() throws {
        let evidentIndex = try shardStatistics.openIndex(index)
        var grounder = Grounder(
            retriever: try groundingRetriever(for: evidentIndex, model: model),
            configuration: verification.configuration(), verifier: try verification.load())
        grounder.filter = filterOptions.filter
        if let claims {
            try groundClaimsFile(claims, with: grounder)
            return
        }
        let (text, source) = try InputText.read(answer)
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CommandFailure("\(source): the answer is empty; give some text to ground")
        }
        let grounded = try grounder.ground(answer: text)
        if json {
            print(try Self.jsonString(grounded))
        } else if markdown {
            print(GroundingRenderer().renderMarkdown(grounded), terminator: "")
        } else {
            print(GroundingRenderer(usesColor: Terminal.usesColor).renderTerminal(grounded), terminator: "")
        }
    }

    /// Reads `{"id", "text"}` lines — all of them first, so a bad line stops the run before any output — then
    /// grounds them in batches of 64 and prints one JSON object per claim.
    private func groundClaimsFile(_ path: String, with grounder: Grounder) throws {
        let (contents, source) = try InputText.read(path)
        var claims: [(id: String?, text: String)] = []
        for (number, line) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                let text = object["text"] as? String,
                !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            else {
                throw CommandFailure(
                    "\(source):\(number + 1): expected a JSON object with a non-empty string \"text\"; "
                        + "write one claim per line as {\"id\": \"c1\", \"text\": \"…\"}")
            }
            // Ids may be strings or numbers; they are echoed as strings.
            let id = object["id"].map { value -> String in (value as? String) ?? "\(value)" }
            claims.append((id, text))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for start in stride(from: 0, to: claims.count, by: 64) {
            for claim in try grounder.ground(claims: Array(claims[start..<min(start + 64, claims.count)])) {
                print(String(decoding: try encoder.encode(claim), as: UTF8.self))
            }
        }
    }

    static func jsonString(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// The retriever grounding and `ask` use: hybrid with the model when the index has vectors, lexical (with a note)
/// when it has none; a missing or different model is an error, since grounding without it would quietly be worse.
///
/// - Parameters:
///   - index: The index to ground in.
///   - model: `--model`, or `nil` to find the index's model by name.
///   - purpose: What needs the model, for messages ("grounding", "ask").
/// - Returns: The retriever.
/// - Throws: `CommandFailure` when the model cannot be loaded or is not the index's.
func groundingRetriever(for index: EvidentIndex, model: String?, purpose: String = "grounding") throws -> Retriever {
    try modelRetriever(
        for: index, model: model, withoutVectors: "\(purpose) on word overlap alone", purpose: purpose)
}

/// A retriever with the model `index` was built with (`model`, or found by name on `ModelLocation.searchPath`),
/// or a lexical one, after writing `note: the index has no vectors; <withoutVectors>`, when the index has none.
///
/// - Throws: `CommandFailure` when the model cannot be loaded or is not the index's, saying that `purpose` needs it.
func modelRetriever(for index: EvidentIndex, model: String?, withoutVectors: String, purpose: String) throws
    -> Retriever
{
    guard let embedding = index.configuration.embedding else {
        Terminal.writeError("note: the index has no vectors; \(withoutVectors)\n")
        return Retriever(index: index)
    }
    let embedder: SentenceEmbedder
    do {
        embedder = try ModelLocation.load(embedding.modelID, given: model)
    } catch {
        throw CommandFailure("\(purpose) needs the model the index was built with: \(error)")
    }
    return try Retriever(index: index, embedder: embedder)
}
