import EvidentPDF
import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// A reader that reads PDFs, as the evident command's is.
private func pdfReader() -> CorpusReader {
    var configuration = CorpusReaderConfiguration()
    configuration.register(PDFDocumentReader())
    return CorpusReader(configuration: configuration)
}

/// `../shared/data/ingest/<path>`.
private func ingest(_ path: String) throws -> URL {
    try #require(SharedData.ingest?.appendingPathComponent(path), "\(SharedData.missingMessage)")
}

/// A one-page PDF whose page draws a rectangle and no text: what a scanner without OCR writes, in spirit.
private let textlessPDF = """
    %PDF-1.4
    1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
    2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
    3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj
    4 0 obj << /Length 24 >> stream
    10 10 200 200 re f
    endstream endobj
    trailer << /Root 1 0 R >>
    %%EOF
    """

/// The document of the PDF at `../shared/data/ingest/<path>`.
private func pdfDocument(_ path: String) throws -> Document {
    try #require(try pdfReader().read(at: try ingest(path)).documents.first)
}

/// Expects each of `rows` in `source`, naming the one missing.
private func expectRows(_ rows: [String], in source: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for row in rows { #expect(source.contains(row), "\(row)", sourceLocation: sourceLocation) }
}

@Suite(.offThePool, .enabled(if: SharedData.ingest != nil, Comment(rawValue: SharedData.missingMessage)))
struct PDFReaderTests {
    static let guideline = "guidelines/Lenacapavir for HIV prevention and testing strategies.pdf"

    @Test func aGuidelineReadsWithItsPagesHeadingsAndWordBoxes() throws {
        let document = try pdfDocument(Self.guideline)
        #expect(document.format == .pdf)
        #expect(
            document.title
                == "Guidelines on lenacapavir for HIV prevention and testing strategies for long-acting injectable pre-exposure prophylaxis"
        )
        #expect(document.metadata["pages"] == "61")
        // Known headings, from the outline and from numbered bold lines, one of them over two lines.
        let headings = Set(document.sections.flatMap(\.path))
        for heading in [
            "3. Rationale and supporting evidence: lenacapavir for HIV prevention", "3.5 Equity and human rights",
            "3.1.3 Antiretroviral resistance among those diagnosed with HIV",
        ] {
            #expect(headings.contains(heading), "\(heading)")
        }
        // A known sentence, on the page it is printed on (physical page 20, printed "7").
        let passages = Chunker().passages(of: document)
        let sentence = "The N74D mutation reduces susceptibility to LEN by approximately 20-fold (11-13)."
        let passage = try #require(passages.first { $0.text.contains(sentence) })
        #expect(passage.pages.map(\.number) == [20])
        #expect(passage.pages.first?.label == "7")
        #expect(passage.sectionPath.last == "3.1.3 Antiretroviral resistance among those diagnosed with HIV")
        // The sentence's words are boxed on that page, inside an A4 page.
        let start = try #require(document.source.unicodeScalars.ranges(of: sentence.unicodeScalars).first)
        let offset = document.source.unicodeScalars.distance(
            from: document.source.unicodeScalars.startIndex, to: start.lowerBound)
        let boxes = document.wordBoxes(in: offset..<offset + sentence.unicodeScalars.count)
        #expect(boxes.count == sentence.split(separator: " ").count)
        for box in boxes {
            #expect(box.page == 20)
            #expect(box.x >= 0 && box.x + box.width <= 600 && box.width > 0 && box.height > 0)
        }
        // Page numbers and the cover's title lines are not text of the passages.
        #expect(!passages.contains { $0.text.hasSuffix(" vi") || $0.text == "vi" })
    }

    @Test func aTwoColumnArticleReadsColumnByColumnWithoutItsRunningHeads() throws {
        let document = try pdfDocument("articles/example1.pdf")
        let passages = Chunker().passages(of: document)
        // A sentence over five lines of the first column of page 2: interleaved columns would cut it.
        let sentence =
            "However, studies exploring the relationship between stressful events and the risk of dementia "
            + "are relatively scarce."
        #expect(passages.contains { $0.text.contains(sentence) })
        for running in ["A. Sundström et al.", "Life events do not increase risk of dementia"] {
            #expect(!passages.contains { $0.text.contains(running) }, "\(running)")
        }
        #expect(passages.contains { $0.pages.count == 2 }, "no passage crosses a page break")
    }

    @Test func aTablesRowsReadAsRowsOfCells() throws {
        let document = try pdfDocument("pdf/table-curves-example.pdf")
        let passages = Chunker().passages(of: document)
        for row in [
            "Anaemia | Common | Common | Common", "Angioedema | Not known | Not known | Not known",
            "Epistaxis | Uncommon | Common | Common",
        ] {
            #expect(passages.contains { $0.text.contains(row) }, "\(row)")
        }
        // Poppler gives the cells one after another; without the rows they read "RareUncommonUncommon".
        #expect(!document.source.contains("UncommonUncommon"))
        // A cell that wraps onto the next line joins its row, in the first column and in the others (the header).
        for row in [
            "Eye haemorrhage (including conjunctival haemorrhage) | Rare | Common | Uncommon",
            "Hypersensitivity, allergic oedema and Anaphylaxis | Rare | Uncommon | Uncommon",
            "Rectal haemorrhage, gingival bleeding | Rare | Common | Common",
            "System organ class | Prevention of VTE in adult patients who have undergone elective hip or knee "
                + "replacement surgery (VTEp) | Prevention of stroke",
        ] {
            #expect(passages.contains { $0.text.contains(row) }, "\(row)")
        }
        // A group's heading inside the table stays where it stands, between its rows.
        let source = document.source
        let heading = try #require(source.range(of: "Vascular disorders"))
        let before = try #require(source.range(of: "Eye haemorrhage (including"))
        let after = try #require(source.range(of: "Haemorrhage, haematoma |"))
        #expect(before.upperBound < heading.lowerBound && heading.upperBound < after.lowerBound)
    }

    @Test func aTwoColumnArticlesTableKeepsItsNumbersAndWrappedCells() throws {
        let document = try pdfDocument("articles/test6.pdf")
        // The phases' numbers are cells of their own: a line of digits alone is not a page number mid-page.
        expectRows(
            [
                "Phase | Purpose | Supported input type | Supported file formats",
                "1 | Data preparation | Protein coding DNA sequencesa | FASTA",
                "3 | Alignment assessment and phylogeny reconstruction | Multiple sequence alignmentsa | FASTA, NEXUS, PHYLIP",
            ], in: document.source)
    }

    @Test func aBulletStaysWithItsItemInTablesAndProse() throws {
        let document = try pdfDocument("guidelines/Management of asymptomatic sexually transmitted infections.pdf")
        // poppler gives each bullet as a line of its own, away from its item: as a cell it split the row.
        expectRows(
            [
                "Population | Intervention and comparator Screening | Treatment based on diagnosis | Outcomes (in "
                    + "order of importance)",
                "• Sexually active | • Chlamydial infection",
            ], in: document.source)
        let lines = document.source.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(!lines.contains("•"))
        #expect(!lines.contains { $0.hasPrefix("• |") })
    }

    @Test func aPageTurnedOnItsSideReadsAsRows() throws {
        let document = try pdfDocument("pdf/nics-background-checks-2015-11-rotated.pdf")
        // Its text runs up the page; read in the page's frame it was one letter a line.
        expectRows(
            [
                "Alabama | 18,870 | 23,022 | 22,650 | 859 | 1,178 | 0 | 14 | 15 | 0 | 2,179 | 2,307",
                "State / Territory | Permit | Handgun | Long Gun",
            ], in: document.source)
        // A table's rows are not its title.
        #expect(document.title == "nics-background-checks-2015-11-rotated")
        // The words' boxes are where the page prints them, inside the page, for a viewer to highlight.
        #expect(!document.words.isEmpty)
        #expect(document.words.allSatisfy { $0.x >= 0 && $0.y >= 0 && $0.width > 0 && $0.height > 0 })
        // "Alabama" runs up the page: its box is taller than it is wide.
        let scalars = Array(document.source.unicodeScalars)
        let alabama = try #require(
            document.words.first { String(String.UnicodeScalarView(scalars[$0.range])) == "Alabama" })
        #expect(alabama.height > alabama.width)
    }

    @Test func aLineNumberedPageReadsWithoutItsLineNumbers() throws {
        let document = try pdfDocument("pdf/scotus-transcript-p1.pdf")
        #expect(document.source.contains("IN THE SUPREME COURT OF THE UNITED STATES"))
        #expect(document.source.contains("\nargument before the Supreme Court of the United States"))
        #expect(!document.source.contains("13 argument") && !document.source.contains("13 | argument"))
        #expect(document.source.contains("No. 07-1315"))
    }

    @Test func encryptedTruncatedAndTextlessPDFsAreClearErrors() throws {
        let encrypted = issue { _ = try pdfReader().read(at: try ingest("pdf/password-example.pdf")) }
        #expect(encrypted?.reason == "the PDF is encrypted (it needs a password)")
        let folder = try TemporaryFolder()
        let whole = try Data(contentsOf: try ingest(Self.guideline))
        let cut = try folder.write(whole.prefix(whole.count / 2), to: "cut.pdf")
        let truncated = issue { _ = try pdfReader().read(at: cut) }
        #expect(truncated?.file == cut.path)
        #expect(truncated?.kind == .unreadable)
        let scan = try folder.write(textlessPDF, to: "scan.pdf")
        let textless = issue { _ = try pdfReader().read(at: scan) }
        #expect(textless?.reason.hasPrefix("the PDF has no text layer") == true)
        #expect(textless?.fix?.contains("OCR") == true)
        // Skipped, they are counted and the rest is read.
        var configuration = CorpusReaderConfiguration(skipsBadInput: true)
        configuration.register(PDFDocumentReader())
        try folder.write(Data(contentsOf: try ingest("pdf/issue-912.pdf")), to: "good.pdf")
        let read = try CorpusReader(configuration: configuration).read(at: folder.url)
        #expect(read.skipped.count == 2)
        #expect(read.documents.map(\.id) == ["good.pdf"])
    }

    @Test func aPDFThatTakesTooLongIsABadFile() throws {
        var configuration = CorpusReaderConfiguration()
        configuration.register(PDFDocumentReader(timeLimit: .zero))
        let error = issue { _ = try CorpusReader(configuration: configuration).read(at: try ingest(Self.guideline)) }
        #expect(error?.reason == "reading the PDF took longer than 0 s (a damaged or pathological file?)")
    }

    /// A reader whose worker is the shell script `body` (after `#!/bin/sh`), with a time limit of `limit`.
    private func reader(worker body: String, in folder: TemporaryFolder, limit: Duration = .seconds(120)) throws
        -> CorpusReader
    {
        let script = try folder.write("#!/bin/sh\n" + body + "\n", to: "worker.sh")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        var configuration = CorpusReaderConfiguration()
        configuration.register(
            PDFDocumentReader(timeLimit: limit, isolation: .process(executable: script, arguments: ["read"])))
        return CorpusReader(configuration: configuration)
    }

    @Test func aWorkerProcessReadsThePDFAndItsCrashesAndHangsCostOnlyTheFile() throws {
        let folder = try TemporaryFolder()
        let pdf = try folder.write(Data(contentsOf: try ingest("pdf/table-curves-example.pdf")), to: "in/label.pdf")
        // What the worker writes round-trips: the same document as read in this process.
        let (output, status) = PDFDocumentReader.writeWorkerOutput(for: pdf, id: "label.pdf", file: "in/label.pdf")
        #expect(status == 0)
        try folder.write(output, to: "documents.json")
        let replaying = try reader(worker: "cat '\(folder.url.path)/documents.json'", in: folder)
        #expect(try replaying.read(at: pdf).documents == pdfReader().read(at: pdf).documents)
        // The worker is given the file, its id and its name for messages.
        let arguments = try reader(worker: "echo \"$@\" >&2; exit 1", in: folder)
        let shown = issue { _ = try arguments.read(at: pdf) }
        #expect(
            shown?.reason.contains("read \(pdf.path) --id label.pdf --file \(pdf.path)") == true,
            "\(shown?.reason ?? "")")
        // A file's own issue comes back as it is.
        let (encrypted, issueStatus) = PDFDocumentReader.writeWorkerOutput(
            for: try ingest("pdf/password-example.pdf"), id: "p.pdf", file: "p.pdf")
        #expect(issueStatus == PDFDocumentReader.workerIssueStatus)
        try folder.write(encrypted, to: "issue.json")
        let refusing = try reader(worker: "cat '\(folder.url.path)/issue.json'; exit 3", in: folder)
        #expect(issue { _ = try refusing.read(at: pdf) }?.reason == "the PDF is encrypted (it needs a password)")
        // A crash inside poppler is the file's issue, not the end of the program.
        let crashing = try reader(worker: "echo 'poppler: bad xref' >&2; kill -SEGV $$", in: folder)
        let crash = issue { _ = try crashing.read(at: pdf) }
        #expect(crash?.reason == "poppler crashed reading the PDF (signal 11: poppler: bad xref)")
        #expect(crash?.file == pdf.path)
        // A worker that hangs is killed at the time limit.
        let start = ContinuousClock.now
        let hanging = try reader(worker: "exec sleep 60", in: folder, limit: .milliseconds(300))
        let hang = issue { _ = try hanging.read(at: pdf) }
        #expect(hang?.reason == "reading the PDF took longer than 0 s (a damaged or pathological file?)")
        #expect(ContinuousClock.now - start < .seconds(30), "the hanging worker was not killed")
    }

    @Test func withoutARegisteredReaderPDFsAreNotRead() throws {
        let folder = try TemporaryFolder()
        try folder.write(Data(contentsOf: try ingest("pdf/issue-912.pdf")), to: "a.pdf")
        try folder.write("# A\n\nText.\n", to: "b.md")
        let read = try CorpusReader().read(at: folder.url)
        #expect(read.documents.map(\.id) == ["b.md"])
        #expect(read.ignoredFiles == ["a.pdf"])
    }

    @Test func citationsOfAPDFCarryTheirPageAndBoxes() throws {
        let documents = try pdfReader().read(at: try ingest(Self.guideline)).documents
        let index = try EvidentIndex(build: IndexBuilder().build(documents: documents))
        let retriever = Retriever(index: index)
        let result = try #require(try retriever.search("N74D mutation reduces susceptibility to LEN", limit: 1).first)
        #expect(result.citation.page == PageReference(number: 20, label: "7"))
        let json = try SearchResponse(query: "q", mode: .lexical, scoring: .bm25(.default), results: [result])
            .jsonString()
        #expect(json.contains("\"physical_page\" : 20") || json.contains("\"physical_page\":20"))
        let grounded = try Grounder(retriever: retriever).ground(claims: [
            (nil, "The N74D mutation reduces susceptibility to LEN by approximately 20-fold.")
        ])
        let citation = try #require(grounded.first?.citations.first)
        #expect(citation.pages.first?.number == 20)
        #expect(!citation.boxes.isEmpty)
        #expect(citation.boxes.allSatisfy { $0.page == 20 })
        let rendered = TerminalRenderer(usesColor: false).render([result], analyzer: index.analyzer)
        #expect(rendered.contains(" · p. 7 › "))
    }
}
