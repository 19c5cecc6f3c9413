public import EvidentCorpus
public import Foundation

/// Reads PDFs through poppler: text in reading order, page by page, with running headers, footers and page numbers
/// removed, hyphenation at line ends repaired, headings from the outline (else from font size and weight), and each
/// word's box kept so that a citation can point at the page and the words it quotes.
public struct PDFDocumentReader: DocumentFileReader {
    public let format = CorpusFormat.pdf
    public let fileExtensions = ["pdf"]
    /// How long poppler may take over one file before the file counts as bad: a damaged PDF can send a parser
    /// into a very long loop, and one file must not stall a corpus.
    public var timeLimit: Duration

    /// Creates the reader.
    ///
    /// - Parameter timeLimit: The longest poppler may take over one file (default 120 s).
    public init(timeLimit: Duration = .seconds(120)) {
        self.timeLimit = timeLimit
    }

    public func documents(at url: URL, id: String, file: String) throws -> [Document] {
        let content = try Self.readWithin(timeLimit, url: url, file: file)
        let name = (id as NSString).lastPathComponent
        return [
            try PDFLayout(content: content).document(
                id: id, fileStem: (name as NSString).deletingPathExtension, file: file)
        ]
    }

    /// Reads the file on a thread of its own and waits for it at most `limit`. A read that runs over is given up:
    /// its thread finishes in the background (poppler cannot be stopped from outside), and the file is reported.
    private static func readWithin(_ limit: Duration, url: URL, file: String) throws -> PDFContent {
        let outcome = Outcome()
        let thread = Thread {
            let result = Result { try PDFContent.read(url, file: file) }
            outcome.finish(with: result)
        }
        thread.stackSize = 8 << 20
        thread.start()
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        guard outcome.wait(seconds: seconds), let result = outcome.result else {
            throw CorpusIssue(
                .unreadable, file: file,
                reason:
                    "reading the PDF took longer than \(Int(seconds.rounded())) s (a damaged or pathological file?)",
                fix: "check the file in a PDF viewer; re-save or re-download it")
        }
        return try result.get()
    }

    /// The result of a read on another thread, handed over under a lock.
    private final class Outcome: @unchecked Sendable {
        private let condition = NSCondition()
        private var stored: Result<PDFContent, any Error>?

        var result: Result<PDFContent, any Error>? {
            condition.lock()
            defer { condition.unlock() }
            return stored
        }

        func finish(with result: Result<PDFContent, any Error>) {
            condition.lock()
            stored = result
            condition.broadcast()
            condition.unlock()
        }

        /// Whether the result arrived within `seconds`.
        func wait(seconds: Double) -> Bool {
            let deadline = Date(timeIntervalSinceNow: seconds)
            condition.lock()
            defer { condition.unlock() }
            while stored == nil {
                guard condition.wait(until: deadline) else { return stored != nil }
            }
            return true
        }
    }
}
