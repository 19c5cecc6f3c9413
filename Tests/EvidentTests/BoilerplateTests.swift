import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite struct BoilerplateTests {
    @Test(arguments: [
        ("Demo content for Evident; it is not medical advice.", Boilerplate.Kind.disclaimer),
        ("This page is for informational purposes only.", .disclaimer),
        ("© 2024 American Society of Clinical Oncology.", .notice),
        ("Copyright 2023 the authors.", .notice),
        ("All rights reserved.", .notice),
        ("This work is licensed under a Creative Commons Attribution 4.0 licence.", .notice),
        ("Last reviewed: 12 March 2025", .reviewDate),
        ("Page last updated on 3 May 2024.", .reviewDate),
        ("Skip to main content", .navigation),
        ("Back to top", .navigation),
        ("We use cookies to improve your experience on our site.", .navigation),
        ("To learn more, visit the NCI website.", .referral),
        ("For more information, see the Treatment Option Overview section.", .referral),
        ("Information about ongoing clinical trials is available from the NCI website.", .referral),
    ])
    func boilerplateIsKnownByItsWording(sentence: String, kind: Boilerplate.Kind) {
        #expect(Boilerplate.kind(of: sentence) == kind)
    }

    @Test(arguments: [
        "Median overall survival was 18.1 months with nivolumab plus ipilimumab.",
        "Patients who were last reviewed in clinic more than a year ago had worse outcomes.",
        "Copyright law does not cover facts such as survival times.",
        "For patients with more information needs, a nurse navigator can help.",
        "Cookies and other sugary foods were not linked with mesothelioma.",
    ])
    func contentIsNotBoilerplate(sentence: String) {
        #expect(Boilerplate.kind(of: sentence) == nil)
    }

    @Test func linesInManyDocumentsAreRepeatedAndLeftOutOfPassages() {
        let footer = "Reviewed by the Example Hospital editorial board every year"
        func document(_ id: String, _ body: String, footer isFootered: Bool = true) -> Document {
            Document(
                id: id, title: id, source: "# \(id)\n\n\(body)\n\n" + (isFootered ? "*\(footer).*\n" : ""),
                format: .markdown)
        }
        let documents = [
            document("a", "Pemetrexed is given every 21 days."), document("b", "Cisplatin is a platinum drug."),
            document("c", "Surgery is rarely curative."), document("d", "Radiation eases pain.", footer: false),
        ]
        let repeated = Boilerplate.repeatedLines(in: documents)
        #expect(repeated == [Boilerplate.normalizedLine(footer + ".")])
        #expect(Boilerplate.repeatedLines(in: Array(documents.prefix(2))).isEmpty)
        var chunker = Chunker()
        chunker.boilerplate = Boilerplate(repeatedLines: repeated)
        for document in documents {
            let passages = chunker.passages(of: document)
            #expect(passages.count == 1)
            #expect(passages.allSatisfy { !$0.text.contains("editorial board") })
            #expect(document.source.contains(footer) == (document.id != "d"))
        }
    }

    @Test func noPassageSpansABoilerplateSentence() {
        let source = """
            # Pleural mesothelioma

            Nivolumab plus ipilimumab is a first-line option. To learn more, visit the NCI website. \
            Chemotherapy with pemetrexed is another.
            """
        let document = Document(id: "x.md", title: "Pleural mesothelioma", source: source, format: .markdown)
        let passages = Chunker().passages(of: document)
        #expect(
            passages.map(\.text) == [
                "Nivolumab plus ipilimumab is a first-line option.", "Chemotherapy with pemetrexed is another.",
            ])
    }

    /// No search over the demo corpus, for the demo's queries and ones aimed at its furniture, returns a
    /// disclaimer, notice or referral.
    @Test(arguments: [
        "first-line treatment for unresectable pleural mesothelioma",
        "How does CAR-T cell therapy work for mesothelioma?",
        "published trial of pemetrexed with cisplatin versus cisplatin alone",
        "demo content written in our own words from the public source",
        "medical advice on mesothelioma treatment",
        "side effects of checkpoint inhibitors",
        "clinical trials for mesothelioma",
        "peritoneal mesothelioma surgery and HIPEC",
    ])
    func noSearchOfTheDemoCorpusReturnsBoilerplate(query: String) throws {
        let retriever = try #require(LexicalFixture.retriever, "Corpus/ is missing")
        let results = try retriever.search(query, limit: 10)
        #expect(!results.isEmpty)
        for result in results {
            #expect(!result.passage.text.contains("Demo content for Evident"), "\(result.citation.document)")
            let scalars = Array(result.passage.text.unicodeScalars)
            for sentence in SentenceSplitter().sentences(in: result.passage.text) {
                let text = String(String.UnicodeScalarView(scalars[sentence]))
                #expect(Boilerplate.kind(of: text) == nil, "\(result.citation.document): \(text)")
            }
        }
    }
}
