import EvidentCorpus
import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// A PubMed export of two articles and a book chapter, in the shapes PubMed writes them.
private let pubMedExport = """
    <?xml version="1.0" ?>
    <!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "pubmed_250101.dtd">
    <PubmedArticleSet>
    <PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">11111111</PMID>
    <Article PubModel="Print"><Journal><Title>Journal of Thoracic Oncology</Title><JournalIssue>
    <PubDate><Year>2021</Year><Month>Mar</Month></PubDate></JournalIssue></Journal>
    <ArticleTitle>Nivolumab plus ipilimumab in <i>unresectable</i> pleural mesothelioma.</ArticleTitle>
    <ELocationID EIdType="doi" ValidYN="Y">10.1000/jto.2021.1</ELocationID>
    <Abstract>
    <AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Pleural mesothelioma has few options.</AbstractText>
    <AbstractText Label="METHODS" NlmCategory="METHODS">We randomly assigned 605 patients.
      Follow-up lasted &gt;3 years.</AbstractText>
    <AbstractText Label="RESULTS" NlmCategory="RESULTS">Median overall survival was 18.1 months.</AbstractText>
    <AbstractText Label="CONCLUSIONS" NlmCategory="CONCLUSIONS">The combination prolonged survival.</AbstractText>
    </Abstract>
    <AuthorList><Author><LastName>Baas</LastName><ForeName>Paul</ForeName><Initials>P</Initials></Author>
    <Author><CollectiveName>The Mesothelioma Study Group</CollectiveName></Author></AuthorList>
    <Language>eng</Language>
    <PublicationTypeList><PublicationType UI="D016449">Randomized Controlled Trial</PublicationType>
    </PublicationTypeList></Article>
    <MeshHeadingList><MeshHeading><DescriptorName UI="D008654">Mesothelioma</DescriptorName></MeshHeading>
    <MeshHeading><DescriptorName UI="D000074324">Nivolumab</DescriptorName></MeshHeading></MeshHeadingList>
    </MedlineCitation>
    <PubmedData><ArticleIdList><ArticleId IdType="pubmed">11111111</ArticleId>
    <ArticleId IdType="pmc">PMC7654321</ArticleId></ArticleIdList></PubmedData></PubmedArticle>
    <PubmedArticle><MedlineCitation><PMID Version="1">22222222</PMID><Article>
    <ArticleTitle>A letter without an abstract.</ArticleTitle></Article></MedlineCitation></PubmedArticle>
    <PubmedBookArticle><BookDocument><PMID Version="1">33333333</PMID>
    <Book><BookTitle>Cancer Guidelines</BookTitle><PubDate><Year>2019</Year></PubDate></Book>
    <ArticleTitle>Malignant Mesothelioma</ArticleTitle>
    <Abstract><AbstractText>Mesothelioma is a rare cancer of the lining of the chest.</AbstractText></Abstract>
    </BookDocument></PubmedBookArticle>
    </PubmedArticleSet>
    """

/// An update file: a revised 22222222 and a deletion of 33333333.
private let pubMedUpdate = """
    <PubmedArticleSet>
    <PubmedArticle><MedlineCitation><PMID Version="1">22222222</PMID><Article>
    <ArticleTitle>A letter, revised.</ArticleTitle><Abstract><AbstractText>Now with text.</AbstractText></Abstract>
    </Article></MedlineCitation></PubmedArticle>
    <DeleteCitation><PMID Version="1">33333333</PMID><PMID Version="1">99999999</PMID></DeleteCitation>
    </PubmedArticleSet>
    """

/// A JATS article with a nested section, a figure inside a paragraph, a table and three references.
private let jatsArticle = """
    <?xml version="1.0" encoding="UTF-8"?>
    <!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving DTD v1.2 20190208//EN" "JATS.dtd">
    <article article-type="research-article" xmlns:xlink="http://www.w3.org/1999/xlink">
    <front><journal-meta><journal-title-group><journal-title>Lung Cancer</journal-title></journal-title-group>
    </journal-meta><article-meta>
    <article-id pub-id-type="pmid">44444444</article-id><article-id pub-id-type="pmc">1234567</article-id>
    <article-id pub-id-type="doi">10.1000/lc.4</article-id>
    <title-group><article-title>Pemetrexed in pleural mesothelioma</article-title></title-group>
    <contrib-group><contrib contrib-type="author"><name><surname>Vogelzang</surname>
    <given-names>Nicholas J</given-names></name></contrib></contrib-group>
    <pub-date pub-type="epub"><year>2003</year></pub-date>
    <abstract><p>Pemetrexed with cisplatin improved survival.</p></abstract>
    </article-meta></front>
    <body>
    <sec id="s1"><title>Introduction</title>
    <p>Cisplatin alone is modestly active <xref ref-type="bibr" rid="B1">[1]</xref>.
    Earlier trials agree <xref ref-type="bibr" rid="B1">[1]</xref>–<xref ref-type="bibr" rid="B3">[3]</xref>.
    <fig id="f1"><label>Figure 1</label><caption><p>Survival by arm.</p></caption></fig>
    Survival doubled in small series.</p>
    <sec id="s1a"><title>Aims</title><p>We compared two regimens.</p>
    <list><list-item><p>Arm A: pemetrexed and cisplatin.</p></list-item><list-item><p>Arm B: cisplatin.</p>
    </list-item></list></sec>
    </sec>
    <sec><title>Results</title>
    <table-wrap id="t1"><label>Table 1</label><caption><title>Outcomes</title></caption><table><thead>
    <tr><th>Arm</th><th>Median survival</th></tr></thead><tbody><tr><td>A</td><td>12.1 months</td></tr>
    <tr><td>B</td><td>9.3 months</td></tr></tbody></table></table-wrap>
    </sec>
    </body>
    <back><ref-list><title>References</title>
    <ref id="B1"><label>1</label><element-citation publication-type="journal"><person-group>
    <name><surname>Smith</surname><given-names>A</given-names></name></person-group>
    <article-title>Cisplatin in mesothelioma</article-title><source>Cancer</source><year>1990</year>
    <volume>12</volume><fpage>1</fpage><lpage>9</lpage><pub-id pub-id-type="pmid">1000001</pub-id></element-citation></ref>
    <ref id="B2"><label>2</label><mixed-citation>Jones B. A second trial. Lancet. 1995;3:4–5.
    <pub-id pub-id-type="doi">10.1000/l.2</pub-id></mixed-citation></ref>
    <ref id="B3"><label>3</label><mixed-citation>Lee C. A third trial. BMJ. 1999.</mixed-citation></ref>
    </ref-list></back>
    </article>
    """

/// The text of a document's source in `range`.
private func quote(_ document: Document, _ range: Range<Int>) -> String {
    let scalars = Array(document.source.unicodeScalars)
    return String(String.UnicodeScalarView(scalars[range]))
}

/// The bytes of `text`, gzipped by the system's gzip.
private func gzipped(_ text: String) throws -> Data {
    let folder = try TemporaryFolder()
    let file = try folder.write(text, to: "in.xml")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-k", "-n", file.path]
    try process.run()
    process.waitUntilExit()
    return try Data(contentsOf: URL(fileURLWithPath: file.path + ".gz"))
}

@Suite(.offThePool) struct XMLCorpusTests {
    // MARK: PubMed

    @Test func pubMedArticlesBecomeDocumentsWithTheirPMIDsSectionsAndMetadata() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write(pubMedExport, to: "export.xml")
        let read = try CorpusReader().read(at: file)
        #expect(read.documents.map(\.id) == ["11111111", "22222222", "33333333"])
        let trial = read.documents[0]
        #expect(trial.format == .pubmed)
        #expect(trial.title == "Nivolumab plus ipilimumab in unresectable pleural mesothelioma.")
        #expect(trial.url == "https://pubmed.ncbi.nlm.nih.gov/11111111/")
        #expect(trial.identifiers == WorkIdentifiers(pmid: "11111111", pmcid: "PMC7654321", doi: "10.1000/jto.2021.1"))
        #expect(trial.sections.map(\.path) == [["BACKGROUND"], ["METHODS"], ["RESULTS"], ["CONCLUSIONS"]])
        #expect(
            quote(trial, trial.sections[1].range) == "We randomly assigned 605 patients. Follow-up lasted >3 years.")
        #expect(trial.metadata["authors"] == "Baas P; The Mesothelioma Study Group")
        #expect(trial.metadata["journal"] == "Journal of Thoracic Oncology")
        #expect(trial.metadata["year"] == "2021")
        #expect(trial.metadata["mesh"] == "Mesothelioma; Nivolumab")
        #expect(trial.metadata["publication_types"] == "Randomized Controlled Trial")
        #expect(trial.metadata["language"] == "eng")

        let letter = read.documents[1]
        #expect(letter.sections.count == 1)
        #expect(quote(letter, letter.sections[0].range) == "A letter without an abstract.")
        let book = read.documents[2]
        #expect(book.title == "Malignant Mesothelioma")
        #expect(book.metadata["journal"] == "Cancer Guidelines")
        #expect(book.sections.map(\.path) == [[]])
    }

    @Test func passagesKeepToTheAbstractsSections() throws {
        let folder = try TemporaryFolder()
        let read = try CorpusReader().read(at: try folder.write(pubMedExport, to: "export.xml"))
        let passages = Chunker().passages(of: read.documents[0])
        #expect(passages.map(\.sectionPath) == [["BACKGROUND"], ["METHODS"], ["RESULTS"], ["CONCLUSIONS"]])
        for passage in passages {
            #expect(
                MarkdownCleaner.clean(Substring(quote(read.documents[0], passage.range)), as: .pubmed) == passage.text)
        }
    }

    @Test func updateFilesReplaceAndDeleteEarlierRecords() throws {
        let folder = try TemporaryFolder()
        try folder.write(pubMedExport, to: "baseline/pubmed26n0001.xml")
        try folder.write(gzipped(pubMedUpdate), to: "updatefiles/pubmed26n0002.xml.gz")
        let read = try CorpusReader().read(at: folder.url)
        #expect(read.documents.map(\.id) == ["11111111", "22222222"])
        #expect(read.documents[1].title == "A letter, revised.")
        #expect(read.replacedDocuments == 1)
        #expect(read.deletedDocuments == 1)
        #expect(read.fileCount == 2)
    }

    @Test func gzipStreamsAreInflatedAndTruncatedOnesRefused() throws {
        let folder = try TemporaryFolder()
        let compressed = try gzipped(pubMedExport)
        let whole = try CorpusReader().read(at: try folder.write(compressed, to: "whole.xml.gz"))
        #expect(whole.documents.count == 3)
        let cut = try folder.write(compressed.prefix(compressed.count / 2), to: "cut.xml.gz")
        let error = issue { _ = try CorpusReader().read(at: cut) }
        #expect(error?.kind == .malformedXML)
        #expect(error?.reason.contains("the gzip stream ends early") == true)
    }

    @Test func malformedXMLNamesFileLineAndColumnAndSkippingKeepsTheRecordsBefore() throws {
        let folder = try TemporaryFolder()
        let broken = pubMedExport.replacingOccurrences(of: "</Abstract>\n</BookDocument>", with: "\n</BookDocument>")
        let lines = broken.split(separator: "\n", omittingEmptySubsequences: false)
        let closing = try #require(lines.firstIndex { $0.hasPrefix("</BookDocument>") }) + 1
        let opening = try #require(lines.lastIndex { $0.hasPrefix("<Abstract>") }) + 1
        let file = try folder.write(broken, to: "broken.xml")
        let error = issue { _ = try CorpusReader().read(at: file) }
        #expect(error?.kind == .malformedXML)
        #expect(error?.description.hasPrefix(file.path + ":\(closing):1: ") == true)
        #expect(error?.reason == "</BookDocument> does not close <Abstract> opened on line \(opening)")
        let skipped = try CorpusReader(configuration: .init(skipsBadInput: true)).read(at: file)
        #expect(skipped.documents.map(\.id) == ["11111111", "22222222"])
        #expect(skipped.skipped.count == 1)
    }

    @Test func otherXMLIsRefusedByItsRootElement() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("<?xml version='1.0'?>\n<rss><channel/></rss>", to: "feed.xml")
        let error = issue { _ = try CorpusReader().read(at: file) }
        #expect(error?.kind == .unknownXML)
        #expect(error?.line == 2)
        let forced = issue {
            _ = try CorpusReader(configuration: .init(format: .jats)).read(
                at: try folder.write(pubMedExport, to: "p.xml"))
        }
        #expect(forced?.reason == "the format jats was forced, but the root element is <PubmedArticleSet>")
    }

    @Test func aRecordWithoutAPMIDIsABadRecord() throws {
        let folder = try TemporaryFolder()
        let text =
            "<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><Article><ArticleTitle>T</ArticleTitle>"
            + "</Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>"
        let error = issue { _ = try CorpusReader().read(at: try folder.write(text, to: "a.xml")) }
        #expect(error?.kind == .missingField)
        #expect(error?.line == 2)
    }

    // MARK: JATS

    @Test func jatsArticlesKeepTheirOutlineCaptionsTablesAndReferences() throws {
        let folder = try TemporaryFolder()
        let read = try CorpusReader().read(at: try folder.write(jatsArticle, to: "articles/pemetrexed.nxml"))
        let article = try #require(read.documents.first)
        #expect(article.id == "pemetrexed.nxml")
        #expect(article.format == .jats)
        #expect(article.title == "Pemetrexed in pleural mesothelioma")
        #expect(article.identifiers == WorkIdentifiers(pmid: "44444444", pmcid: "PMC1234567", doi: "10.1000/lc.4"))
        #expect(article.url == "https://pmc.ncbi.nlm.nih.gov/articles/PMC1234567/")
        #expect(article.metadata["authors"] == "Vogelzang NJ")
        #expect(article.metadata["journal"] == "Lung Cancer")
        #expect(article.metadata["year"] == "2003")
        let outline = article.sections.map { $0.path.joined(separator: " › ") + ": " + quote(article, $0.range) }
        #expect(
            outline == [
                "Abstract: Pemetrexed with cisplatin improved survival.",
                "Introduction: Cisplatin alone is modestly active [1]. Earlier trials agree [1]–[3].\n\n"
                    + "Figure 1. Survival by arm.\n\nSurvival doubled in small series.",
                "Introduction › Aims: We compared two regimens.\n\nArm A: pemetrexed and cisplatin.\n\nArm B: cisplatin.",
                "Results: Table 1. Outcomes\n\nArm | Median survival\n\nA | 12.1 months\n\nB | 9.3 months",
            ])
        #expect(article.bibliography.map(\.label) == ["1", "2", "3"])
        #expect(article.bibliography[0].text == "Smith A. Cisplatin in mesothelioma. Cancer. 1990;12: 1–9.")
        #expect(article.bibliography[0].identifiers.pmid == "1000001")
        #expect(article.bibliography[1].identifiers.doi == "10.1000/l.2")
        #expect(!article.source.contains("References"))

        let passages = Chunker().passages(of: article)
        let introduction = try #require(passages.first { $0.sectionPath == ["Introduction"] })
        // "[1]–[3]" cites the second reference too.
        #expect(introduction.references == [1, 2, 3])
        for passage in passages {
            #expect(MarkdownCleaner.clean(Substring(quote(article, passage.range)), as: .jats) == passage.text)
        }
    }

    // MARK: Index and citations

    @Test func citationsCarryPMIDAndDOIThroughTheIndex() throws {
        let folder = try TemporaryFolder()
        try folder.write(pubMedExport, to: "corpus/export.xml")
        try folder.write(jatsArticle, to: "corpus/pemetrexed.nxml")
        let output = folder.url.appendingPathComponent("index")
        let job = IndexingJob(corpus: folder.url.appendingPathComponent("corpus"), output: output)
        _ = try job.run()
        let index = try EvidentIndex(contentsOf: output)
        let retriever = Retriever(index: index)
        let results = try retriever.search("median overall survival nivolumab", limit: 1)
        let citation = try #require(results.first?.citation)
        #expect(citation.document == "11111111")
        #expect(citation.pmid == "11111111")
        #expect(citation.doi == "10.1000/jto.2021.1")
        #expect(citation.section == "RESULTS")
        let stored = try index.document(at: try #require(index.documentIndex(withID: "pemetrexed.nxml")))
        let read = try CorpusReader().read(at: folder.url.appendingPathComponent("corpus/pemetrexed.nxml"))
        #expect(stored == read.documents.first)
        let shown = DocumentRenderer(usesColor: false).render(
            stored, passages: try index.passages(ofDocumentAt: index.documentIndex(withID: "pemetrexed.nxml")!))
        #expect(shown.hasPrefix("Pemetrexed in pleural mesothelioma · PMID 44444444\n"))
        #expect(shown.contains("⟦1 Cisplatin alone is modestly active [1]."))
        #expect(shown.contains("[1] Smith A. Cisplatin in mesothelioma."))
        let json = String(decoding: try JSONEncoder().encode(citation), as: UTF8.self)
        #expect(json.contains("\"pmid\":\"11111111\""))
        let searchJSON = try SearchResponse(query: "q", mode: .lexical, scoring: .bm25(.default), results: results)
            .jsonString()
        #expect(searchJSON.contains("\"pmid\" : \"11111111\"") || searchJSON.contains("\"pmid\":\"11111111\""))

        // A grounded claim cites the sentence with the work's PMID and DOI, in the JSON too.
        let grounded = try Grounder(retriever: retriever).ground(claims: [
            (nil, "Median overall survival was 18.1 months with nivolumab plus ipilimumab.")
        ])
        let cited = try #require(grounded.first?.citations.first)
        #expect(cited.document == "11111111")
        #expect(cited.identifiers == WorkIdentifiers(pmid: "11111111", pmcid: "PMC7654321", doi: "10.1000/jto.2021.1"))
        let groundedJSON = String(decoding: try JSONEncoder().encode(cited), as: UTF8.self)
        #expect(groundedJSON.contains("\"doi\":\"10.1000\\/jto.2021.1\""))
        #expect(try JSONDecoder().decode(GroundingCitation.self, from: Data(groundedJSON.utf8)) == cited)
    }
}
