import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct ChunkerTests {
    let chunker = Chunker()

    // MARK: Small documents

    @Test func sectionPathsFollowHeadingsAndSkipTitleHeadingsAndSkippedLevels() {
        let source = """
            # Sample Guideline - NCI

            # Another Wording of It–Health Professional Version

            ## Treatment

            Intro text here.

            ##### Drug A

            Drug A works.

            ##

            Untitled part.

            ### Side effects

            Nausea happens.

            # Appendix

            More text.
            """
        let document = Document(id: "d", title: "Sample Guideline - NCI", source: source, format: .markdown)
        let passages = chunker.passages(of: document)
        #expect(
            passages.map(\.sectionPath) == [
                ["Treatment"], ["Treatment", "Drug A"], [], ["Side effects"], ["Appendix"],
            ])
        #expect(
            passages.map(\.text) == [
                "Intro text here.", "Drug A works.", "Untitled part.", "Nausea happens.", "More text.",
            ])
        #expect(passages.map(\.ordinal) == [0, 1, 2, 3, 4])
    }

    @Test func headingTextIsCleaned() {
        let source = "## See [*Drug* B](/drug-b) info\n\nText.\n"
        let passages = chunker.passages(of: Document(id: "d", title: "T", source: source, format: .markdown))
        #expect(passages.first?.sectionPath == ["See Drug B info"])
    }

    @Test func referencesSectionsAndNavigationLinksAreNotPassages() {
        let source = """
            ## Treatment

            [Go to Patient Version](/patient)

            Surgery is an option.[[1](#cit/section_1.1)]

            ###### References

            1. Smith J: A study. J Clin Oncol 7 (8): 1157-68, 1989. [[PUBMED Abstract]](http://example.org)

            ## Next

            Radiation is another.
            """
        let passages = chunker.passages(of: Document(id: "d", title: "T", source: source, format: .markdown))
        #expect(passages.map(\.text) == ["Surgery is an option.", "Radiation is another."])
        #expect(passages.allSatisfy { !$0.text.contains("Smith") && !$0.text.contains("Patient Version") })
    }

    @Test func passagesRespectTheWordBudgetAndOverlapOneSentence() {
        // Eight sentences of five words each: budget 12 fits two sentences; each passage repeats the last one.
        let sentences = (1...8).map { "Sentence number \($0) has words." }
        let source = "## Section\n\n" + sentences.joined(separator: " ") + "\n"
        let chunker = Chunker(configuration: ChunkerConfiguration(maxWords: 12, overlapSentences: 1))
        let passages = chunker.passages(of: Document(id: "d", title: "T", source: source, format: .markdown))
        #expect(
            passages.map(\.text) == [
                "Sentence number 1 has words. Sentence number 2 has words.",
                "Sentence number 2 has words. Sentence number 3 has words.",
                "Sentence number 3 has words. Sentence number 4 has words.",
                "Sentence number 4 has words. Sentence number 5 has words.",
                "Sentence number 5 has words. Sentence number 6 has words.",
                "Sentence number 6 has words. Sentence number 7 has words.",
                "Sentence number 7 has words. Sentence number 8 has words.",
            ])
        let noOverlap = Chunker(configuration: ChunkerConfiguration(maxWords: 12, overlapSentences: 0))
        let plain = noOverlap.passages(of: Document(id: "d", title: "T", source: source, format: .markdown))
        #expect(plain.count == 4)
        #expect(plain.last?.text == "Sentence number 7 has words. Sentence number 8 has words.")
    }

    @Test func aSentenceLongerThanTheBudgetIsAPassageOfItsOwn() {
        let long = (1...30).map { "Word\($0)" }.joined(separator: " ") + "."
        let source = "Short one. \(long) Short two.\n"
        let chunker = Chunker(configuration: ChunkerConfiguration(maxWords: 10, overlapSentences: 1))
        let passages = chunker.passages(of: Document(id: "d", title: "T", source: source, format: .text))
        #expect(passages.map(\.text) == ["Short one.", long, "Short two."])
    }

    @Test func aTextWithoutSentenceEndsIsCutIntoPassagesOfTheBudget() {
        // 1,000 words and no full stop (a file of one long line): beyond four budgets a "sentence" is cut.
        let words = (1...1_000).map { "w\($0)" }
        let source = words.joined(separator: " ") + "\n"
        let chunker = Chunker(configuration: ChunkerConfiguration(maxWords: 10, overlapSentences: 1))
        let document = Document(id: "d", title: "T", source: source, format: .text)
        let passages = chunker.passages(of: document)
        #expect(passages.count == 100)
        #expect(passages.allSatisfy { $0.text.split(separator: " ").count <= 10 })
        #expect(passages.flatMap { $0.text.split(separator: " ").map(String.init) } == words)
        for passage in passages {
            #expect(String(source.scalarSlice(passage.range)) == passage.text)
        }
    }

    @Test func textDocumentsPackParagraphs() {
        let source = "First paragraph, one line\ncontinued here.\n\nSecond paragraph.\n"
        let passages = chunker.passages(of: Document(id: "t", title: "T", source: source, format: .text))
        #expect(passages.count == 1)
        #expect(passages.first?.text == "First paragraph, one line continued here.\nSecond paragraph.")
        #expect(passages.first?.sectionPath == [])
    }

    @Test func textAndBEIRDocumentsAreNotReadAsMarkdown() {
        let source = "A rise in [Ca(2+)](i) and the (*2*2) genotype; Aβ*56 forms.\n\n# not a heading"
        for format in [CorpusFormat.text, .beir] {
            let passages = chunker.passages(of: Document(id: "x", title: "T", source: source, format: format))
            #expect(
                passages.first?.text == "A rise in [Ca(2+)](i) and the (*2*2) genotype; Aβ*56 forms.\n# not a heading")
            #expect(passages.count == 1)
        }
        #expect(MarkdownCleaner.clean(source[...], as: .text) != MarkdownCleaner.clean(source[...]))
    }

    @Test func beirDocumentsAreOnePassage() {
        let source = "  Background. Long abstract text.  Methods: we did things.\n"
        let passages = chunker.passages(of: Document(id: "4983", title: "T", source: source, format: .beir))
        let passage = try? #require(passages.count == 1 ? passages.first : nil)
        #expect(passage?.text == "Background. Long abstract text. Methods: we did things.")
        #expect(passage?.range == 2..<58)
        #expect(passage?.sectionPath == [])
    }

    @Test func evidenceLevelsAndReferencesAreCollectedPerPassage() {
        let source = """
            ## A

            Factors were identified:[[1](#cit/section_1.1),[2](#cit/section_1.2)][[Level of evidence C1](/Common/x)]

            ## B

            Results held.[[3](#cit/section_2.3)-[5](#cit/section_2.5)][[Level of evidence A1](/Common/y)] Others agreed ([7](#r7)).
            """
        let passages = chunker.passages(of: Document(id: "d", title: "T", source: source, format: .markdown))
        try? #require(passages.count == 2)
        #expect(passages.first?.text == "Factors were identified:")
        #expect(passages.first?.references == [1, 2])
        #expect(passages.first?.evidenceLevels == ["C1"])
        #expect(passages.last?.text == "Results held. Others agreed.")
        #expect(passages.last?.references == [3, 4, 5, 7])
        #expect(passages.last?.evidenceLevels == ["A1"])
    }

    @Test func listsAndTablesStayOneItemPerLineAndLongListsSplitAtItems() {
        let items = (1...12).map { "- Item number \($0) is here." }.joined(separator: "\n")
        let source = "## L\n\nThe list:\n\n\(items)\n\n| A | B |\n|---|---|\n| 1 | 2 |\n"
        let chunker = Chunker(configuration: ChunkerConfiguration(maxWords: 20, overlapSentences: 1))
        let passages = chunker.passages(of: Document(id: "d", title: "T", source: source, format: .markdown))
        #expect(
            passages.first?.text
                == "The list:\n- Item number 1 is here.\n- Item number 2 is here.\n- Item number 3 is here.")
        #expect(passages.last?.text.hasSuffix("- Item number 12 is here.\nA | B\n1 | 2") == true)
        for passage in passages {
            #expect(Chunker.wordCount(ArraySlice(passage.text.unicodeScalars)) <= 20)
        }
    }

    // MARK: The mesothelioma guideline

    @Test(.enabled(if: SharedData.nciPDQ != nil, Comment(rawValue: SharedData.missingMessage)))
    func mesotheliomaNivolumabSectionHasItsHeadingPathAndEvidence() throws {
        let document = try PDQFixture.mesothelioma()
        let passages = chunker.passages(of: document)
        let nivolumab = passages.filter { $0.sectionPath.last == "Nivolumab and ipilimumab" }
        let first = try #require(nivolumab.first)
        // ## Treatment of Advanced … → ### Treatment Options for Advanced … → ##### Nivolumab and ipilimumab
        #expect(
            first.sectionPath == [
                "Treatment of Advanced Malignant Mesothelioma (Stages II, III, and IV)",
                "Treatment Options for Advanced Malignant Mesothelioma (Stages II, III, and IV)",
                "Nivolumab and ipilimumab",
            ])
        #expect(
            first.text.hasPrefix("Evidence (nivolumab and ipilimumab):\n1. An open-label, randomized, phase III study"))
        #expect(nivolumab.contains { $0.evidenceLevels.contains("A1") && $0.references.contains(1) })
        #expect(nivolumab.allSatisfy { $0.text.range(of: "](") == nil && !$0.text.contains("#cit") })
        // The general information section's first passage: navigation link skipped, anchors collected.
        let diagnosis = try #require(passages.first { $0.sectionPath.last == "Diagnosis and Prognostic Factors" })
        #expect(
            diagnosis.sectionPath == [
                "General Information About Malignant Mesothelioma Treatment",
                "Diagnosis and Prognostic Factors",
            ])
        #expect(diagnosis.text.contains("the following important prognostic factors were identified:\n- Stage."))
        #expect(diagnosis.references.starts(with: [1, 2]))
        #expect(diagnosis.evidenceLevels.first == "C1")
        #expect(!passages.contains { $0.text.contains("Go to Patient Version") })
        #expect(!passages.contains { $0.sectionPath.contains("References") })
        #expect(!passages.contains { $0.text.contains("PUBMED Abstract") })
    }

    @Test(.enabled(if: SharedData.nciPDQ != nil, Comment(rawValue: SharedData.missingMessage)))
    func mesotheliomaPassagesNeverSpanSectionsAndOverlapBySentence() throws {
        let document = try PDQFixture.mesothelioma()
        let passages = chunker.passages(of: document)
        let scalars = Array(document.source.unicodeScalars)
        let splitter = SentenceSplitter()
        for (previous, passage) in zip(passages, passages.dropFirst()) {
            // No heading line inside a passage's source range.
            let slice = scalars[passage.range]
            var lineStart = true
            for scalar in slice {
                #expect(!(lineStart && scalar == "#"), "passage \(passage.ordinal) contains a heading")
                lineStart = scalar == "\n"
            }
            // Over the budget only when the passage is a single sentence.
            let passageScalars = Array(passage.text.unicodeScalars)
            #expect(
                Chunker.wordCount(passageScalars[...]) <= 160
                    || splitter.sentences(in: passageScalars, everyLineBreakEnds: true).count == 1)
            guard previous.sectionPath == passage.sectionPath else { continue }
            // Same section, but a boilerplate sentence ("For more information, see …") between them: no overlap.
            if passage.range.lowerBound >= previous.range.upperBound {
                let gap = MarkdownCleaner.clean(
                    Substring(
                        String(String.UnicodeScalarView(scalars[previous.range.upperBound..<passage.range.lowerBound])))
                )
                let gapSentences = splitter.sentences(in: gap).map { String(gap.scalarSlice($0)) }
                #expect(
                    gapSentences.contains { Boilerplate.kind(of: $0) != nil },
                    "passages \(previous.ordinal) and \(passage.ordinal) do not overlap: \(gap.prefix(80))")
                continue
            }
            // Same section: the next passage starts with the previous passage's last sentence.
            let previousScalars = Array(previous.text.unicodeScalars)
            let previousSentences = splitter.sentences(in: previousScalars, everyLineBreakEnds: true)
            if let last = previousSentences.last {
                let lastSentence = String(previous.text.scalarSlice(last))
                #expect(
                    passage.text.hasPrefix(lastSentence) || previousSentences.count == 1,
                    "passage \(passage.ordinal) does not start with \(lastSentence.prefix(60))")
                #expect(passage.text != lastSentence, "passage \(passage.ordinal) adds no new sentence")
            }
        }
    }

    // MARK: The whole corpora

    @Test(.enabled(if: SharedData.sciFact != nil, Comment(rawValue: SharedData.missingMessage)))
    func everySciFactAbstractIsOnePassageOfItsWhitespaceNormalisedText() throws {
        let root = try #require(SharedData.sciFact)
        let corpus = try String(contentsOf: root.appendingPathComponent("corpus.jsonl"), encoding: .utf8)
        var count = 0
        var failures: [String] = []
        for line in corpus.split(separator: "\n") {
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let id = try #require(record?["_id"] as? String)
            let text = try #require(record?["text"] as? String)
            let document = Document(id: id, title: "", source: text, format: .beir)
            let passages = chunker.passages(of: document)
            count += 1
            let normalised = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            guard normalised.isEmpty == passages.isEmpty else {
                failures.append("\(id): \(passages.count) passages")
                continue
            }
            guard let passage = passages.first else { continue }
            let recleaned = MarkdownCleaner.clean(text.scalarSlice(passage.range), as: .beir)
            if passages.count != 1 || recleaned != passage.text {
                failures.append("\(id): \(firstDifference(passage.text, recleaned))")
            }
            // Only whitespace may differ from the abstract (a space before word-ending punctuation goes).
            if passage.text.filter({ !$0.isWhitespace }) != normalised.filter({ !$0.isWhitespace }) {
                failures.append("\(id): text is not the abstract's: \(firstDifference(normalised, passage.text))")
            }
        }
        #expect(count > 5_000)
        #expect(failures.isEmpty, "\(failures.count) abstracts:\n\(failures.prefix(10).joined(separator: "\n"))")
    }

    @Test(.enabled(if: SharedData.nciPDQ != nil, Comment(rawValue: SharedData.missingMessage)))
    func everyPassageOfTheCorpusIsTheCleanedTextOfItsRange() throws {
        let root = try #require(SharedData.nciPDQ)
        let files = PDQFixture.markdownFiles(under: root)
        #expect(files.count > 1_400)
        var failures: [String] = []
        var failureCount = 0
        var passageCount = 0
        var chunkingTime = Duration.zero
        let clock = ContinuousClock()
        for file in files {
            let document = try PDQFixture.document(at: file, root: root)
            let scalars = Array(document.source.unicodeScalars)
            var passages: [Passage] = []
            chunkingTime += clock.measure { passages = chunker.passages(of: document) }
            passageCount += passages.count
            for passage in passages {
                var problem: String?
                if passage.text.isEmpty {
                    problem = "empty text"
                } else if !document.bodyRange.contains(passage.range.lowerBound)
                    || passage.range.upperBound > document.bodyRange.upperBound
                {
                    problem = "range \(passage.range) outside body \(document.bodyRange)"
                } else {
                    var slice = String.UnicodeScalarView()
                    slice.append(contentsOf: scalars[passage.range])
                    let recleaned = MarkdownCleaner.clean(String(slice)[...])
                    if recleaned != passage.text { problem = firstDifference(passage.text, recleaned) }
                }
                if let problem {
                    failureCount += 1
                    if failures.count < 15 { failures.append("\(document.id) #\(passage.ordinal): \(problem)") }
                }
            }
        }
        print("nci-pdq: \(files.count) files, \(passageCount) passages, chunked in \(chunkingTime)")
        #expect(failureCount == 0, "\(failureCount) passages differ:\n\(failures.joined(separator: "\n"))")
        #expect(passageCount > 10_000)
    }
}
