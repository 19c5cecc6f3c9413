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
            citations: the quoted source sentence with its character offsets in the source file.

            --claims FILE grounds many independent claims (JSON lines {"id", "text"}) and prints one JSON object \
            per line. The JSON shapes are documented in README.md.
            """)

    @Argument(help: "An index directory written by `evident index`.") var index: String
    @Argument(help: "The answer file (Markdown or text); - or nothing reads standard input.") var answer: String?
    @Option(help: "Ground the claims of a JSON-lines file ({\"id\", \"text\"} per line) instead of an answer.")
    var claims: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print the answer as Markdown with inline [n] citations and a References list.") var markdown = false
    @Option(help: "The model folder the index was built with (default: Models/<the index's model>).") var model: String?

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
        let evidentIndex = try openIndex(index)
        let grounder = Grounder(retriever: try groundingRetriever(for: evidentIndex, model: model))
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

    /// Reads `{"id", "text"}` lines, grounds them in batches, and prints one JSON object per claim.
    private func groundClaimsFile(_ path: String, with grounder: Grounder) throws {
        struct Line: Decodable {
            var id: String?
            var text: String
        }
        let (contents, _) = try InputText.read(path)
        var batch: [(id: String?, text: String)] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func flush() throws {
            for claim in try grounder.ground(claims: batch) {
                print(String(decoding: try encoder.encode(claim), as: UTF8.self))
            }
            batch.removeAll()
        }
        for (number, line) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let decoded: Line
            do {
                decoded = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
            } catch {
                throw CommandFailure(
                    "\(path):\(number + 1): not a JSON object with a \"text\" string; "
                        + "write one claim per line as {\"id\": \"c1\", \"text\": \"…\"}")
            }
            batch.append((decoded.id, decoded.text))
            if batch.count == 64 { try flush() }
        }
        if !batch.isEmpty { try flush() }
    }

    static func jsonString(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// The retriever grounding uses: hybrid with the model when the index has vectors, lexical (with a note) when it
/// has none; a missing or different model is an error, since grounding without it would quietly be worse.
func groundingRetriever(for index: EvidentIndex, model: String?) throws -> Retriever {
    guard let embedding = index.configuration.embedding else {
        Terminal.writeError("note: the index has no vectors; grounding on word overlap alone\n")
        return Retriever(index: index)
    }
    let directory = URL(fileURLWithPath: model ?? "Models/\(embedding.modelID)")
    do {
        return try Retriever(index: index, embedder: try SentenceEmbedder(directory: directory))
    } catch let error as EmbeddingError {
        throw CommandFailure("\(error.description); grounding needs the model the index was built with")
    } catch let error as RetrievalError {
        throw CommandFailure(error.description)
    }
}
