import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct PassageSentenceSplitterTests {
    let chunker = Chunker()

    /// The document's passages and their sentences.
    func sentences(of document: Document) -> [(passage: Passage, sentences: [SourceSentence])] {
        let splitter = PassageSentenceSplitter(document: document)
        return chunker.passages(of: document).map { ($0, splitter.sentences(of: $0)) }
    }

    /// What is wrong with the sentences of one passage, if anything: each range inside the passage's, not empty,
    /// in order without overlap, quoting a slice that cleans to the sentence's text, which is a piece of the
    /// passage's text. `readAsBlock` counts the quotes that `MarkdownCleaner.clean` alone reads
    /// otherwise, and only `cleanInline` gives back: a quote made only of links (navigation, dropped), or opening
    /// with what opens a list item or heading at the start of a line (the sentence starts in the middle of one).
    static func problems(
        in sentences: [SourceSentence], of passage: Passage, scalars: [Unicode.Scalar], format: CorpusFormat,
        readAsBlock: inout Int
    ) -> [String] {
        var problems: [String] = []
        if sentences.isEmpty { problems.append("no sentences") }
        var previousEnd = passage.range.lowerBound
        var searchStart = passage.text.startIndex
        for (index, sentence) in sentences.enumerated() {
            let range = sentence.range
            if range.isEmpty || sentence.text.isEmpty {
                problems.append("sentence \(index) is empty")
                continue
            }
            if range.lowerBound < passage.range.lowerBound || range.upperBound > passage.range.upperBound {
                problems.append("sentence \(index) \(range) is outside the passage \(passage.range)")
                continue
            }
            if range.lowerBound < previousEnd { problems.append("sentence \(index) overlaps the one before") }
            previousEnd = range.upperBound
            if scalars[range.lowerBound].isMarkdownWhitespace || scalars[range.upperBound - 1].isMarkdownWhitespace {
                problems.append("sentence \(index) quote has whitespace around it")
            }
            let quote = String(decodingScalars: scalars[range])
            // The quote cleans to the sentence as a block, as table rows need; or, when it is only links or opens
            // with a list marker, as the inline text of its paragraph.
            let recleaned = MarkdownCleaner.clean(quote[...], as: format)
            if recleaned != sentence.text {
                let inline = MarkdownCleaner.cleanInline(quote[...], as: format)
                if inline != sentence.text {
                    problems.append("sentence \(index): \(firstDifference(sentence.text, inline))")
                } else if recleaned.isEmpty || opensWithBlockMarker(quote) {
                    readAsBlock += 1
                } else {
                    problems.append("sentence \(index) cleans otherwise as a block: \(quote.debugDescription)")
                }
            }
            if let found = passage.text.range(of: sentence.text, range: searchStart..<passage.text.endIndex) {
                searchStart = found.upperBound
            } else {
                problems.append("sentence \(index) is not in the passage text after the one before")
            }
        }
        return problems
    }

    /// Whether `text` opens with what opens a list item (`- `, `* `, `+ `, `1. `) or a heading (`### `) at the
    /// start of a line.
    static func opensWithBlockMarker(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars.prefix(12))
        guard let first = scalars.first else { return false }
        var index = 0
        if first.isMarkdownDigit {
            while index < scalars.count && scalars[index].isMarkdownDigit { index += 1 }
            guard index < scalars.count, scalars[index] == "." || scalars[index] == ")" else { return false }
            index += 1
        } else if first == "#" {
            while index < scalars.count && scalars[index] == "#" { index += 1 }
        } else if first == "-" || first == "*" || first == "+" {
            index = 1
        }
        return index > 0 && index < scalars.count && scalars[index].isMarkdownSpaceOrTab
    }

    // MARK: Small documents

    @Test func quotesKeepLinksEmphasisAndCitationAnchorsButNotListMarkers() throws {
        let source = """
            # Treatment

            Nivolumab plus *ipilimumab* is [standard](/std) first-line therapy.[[1](#cit/section_1.1)] It \
            extended survival to 18.1 months vs. 14.1 months.[[Level of evidence A1](/Common/PopUps/x)]

            - **Side effects** were mostly mild.
            12. CAR T cells are grown in large numbers.
            """
        let document = Document(id: "t.md", title: "T", source: source, format: .markdown)
        let scalars = source.unicodeScalarArray
        let passage = try #require(chunker.passages(of: document).first)
        let sentences = PassageSentenceSplitter(document: document).sentences(of: passage)
        #expect(
            sentences.map(\.text) == [
                "Nivolumab plus ipilimumab is standard first-line therapy.",
                "It extended survival to 18.1 months vs. 14.1 months.",
                "Side effects were mostly mild.",
                "CAR T cells are grown in large numbers.",
            ])
        #expect(
            sentences.map { String(decodingScalars: scalars[$0.range]) } == [
                "Nivolumab plus *ipilimumab* is [standard](/std) first-line therapy.[[1](#cit/section_1.1)]",
                "It extended survival to 18.1 months vs. 14.1 months.[[Level of evidence A1](/Common/PopUps/x)]",
                "**Side effects** were mostly mild.",
                "CAR T cells are grown in large numbers.",
            ])
        var readAsBlock = 0
        #expect(
            Self.problems(in: sentences, of: passage, scalars: scalars, format: .markdown, readAsBlock: &readAsBlock)
                .isEmpty)
    }

    @Test func aSentenceBoundaryInsideALinkIsNotCut() throws {
        let source = "See [the summary. It has more](/x) details. Then stop."
        let document = Document(id: "t.md", title: "T", source: source, format: .markdown)
        let passage = try #require(chunker.passages(of: document).first)
        let sentences = PassageSentenceSplitter(document: document).sentences(of: passage)
        #expect(sentences.map(\.text) == ["See the summary. It has more details.", "Then stop."])
    }

    @Test func textAndBEIRSentencesQuoteTheirSourceExactly() throws {
        let source = "  Calcium [Ca(2+)](i) rose by 2.5 mM.\nIt fell  again (P < .001).  "
        for format in [CorpusFormat.text, .beir] {
            let document = Document(id: "t", title: "T", source: source, format: format)
            let passage = try #require(chunker.passages(of: document).first)
            let sentences = PassageSentenceSplitter(document: document).sentences(of: passage)
            #expect(sentences.map(\.text) == ["Calcium [Ca(2+)](i) rose by 2.5 mM.", "It fell again (P < .001)."])
            let scalars = source.unicodeScalarArray
            #expect(
                sentences.map { String(decodingScalars: scalars[$0.range]) }
                    == ["Calcium [Ca(2+)](i) rose by 2.5 mM.", "It fell  again (P < .001)."])
            var readAsBlock = 0
            #expect(
                Self.problems(in: sentences, of: passage, scalars: scalars, format: format, readAsBlock: &readAsBlock)
                    .isEmpty)
        }
    }

    @Test func frontMatterOffsetsCountFromTheStartOfTheFile() throws {
        let source = "---\ntitle: Ä\n---\nÜber alles. Zweiter Satz."
        let body = 17..<source.unicodeScalars.count
        let document = Document(id: "t.md", title: "Ä", source: source, bodyRange: body, format: .markdown)
        let passage = try #require(chunker.passages(of: document).first)
        let sentences = PassageSentenceSplitter(document: document).sentences(of: passage)
        #expect(sentences.map(\.range) == [17..<28, 29..<42])
        #expect(sentences.map(\.text) == ["Über alles.", "Zweiter Satz."])
    }

    // MARK: The whole corpora

    @Test(.enabled(if: SharedData.nciPDQ != nil, Comment(rawValue: SharedData.missingMessage)))
    func everySentenceOfTheNCICorpusQuotesItsSource() throws {
        let root = try #require(SharedData.nciPDQ)
        let documents = try CorpusReader().read(at: root).documents
        #expect(documents.count > 1_400)
        try checkEverySentence(of: documents, corpus: "nci-pdq", minimumPassages: 10_000)
    }

    @Test(.enabled(if: SharedData.sciFact != nil, Comment(rawValue: SharedData.missingMessage)))
    func everySentenceOfTheSciFactCorpusQuotesItsSource() throws {
        let root = try #require(SharedData.sciFact)
        let documents = try CorpusReader().read(at: root).documents
        #expect(documents.count > 5_000)
        try checkEverySentence(of: documents, corpus: "scifact", minimumPassages: 5_000)
    }

    func checkEverySentence(of documents: [Document], corpus: String, minimumPassages: Int) throws {
        var failures: [String] = []
        var failureCount = 0
        var passageCount = 0
        var sentenceCount = 0
        var readAsBlock = 0
        var splittingTime = Duration.zero
        let clock = ContinuousClock()
        for document in documents {
            let scalars = document.source.unicodeScalarArray
            let passages = chunker.passages(of: document)
            passageCount += passages.count
            var sentences: [[SourceSentence]] = []
            splittingTime += clock.measure {
                let splitter = PassageSentenceSplitter(document: document)
                sentences = passages.map { splitter.sentences(of: $0) }
            }
            for (passage, passageSentences) in zip(passages, sentences) {
                sentenceCount += passageSentences.count
                let problems = Self.problems(
                    in: passageSentences, of: passage, scalars: scalars, format: document.format,
                    readAsBlock: &readAsBlock)
                failureCount += problems.count
                for problem in problems where failures.count < 15 {
                    failures.append("\(document.id) #\(passage.ordinal): \(problem)")
                }
            }
        }
        print(
            "\(corpus): \(passageCount) passages, \(sentenceCount) sentences, split in \(splittingTime); "
                + "\(readAsBlock) quotes read otherwise as a block (only links, or a block marker)")
        #expect(failureCount == 0, "\(failureCount) problems:\n\(failures.joined(separator: "\n"))")
        #expect(passageCount >= minimumPassages)
    }
}
