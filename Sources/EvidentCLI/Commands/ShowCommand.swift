import ArgumentParser
import Evident
import Foundation

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a document's text as the index stores it, with its passages' boundaries and references.",
        discussion: """
            DOCUMENT is a document's id as citations give it (a path in the corpus, a PMID). Passages are marked \
            ⟦n … n⟧ in the text, n being the passage's ordinal in its document; --around shows only the passages \
            holding one character offset (a citation's start) and some text either side; --page shows one page of \
            a PDF. --json prints the \
            document (source, sections, identifiers, bibliography) and its passages.
            """)

    @Argument(help: "An index directory written by `evident index`.") var index: String
    @Argument(help: "The document's id, as citations print it.") var document: String
    @Option(help: ArgumentHelp("Show only the text around this character offset.", valueName: "start"))
    var around: Int?
    @Option(help: "Characters of text shown either side of --around.") var context = 400
    @Option(help: ArgumentHelp("Show only this page of a PDF (its physical number, from 1).", valueName: "n"))
    var page: Int?
    @Flag(help: "Print the document and its passages as JSON.") var json = false

    func validate() throws {
        if let around, around < 0 { throw ValidationError("--around must not be negative.") }
        if let page, page < 1 { throw ValidationError("--page counts from 1.") }
        if page != nil, around != nil { throw ValidationError("--page and --around exclude each other.") }
        guard context >= 0 else { throw ValidationError("--context must not be negative.") }
    }

    func run() throws {
        let evidentIndex = try openIndex(index)
        guard let position = evidentIndex.documentIndex(withID: document) else {
            let similar = evidentIndex.documentIDs(matching: document)
            throw ValidationError(
                "\(index) has no document '\(document)'."
                    + (similar.isEmpty ? "" : " Similar: \(similar.joined(separator: ", ")).")
                    + " Document ids are printed under each citation of `evident search`.")
        }
        let stored = try evidentIndex.document(at: position)
        if let page, !stored.pages.contains(where: { $0.number == page }) {
            throw ValidationError(
                stored.pages.isEmpty
                    ? "'\(document)' has no pages (it is not a PDF)."
                    : "'\(document)' has pages 1–\(stored.pages.map(\.number).max() ?? 0) with text; \(page) is not one."
            )
        }
        let passages = try evidentIndex.passages(ofDocumentAt: position)
        if json {
            struct Shown: Encodable {
                var document: Document
                var passages: [Passage]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Shown(document: stored, passages: passages)), as: UTF8.self))
            return
        }
        let renderer = DocumentRenderer(usesColor: Terminal.usesColor)
        print(
            renderer.render(stored, passages: passages, around: around, context: context, page: page), terminator: "")
    }
}
