public import EvidentCorpus
public import Foundation

/// Reads PDFs through poppler: text in reading order, page by page, with running headers, footers and page numbers
/// removed, hyphenation at line ends repaired, headings from the outline (else from font size and weight), and each
/// word's box kept so that a citation can point at the page and the words it quotes.
public struct PDFDocumentReader: DocumentFileReader {
    public let format = CorpusFormat.pdf
    public let fileExtensions = ["pdf"]

    /// Creates the reader.
    public init() {}

    public func documents(at url: URL, id: String, file: String) throws -> [Document] {
        let content = try PDFContent.read(url, file: file)
        let name = (id as NSString).lastPathComponent
        return [
            try PDFLayout(content: content).document(
                id: id, fileStem: (name as NSString).deletingPathExtension, file: file)
        ]
    }
}
