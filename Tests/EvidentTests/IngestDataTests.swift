import EvidentTestSupport
import Foundation
import Testing

@testable import Evident
@testable import EvidentCorpus

/// The files under `../shared/data/ingest/<folder>` whose names end in one of `suffixes`, sorted.
private func ingestFiles(_ folder: String, endingIn suffixes: [String]) -> [URL] {
    guard let root = SharedData.ingest?.appendingPathComponent(folder),
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
    else { return [] }
    return walker.compactMap { $0 as? URL }.filter { url in suffixes.contains { url.path.hasSuffix($0) } }
        .sorted { $0.path < $1.path }
}

/// A file's bytes, inflated when it is gzip (by our reader's inflater, itself checked against gzip elsewhere).
private func text(of url: URL) throws -> String {
    var source = try XMLFileBytes(url: url)
    var bytes: [UInt8] = []
    while let chunk = try source.nextChunk() { bytes += chunk }
    return String(decoding: bytes, as: UTF8.self)
}

/// The abstract parts with a label and some text, found by string search: `<AbstractText Label="…">` outside
/// `<OtherAbstract>` (translations, which the reader leaves out), neither empty nor `/>`.
private func labelledAbstractParts(in raw: String) -> Int {
    var count = 0
    let withoutTranslations = raw.components(separatedBy: "<OtherAbstract").enumerated().map { position, part in
        position == 0 ? part : (part.components(separatedBy: "</OtherAbstract>").last ?? "")
    }.joined(separator: "")
    for part in withoutTranslations.components(separatedBy: "<AbstractText Label=\"").dropFirst() {
        let tag = part.prefix { $0 != ">" }
        guard !tag.hasSuffix("/"), !tag.contains("Label=\"\"") && !part.hasPrefix("\"") else { continue }
        let content = part.dropFirst(tag.count + 1).components(separatedBy: "</AbstractText>").first ?? ""
        if content.contains(where: { !$0.isWhitespace }) { count += 1 }
    }
    return count
}

/// How often `needle` occurs in `text`.
private func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

@Suite(.offThePool, .enabled(if: SharedData.ingest != nil, Comment(rawValue: SharedData.missingMessage)))
struct IngestDataTests {
    /// Every PubMed and MEDLINE file: each record counted by plain string search over the file's text is read
    /// (a document, or a replacement or deletion within the file), each with a PMID as id, its PubMed URL and a
    /// title; every labelled abstract part is a section under its label.
    @Test func everyPubMedRecordIsReadWithItsPMIDAndAbstractSections() throws {
        let files = ingestFiles("pubmed", endingIn: [".xml", ".xml.gz"])
        #expect(files.count == 45)
        var total = 0
        for file in files {
            let read = try CorpusReader().read(at: file)
            let raw = try text(of: file)
            let records =
                raw.contains("<MedlineCitationSet")
                ? occurrences(of: "<MedlineCitation ", in: raw)
                : occurrences(of: "<PubmedArticle>", in: raw) + occurrences(of: "<PubmedBookArticle>", in: raw)
            #expect(
                read.documents.count + read.replacedDocuments + read.deletedDocuments == records,
                "\(file.lastPathComponent): \(read.documents.count) documents, \(read.replacedDocuments) replaced, \(read.deletedDocuments) deleted; \(records) records"
            )
            for document in read.documents {
                #expect(document.id.allSatisfy(\.isNumber) && document.identifiers.pmid == document.id)
                #expect(document.url == "https://pubmed.ncbi.nlm.nih.gov/\(document.id)/")
                #expect(!document.title.isEmpty)
                #expect(!document.sections.isEmpty)
            }
            if read.replacedDocuments == 0 {
                let labelled = read.documents.flatMap(\.sections).filter { !$0.path.isEmpty }.count
                #expect(
                    labelled == labelledAbstractParts(in: raw),
                    "\(file.lastPathComponent): \(labelled) labelled sections")
            }
            total += read.documents.count
        }
        #expect(total > 2_000)
    }

    /// Every JATS article (PLOS and PMC): a title, sections, no reference list in the text, and every reference
    /// that the text cites (`<xref ref-type="bibr" rid="…">`) found in the bibliography.
    @Test func everyJATSArticleKeepsItsOutlineAndResolvesItsReferences() throws {
        let files = ingestFiles("jats", endingIn: [".xml", ".nxml"])
        #expect(files.count >= 130)
        var mentions = 0
        for file in files {
            let read = try CorpusReader().read(at: file)
            let raw = try text(of: file)
            for document in read.documents {
                #expect(!document.title.isEmpty, "\(file.lastPathComponent)")
                #expect(!document.sections.isEmpty, "\(file.lastPathComponent)")
                let keys = Set(document.bibliography.map(\.key))
                var cited = Set<String>()
                for part in raw.components(separatedBy: "<xref ").dropFirst() {
                    let tag = part.prefix { $0 != ">" }
                    guard tag.contains("ref-type=\"bibr\""),
                        let rid = tag.components(separatedBy: "rid=\"").dropFirst().first
                    else { continue }
                    for key in rid.prefix(while: { $0 != "\"" }).split(separator: " ") { cited.insert(String(key)) }
                }
                let unresolved = cited.subtracting(keys).filter { raw.contains("<ref id=\"\($0)\"") }
                #expect(unresolved.isEmpty, "\(file.lastPathComponent): \(unresolved.sorted().prefix(5))")
                mentions += document.referenceMentions.count
            }
        }
        #expect(mentions > 1_000)
    }

    /// Known headings and sentences of one PLOS article, in their sections, with the references they cite.
    @Test func aPLOSArticleReadsAsPublished() throws {
        let file = try #require(ingestFiles("jats", endingIn: ["journal.pone.0146913.xml"]).first)
        let article = try #require(try CorpusReader().read(at: file).documents.first)
        #expect(article.identifiers.doi == "10.1371/journal.pone.0146913")
        let headings = Set(article.sections.compactMap(\.path.last))
        for heading in ["Purpose", "Materials and Methods", "Results", "Conclusions", "Introduction"] {
            #expect(headings.contains(heading), "\(heading)")
        }
        let passages = Chunker().passages(of: article)
        let sentence = "Brain morphometry is an important assessment used in neuroscience research."
        let passage = try #require(passages.first { $0.text.contains(sentence) })
        #expect(passage.sectionPath == ["Introduction"])
        #expect(Array(passage.references.prefix(5)) == [1, 2, 3, 4, 5])
        #expect(article.bibliography[0].label == "1")
    }
}
