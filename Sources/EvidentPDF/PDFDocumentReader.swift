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
    /// Where poppler runs.
    public var isolation: Isolation

    /// Where poppler reads a file.
    public enum Isolation: Sendable, Hashable {
        /// On a thread of this process. A read that runs over its time limit is given up but finishes in the
        /// background (poppler cannot be stopped from outside a process), and a crash inside poppler ends the
        /// process.
        case thread
        /// In a process of its own: `executable` run with `arguments`, then the PDF's path, `--id ID` and `--file
        /// FILE`, which reads the file in-thread and writes its documents as JSON on standard output (exit status
        /// 0) or the file's issue as JSON (exit status 3), as ``writeWorkerOutput(for:id:file:)`` does. A read that
        /// runs over is killed; a crash is the file's issue, not the caller's end.
        case process(executable: URL, arguments: [String])
    }

    /// The exit status of a worker process that wrote the file's issue.
    public static let workerIssueStatus: Int32 = 3

    /// Creates the reader.
    ///
    /// - Parameters:
    ///   - timeLimit: The longest poppler may take over one file (default 120 s).
    ///   - isolation: Where poppler runs (default: on a thread of this process).
    public init(timeLimit: Duration = .seconds(120), isolation: Isolation = .thread) {
        self.timeLimit = timeLimit
        self.isolation = isolation
    }

    public func documents(at url: URL, id: String, file: String) throws -> [Document] {
        switch isolation {
        case .thread:
            let content = try Self.readWithin(timeLimit, url: url, file: file)
            let name = (id as NSString).lastPathComponent
            return [
                try PDFLayout(content: content).document(
                    id: id, fileStem: (name as NSString).deletingPathExtension, file: file)
            ]
        case .process(let executable, let arguments):
            return try Self.readInWorker(
                executable, arguments: arguments + [url.path, "--id", id, "--file", file], limit: timeLimit,
                file: file)
        }
    }

    /// What a worker process writes for the PDF at `url`: its documents as JSON, or its issue as JSON with
    /// ``workerIssueStatus`` as the status to exit with.
    public static func writeWorkerOutput(for url: URL, id: String, file: String) -> (output: Data, status: Int32) {
        let encoder = JSONEncoder()
        do {
            let documents = try PDFDocumentReader(timeLimit: .seconds(86_400)).documents(at: url, id: id, file: file)
            return (try encoder.encode(WorkerOutput(documents)), 0)
        } catch {
            let issue =
                error as? CorpusIssue
                ?? CorpusIssue(.unreadable, file: file, reason: "the PDF could not be read: \(error)")
            return ((try? encoder.encode(issue)) ?? Data(), workerIssueStatus)
        }
    }

    /// Runs a worker process over one file and waits for it at most `limit`, killing it when it runs over.
    private static func readInWorker(
        _ executable: URL, arguments: [String], limit: Duration, file: String
    ) throws -> [Document] {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CorpusIssue(
                .unreadable, file: file, reason: "the PDF reader \(executable.path) could not be started: \(error)",
                fix: "reinstall evident")
        }
        // Both pipes are drained on threads of their own, so that a worker writing much never blocks on a full pipe.
        let written = Outcome<Data>()
        let said = Outcome<Data>()
        Self.drain(output.fileHandleForReading, into: written)
        Self.drain(errors.fileHandleForReading, into: said)
        let identifier = process.processIdentifier
        let seconds = Self.seconds(limit)
        guard written.wait(seconds: seconds) else {
            kill(identifier, SIGKILL)
            process.waitUntilExit()
            throw Self.overtime(seconds, file: file)
        }
        process.waitUntilExit()
        let data = (try? written.result?.get()) ?? Data()
        let message = String(
            decoding: (said.wait(seconds: 5) ? (try? said.result?.get()) : nil) ?? Data(), as: UTF8.self
        )
        .trimmingCharacters(in: .whitespacesAndNewlines)
        let status = process.terminationStatus
        if process.terminationReason == .uncaughtSignal {
            throw CorpusIssue(
                .unreadable, file: file,
                reason: "poppler crashed reading the PDF (signal \(status)\(message.isEmpty ? "" : ": \(message)"))",
                fix: "check the file in a PDF viewer; re-save or re-download it")
        }
        let decoder = JSONDecoder()
        if status == workerIssueStatus, let issue = try? decoder.decode(CorpusIssue.self, from: data) {
            throw issue
        }
        guard status == 0, let documents = try? decoder.decode(WorkerOutput.self, from: data).unpacked else {
            throw CorpusIssue(
                .unreadable, file: file,
                reason: "the PDF reader ended with status \(status)\(message.isEmpty ? "" : ": \(message)")",
                fix: "run `\(([executable.path] + arguments).joined(separator: " "))` to see what it says")
        }
        return documents
    }

    /// What a worker writes for a file read without fault: its documents, each one's word boxes packed as bytes
    /// (a long guideline has some 50,000 words, which as JSON objects take longer to decode than the PDF to read).
    private struct WorkerOutput: Codable {
        var documents: [Document]
        /// Per document: each word's start, end and page (Int32) and its box (Float32 x, y, width, height),
        /// little-endian.
        var words: [Data]

        static let wordBytes = 28

        init(_ documents: [Document]) {
            words = documents.map { document in
                var data = Data(capacity: document.words.count * Self.wordBytes)
                for word in document.words {
                    for value in [Int32(word.range.lowerBound), Int32(word.range.upperBound), Int32(word.page)] {
                        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
                    }
                    for value in [word.x, word.y, word.width, word.height] {
                        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
                    }
                }
                return data
            }
            self.documents = documents.map { document in
                var stripped = document
                stripped.words = []
                return stripped
            }
        }

        /// The documents with their words unpacked.
        var unpacked: [Document] {
            get throws {
                guard words.count == documents.count else {
                    throw DecodingError.dataCorrupted(
                        .init(
                            codingPath: [], debugDescription: "words for \(words.count) of \(documents.count) documents"
                        ))
                }
                return zip(documents, words).map { document, packed in
                    var document = document
                    let bytes = [UInt8](packed)
                    func integer(_ offset: Int) -> Int {
                        Int(
                            Int32(
                                littleEndian: bytes[offset..<offset + 4].withUnsafeBytes {
                                    $0.loadUnaligned(as: Int32.self)
                                }))
                    }
                    func float(_ offset: Int) -> Float {
                        Float(
                            bitPattern: UInt32(
                                littleEndian: bytes[offset..<offset + 4].withUnsafeBytes {
                                    $0.loadUnaligned(as: UInt32.self)
                                }))
                    }
                    document.words = stride(from: 0, to: bytes.count - Self.wordBytes + 1, by: Self.wordBytes).map {
                        at in
                        WordBox(
                            range: integer(at)..<integer(at + 4), page: integer(at + 8), x: float(at + 12),
                            y: float(at + 16), width: float(at + 20), height: float(at + 24))
                    }
                    return document
                }
            }
        }
    }

    private static func drain(_ handle: FileHandle, into outcome: Outcome<Data>) {
        let thread = Thread { outcome.finish(with: Result { handle.readDataToEndOfFile() }) }
        thread.start()
    }

    private static func seconds(_ limit: Duration) -> Double {
        Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
    }

    private static func overtime(_ seconds: Double, file: String) -> CorpusIssue {
        CorpusIssue(
            .unreadable, file: file,
            reason: "reading the PDF took longer than \(Int(seconds.rounded())) s (a damaged or pathological file?)",
            fix: "check the file in a PDF viewer; re-save or re-download it")
    }

    /// Reads the file on a thread of its own and waits for it at most `limit`. A read that runs over is given up:
    /// its thread finishes in the background (poppler cannot be stopped from outside), and the file is reported.
    private static func readWithin(_ limit: Duration, url: URL, file: String) throws -> PDFContent {
        let outcome = Outcome<PDFContent>()
        let thread = Thread {
            let result = Result { try PDFContent.read(url, file: file) }
            outcome.finish(with: result)
        }
        thread.stackSize = 8 << 20
        thread.start()
        let seconds = Self.seconds(limit)
        guard outcome.wait(seconds: seconds), let result = outcome.result else {
            throw Self.overtime(seconds, file: file)
        }
        return try result.get()
    }

    /// The result of work on another thread, handed over under a lock.
    private final class Outcome<Value>: @unchecked Sendable {
        private let condition = NSCondition()
        private var stored: Result<Value, any Error>?

        var result: Result<Value, any Error>? {
            condition.lock()
            defer { condition.unlock() }
            return stored
        }

        func finish(with result: Result<Value, any Error>) {
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
