import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// The issue `body` throws, recorded as a failure when it throws none or another error.
func issue(_ body: () throws -> Void) -> CorpusIssue? {
    do {
        try body()
        Issue.record("expected a CorpusIssue; nothing was thrown")
    } catch let issue as CorpusIssue {
        return issue
    } catch {
        Issue.record("expected a CorpusIssue; got \(error)")
    }
    return nil
}

@Suite(.offThePool) struct CorpusReaderTests {
    // MARK: Markdown

    @Test func frontMatterFillsTitleURLAndListMetadata() throws {
        let folder = try TemporaryFolder()
        let text = """
            ---
            # a comment
            title: "Mesothelioma Treatment: \\"HP\\" \\u00e9dition"
            url: https://www.cancer.gov/types/mesothelioma/hp
            cancerTypes:
            - lung
            - 'pleura ''and'' peritoneum'

            lastReviewed: '2025-12-30'   # reviewed
            note: plain value # with a comment
            tags: [pdq, "treatment"]
            ---
            # A heading that is not the title

            Body text.
            """
        let file = try folder.write(text, to: "meso.md")
        let result = try CorpusReader().read(at: file)
        let document = try #require(result.documents.first)
        #expect(result.documents.count == 1)
        #expect(document.id == "meso.md")
        #expect(document.format == .markdown)
        #expect(document.title == "Mesothelioma Treatment: \"HP\" édition")
        #expect(document.url == "https://www.cancer.gov/types/mesothelioma/hp")
        #expect(
            document.metadata == [
                "cancerTypes": "lung; pleura 'and' peritoneum", "lastReviewed": "2025-12-30", "note": "plain value",
                "tags": "pdq; treatment",
            ])
        #expect(document.source == text)
        let body = String(String.UnicodeScalarView(Array(document.source.unicodeScalars)[document.bodyRange]))
        #expect(body == "# A heading that is not the title\n\nBody text.")
    }

    @Test func multiLineTitlesFoldAsYAMLDoes() throws {
        // The two shapes found in the NCI PDQ front matter: a plain value and a single-quoted value continued on
        // an indented line (which may start with "- " without being a list item).
        let folder = try TemporaryFolder()
        try folder.write("---\ntitle: GAPPS (PDQ®)\n  - NCI\nurl: u\n---\nText\n", to: "plain.md")
        try folder.write("---\ntitle: 'ALCHEMIST: Marker\n  Trials - NCI'\n---\nText\n", to: "quoted.md")
        try folder.write(
            "---\ntitle: \"Line one\n\n  line two\"\nsummary: >\n  folded\n  text\n---\nText\n", to: "z.md")
        let documents = try CorpusReader().read(at: folder.url).documents
        #expect(documents.map(\.id) == ["plain.md", "quoted.md", "z.md"])
        #expect(
            documents.map(\.title) == ["GAPPS (PDQ®) - NCI", "ALCHEMIST: Marker Trials - NCI", "Line one\nline two"])
        #expect(documents.last?.metadata["summary"] == "folded text")
    }

    @Test func titleFallsBackToTheFirstHeadingThenTheFileName() throws {
        let folder = try TemporaryFolder()
        try folder.write("Intro line.\n\n```\n# not a heading\n```\n## Sub\n# Real Title #\n", to: "heading.md")
        try folder.write("---\ntitle: ''\n---\n# \n\nNo heading here.\n", to: "no-heading.md")
        let documents = try CorpusReader().read(at: folder.url).documents
        #expect(documents.map(\.title) == ["Real Title", "no-heading"])
        #expect(documents.first?.bodyRange == 0..<documents[0].source.unicodeScalars.count)
    }

    @Test func crlfFrontMatterParsesAndSourceKeepsItsLineEndings() throws {
        let folder = try TemporaryFolder()
        let text = "---\r\ntitle: Windows\r\ntags:\r\n- a\r\n- b\r\n---\r\nBody é\r\n"
        let file = try folder.write(text, to: "crlf.md")
        let document = try #require(try CorpusReader().read(at: file).documents.first)
        #expect(document.title == "Windows")
        #expect(document.metadata == ["tags": "a; b"])
        #expect(document.source == text)
        // "---\r\n" 5 + "title: Windows\r\n" 16 + "tags:\r\n" 7 + "- a\r\n" 5 + "- b\r\n" 5 + "---\r\n" 5 = 43;
        // body "Body é\r\n" is 8 scalars.
        #expect(document.bodyRange == 43..<51)
    }

    // MARK: Text, BEIR, format detection

    @Test func textFilesTakeTheirFirstNonEmptyLineAsTitle() throws {
        let folder = try TemporaryFolder()
        try folder.write("\n\n  Pleural mesothelioma  \nSecond line.\n", to: "notes.txt")
        try folder.write(String(repeating: "long paragraph ", count: 20), to: "para.txt")
        let documents = try CorpusReader().read(at: folder.url).documents
        #expect(documents.map(\.title) == ["Pleural mesothelioma", "para"])
        #expect(documents.allSatisfy { $0.format == .text })
        #expect(documents.first?.source == "\n\n  Pleural mesothelioma  \nSecond line.\n")
    }

    @Test func beirLinesBecomeDocuments() throws {
        let folder = try TemporaryFolder()
        let lines = """
            {"_id": "4983", "title": "White matter", "text": "Alterations of the architecture.", "metadata": {}}

            {"_id": 7, "text": "No title here.", "metadata": {"year": 2004, "source": "pubmed"}}
            """
        let file = try folder.write(lines, to: "corpus.jsonl")
        let result = try CorpusReader().read(at: file)
        #expect(result.documents.map(\.id) == ["4983", "7"])
        #expect(result.documents.map(\.title) == ["White matter", ""])
        #expect(result.documents.map(\.source) == ["Alterations of the architecture.", "No title here."])
        #expect(result.documents.last?.metadata == ["year": "2004", "source": "pubmed"])
        #expect(result.documents.allSatisfy { $0.format == .beir })
        // A folder holding corpus.jsonl is a BEIR dataset; other files beside it are not read.
        try folder.write("{\"_id\": \"q\", \"text\": \"a query\"}\n", to: "queries.jsonl")
        #expect(try CorpusReader().read(at: folder.url).documents.map(\.id) == ["4983", "7"])
    }

    @Test func formatComesFromThePathUnlessForced() throws {
        let folder = try TemporaryFolder()
        try folder.write("# Markdown\n", to: "b/one.md")
        try folder.write("# Markdown too\n", to: "a/two.markdown")
        try folder.write("Text\n", to: "c.txt")
        try folder.write("ignored", to: "data.csv")
        try folder.write("hidden", to: ".hidden/x.md")
        try folder.write("hidden", to: ".x.md")
        try folder.write("about the corpus", to: "README.md")
        let result = try CorpusReader().read(at: folder.url)
        #expect(result.documents.map(\.id) == ["a/two.markdown", "b/one.md", "c.txt"])
        #expect(result.documents.map(\.format) == [.markdown, .markdown, .text])
        #expect(result.ignoredFiles == ["README.md", "data.csv"])
        #expect(result.fileCount == 3)
        #expect(result.byteCount == "# Markdown\n".utf8.count + "# Markdown too\n".utf8.count + 5)

        let forced = try CorpusReader(configuration: .init(format: .text)).read(at: folder.url)
        #expect(forced.documents.map(\.format) == [.text, .text, .text])
        #expect(forced.documents.first?.title == "# Markdown too")
        let markdownAsText = try CorpusReader(configuration: .init(format: .markdown))
            .read(at: folder.url.appendingPathComponent("c.txt"))
        #expect(markdownAsText.documents.first?.format == .markdown)
    }

    @Test func progressIsReportedAfterEachFile() throws {
        let folder = try TemporaryFolder()
        try folder.write("one", to: "1.txt")
        try folder.write("two", to: "2.txt")
        final class Reports: @unchecked Sendable {
            let lock = NSLock()
            var values: [CorpusProgress] = []
        }
        let reports = Reports()
        _ = try CorpusReader().read(at: folder.url) { progress in
            reports.lock.withLock { reports.values.append(progress) }
        }
        #expect(
            reports.values == [
                CorpusProgress(filesRead: 1, totalFiles: 2, documents: 1, bytes: 3),
                CorpusProgress(filesRead: 2, totalFiles: 2, documents: 2, bytes: 6),
            ])
    }

    // MARK: Bad input

    @Test func invalidUTF8NamesTheLineOfTheFirstBadByte() throws {
        let folder = try TemporaryFolder()
        var bytes = Array("---\ntitle: x\n---\nfine\n".utf8)
        bytes += [0x62, 0xFF, 0x0A] + Array("more\n".utf8)
        try folder.write(Data(bytes), to: "bad.md")
        let found = issue { _ = try CorpusReader().read(at: folder.url) }
        #expect(found?.kind == .invalidUTF8)
        #expect(found?.file == folder.url.path + "/bad.md")
        #expect(found?.line == 5)
        #expect(found?.description.hasPrefix(folder.url.path + "/bad.md:5: the text is not valid UTF-8; ") == true)
    }

    @Test func frontMatterThatNeverClosesNamesTheLineItOpened() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("---\ntitle: open\nurl: x\n\nBody\n", to: "a.md")
        let found = issue { _ = try CorpusReader().read(at: file) }
        #expect(found?.kind == .unclosedFrontMatter)
        #expect(found?.line == 1)
        let expected = "front matter opened on line 1 never closes; add a line '---' after the front matter"
        #expect(found?.description == "\(file.path):1: \(expected)")
    }

    @Test(arguments: [
        ("---\ntitle: x\n  nested: y\n---\n", 3),
        ("---\ntitle: x\nno colon here\n---\n", 3),
        ("---\ntitle: \"never closed\nurl: x\n---\n", 2),
        ("---\ntitle: 'x' trailing\n---\n", 2),
        ("---\ntitle: x\nurl: a\ntitle: y\n---\n", 4),
        ("---\nkey: \"bad \\q escape\"\n---\n", 2),
    ])
    func malformedFrontMatterNamesItsLine(text: String, line: Int) throws {
        let folder = try TemporaryFolder()
        let file = try folder.write(text, to: "fm.md")
        let found = issue { _ = try CorpusReader().read(at: file) }
        #expect(found?.kind == .malformedFrontMatter)
        #expect(found?.line == line)
        #expect(found?.file == file.path)
    }

    @Test(arguments: ["", "  \n\t\n"])
    func emptyOrWhitespaceFilesAreErrors(text: String) throws {
        let folder = try TemporaryFolder()
        let file = try folder.write(text, to: "empty.txt")
        let found = issue { _ = try CorpusReader().read(at: file) }
        #expect(found?.kind == .empty)
        #expect(found?.file == file.path)
        #expect(found?.line == nil)
    }

    @Test func unreadableFilesAndMissingPathsAreErrors() throws {
        let folder = try TemporaryFolder()
        let missing = folder.url.appendingPathComponent("nothing-here")
        let found = issue { _ = try CorpusReader().read(at: missing) }
        #expect(found?.kind == .unreadable)
        #expect(found?.file == missing.path)
        // A forced BEIR read of a folder without corpus.jsonl cannot read the file.
        let beir = issue { _ = try CorpusReader(configuration: .init(format: .beir)).read(at: folder.url) }
        #expect(beir?.kind == .unreadable)
        #expect(beir?.file == folder.url.appendingPathComponent("corpus.jsonl").path)
    }

    @Test(arguments: [
        ("{\"_id\": \"1\", \"text\": \"a\"}\n{\"_id\": \"2\", \"text\": \n", 2, CorpusIssue.Kind.malformedJSON),
        ("{\"_id\": \"1\", \"text\": \"a\"}\n\n[1, 2]\n", 3, .malformedJSON),
        ("{\"title\": \"t\", \"text\": \"a\"}\n", 1, .missingField),
        ("{\"_id\": \"1\", \"text\": \"a\"}\n{\"_id\": \"2\", \"title\": \"no text\"}\n", 2, .missingField),
        (
            "{\"_id\": \"1\", \"text\": \"a\"}\n{\"_id\": \"2\", \"text\": \"b\"}\n{\"_id\": \"1\", \"text\": \"c\"}\n",
            3,
            .duplicateID
        ),
    ])
    func badBEIRLinesNameTheirLine(text: String, line: Int, kind: CorpusIssue.Kind) throws {
        let folder = try TemporaryFolder()
        let file = try folder.write(text, to: "corpus.jsonl")
        let found = issue { _ = try CorpusReader().read(at: file) }
        #expect(found?.kind == kind)
        #expect(found?.line == line)
        #expect(found?.file == file.path)
    }

    @Test func duplicateIDsNameBothPlaces() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write(
            "{\"_id\": \"1\", \"text\": \"a\"}\n{\"_id\": \"1\", \"text\": \"b\"}\n", to: "corpus.jsonl")
        let found = issue { _ = try CorpusReader().read(at: file) }
        let expected = "\(file.path):2: document id '1' was already read at \(file.path):1"
        #expect(found?.description.hasPrefix(expected) == true)
    }

    @Test func invalidUTF8InABEIRLineNamesThatLine() throws {
        let folder = try TemporaryFolder()
        let bytes = Array("{\"_id\": \"1\", \"text\": \"a\"}\n".utf8) + [0x7B, 0xC3, 0x28, 0x7D, 0x0A]
        let file = try folder.write(Data(bytes), to: "corpus.jsonl")
        let found = issue { _ = try CorpusReader().read(at: file) }
        #expect(found?.kind == .invalidUTF8)
        #expect(found?.line == 2)
    }

    @Test func skippingBadInputRecordsEveryIssueAndKeepsTheRest() throws {
        let folder = try TemporaryFolder()
        try folder.write("# Good\n", to: "good.md")
        try folder.write("---\ntitle: x\n", to: "open.md")
        try folder.write(" \n", to: "blank.txt")
        try folder.write(Data([0x41, 0x0A, 0xFE]), to: "binary.txt")
        let reader = CorpusReader(configuration: .init(skipsBadInput: true))
        let result = try reader.read(at: folder.url)
        #expect(result.documents.map(\.id) == ["good.md"])
        #expect(result.fileCount == 4)
        #expect(result.skipped.map(\.kind) == [.invalidUTF8, .empty, .unclosedFrontMatter])
        #expect(
            result.skipped.map(\.file) == ["binary.txt", "blank.txt", "open.md"].map { folder.url.path + "/" + $0 })
        #expect(result.skipped.map(\.line) == [2, nil, 1])

        let beir = try folder.write(
            "{\"_id\": \"1\", \"text\": \"a\"}\nnot json\n{\"_id\": \"1\", \"text\": \"b\"}\n{\"text\": \"c\"}\n"
                + "{\"_id\": \"2\", \"text\": \"d\"}\n",
            to: "beir/corpus.jsonl")
        let beirResult = try reader.read(at: beir)
        #expect(beirResult.documents.map(\.id) == ["1", "2"])
        #expect(beirResult.skipped.map(\.line) == [2, 3, 4])
        #expect(beirResult.skipped.map(\.kind) == [.malformedJSON, .duplicateID, .missingField])
    }

    // MARK: Shared data

    @Test(.enabled(if: SharedData.nciPDQ != nil, Comment(rawValue: SharedData.missingMessage)))
    func theWholeNCIPDQFolderReads() throws {
        let folder = try #require(SharedData.nciPDQ)
        let clock = ContinuousClock()
        var result = CorpusReadResult()
        let elapsed = try clock.measure { result = try CorpusReader().read(at: folder) }
        print("nci-pdq: \(result.documents.count) documents, \(result.byteCount) bytes in \(elapsed)")
        #expect(result.documents.count == 1_433)
        #expect(result.skipped.isEmpty)
        #expect(result.ignoredFiles == ["PROVENANCE.md"])
        #expect(result.documents.allSatisfy { !$0.title.isEmpty && $0.format == .markdown })
        // Every page has a url but the one adapted page, whose front matter has none.
        #expect(result.documents.filter { $0.url == nil }.map(\.id) == ["breast-cancer-screening.md"])
        #expect(result.documents.filter { $0.url?.hasPrefix("https://www.cancer.gov/") == true }.count == 1_432)
        let mesotheliomaID = "pdq/types-mesothelioma-hp-mesothelioma-treatment-pdq.md"
        let mesothelioma = try #require(result.documents.first { $0.id == mesotheliomaID })
        #expect(mesothelioma.metadata["license"] == "public_domain")
        #expect(mesothelioma.title.contains("Mesothelioma"))
        // The body starts right after the closing '---' line.
        let scalars = Array(mesothelioma.source.unicodeScalars)
        let beforeBody = String(String.UnicodeScalarView(scalars[..<mesothelioma.bodyRange.lowerBound]))
        #expect(beforeBody.hasPrefix("---\n") && beforeBody.hasSuffix("\n---\n"))
    }

    @Test(.enabled(if: SharedData.sciFact != nil, Comment(rawValue: SharedData.missingMessage)))
    func sciFactReadsAllItsAbstracts() throws {
        let folder = try #require(SharedData.sciFact)
        let clock = ContinuousClock()
        var result = CorpusReadResult()
        let elapsed = try clock.measure { result = try CorpusReader().read(at: folder) }
        print("SciFact: \(result.documents.count) documents, \(result.byteCount) bytes in \(elapsed)")
        #expect(result.documents.count == 5_183)
        #expect(result.fileCount == 1)
        #expect(result.documents.first?.id == "4983")
        #expect(result.documents.first?.title.hasPrefix("Microstructural development") == true)
        #expect(result.documents.allSatisfy { !$0.source.isEmpty && $0.format == .beir })
    }

    @Test func aFolderIgnoreFileLeavesOutWhatItLists() throws {
        let folder = try TemporaryFolder()
        try folder.write("# Kept.\n\nA guideline sentence.\n", to: "guide.md")
        try folder.write("# Planted.\n\nA false claim.\n", to: "answers/sample.md")
        try folder.write("# Draft.\n\nNot yet.\n", to: "drafts/old.md")
        try folder.write(
            "# sample answers\nanswers/\n./drafts/old.md  # a comment after the path\n", to: ".evidentignore")
        let read = try CorpusReader().read(at: folder.url)
        #expect(read.documents.map(\.id) == ["guide.md"])
        #expect(Set(read.ignoredFiles) == ["answers", "drafts/old.md"])
    }

    @Test func aPathToExcludeThatIsNotInTheCorpusIsRefused() throws {
        let folder = try TemporaryFolder()
        try folder.write("# Kept.\n\nA guideline sentence.\n", to: "guide.md")
        try folder.write("# Planted.\n\nA false claim.\n", to: "answers/sample.md")
        let reader = CorpusReader(configuration: CorpusReaderConfiguration(excludedPaths: ["answerz"]))
        let found = issue { _ = try reader.read(at: folder.url) }
        #expect(found?.kind == .excludedPathMissing)
        #expect(found?.file.hasSuffix("answerz") == true)
        let spelledRight = CorpusReader(configuration: CorpusReaderConfiguration(excludedPaths: ["./answers/"]))
        #expect(try spelledRight.read(at: folder.url).documents.map(\.id) == ["guide.md"])
    }

}
