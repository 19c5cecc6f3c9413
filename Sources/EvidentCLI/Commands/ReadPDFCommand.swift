import ArgumentParser
import EvidentPDF
import Foundation

/// The worker that `evident index` runs for each PDF, so that poppler reads it in a process of its own: a file
/// that crashes poppler or loops in it costs that file, not the build. Not shown in `evident --help`.
struct ReadPDFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-pdf",
        abstract: "Read one PDF and write its documents (or its issue, with exit status 3) as JSON.",
        shouldDisplay: false)

    @Argument(help: "The PDF to read.") var path: String
    @Option(help: "The document id to give it.") var id: String
    @Option(help: "The file's name in messages.") var file: String

    func run() throws {
        let (output, status) = PDFDocumentReader.writeWorkerOutput(
            for: URL(fileURLWithPath: path), id: id, file: file)
        FileHandle.standardOutput.write(output)
        if status != 0 { throw ExitCode(status) }
    }

    /// The PDF reader of `evident index`: each file read by this program's `read-pdf` in a process of its own,
    /// or on a thread when the program's own path is unknown.
    static var isolatedReader: PDFDocumentReader {
        guard let executable = Bundle.main.executableURL else { return PDFDocumentReader() }
        return PDFDocumentReader(isolation: .process(executable: executable, arguments: ["read-pdf"]))
    }
}
