import EvidentTestSupport
import Testing

@testable import Evident

@Suite(.offThePool) struct SentenceSplitterTests {
    let splitter = SentenceSplitter()

    /// The sentences of `text` as strings.
    func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return splitter.sentences(in: text).map { range in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return String(view)
        }
    }

    @Test func plainSentencesSplitAtPeriodsQuestionAndExclamationMarks() {
        #expect(
            split("The tumor grew. It was removed! Was it benign? No one knew.")
                == ["The tumor grew.", "It was removed!", "Was it benign?", "No one knew."])
    }

    @Test(
        "abbreviations do not end a sentence",
        arguments: [
            "Smith et al. Reported a benefit in 2019.",
            "Nivolumab vs. Chemotherapy was compared.",
            "Some drugs, e.g. Cisplatin, were used.",
            "One drug, i.e. Pemetrexed, was used.",
            "Dr. Jones treated the patient.",
            "As shown in Fig. 2 the curves separate.",
            "Trial No. 5 enrolled adults.",
            "The dose was approx. 5 mg daily.",
            "The U.S. Food and Drug Administration approved it.",
            "The paper by J. Smith was cited.",
            "Options include surgery, radiation, etc. and chemotherapy.",
            "Table 1. Definitions of TNM Stages IA and IB.",
            "See the AJCC manual, 8th ed. New York, NY: Springer, 2017.",
        ])
    func abbreviationsDoNotEndASentence(text: String) {
        #expect(split(text) == [text])
    }

    @Test func aSentenceCanEndWithEtc() {
        #expect(
            split("They used surgery, radiation, etc. The results were good.")
                == ["They used surgery, radiation, etc.", "The results were good."])
    }

    @Test func aCapitalLetterAfterNamingWordsEndsTheSentence() {
        #expect(
            split("Patients had hepatitis B. Treatment was started.")
                == ["Patients had hepatitis B.", "Treatment was started."])
    }

    @Test func decimalsAndPValuesDoNotSplit() {
        #expect(
            split("The dose was 2.5 mg. The result was significant (P < .001). Another had P = .04. Done.")
                == ["The dose was 2.5 mg.", "The result was significant (P < .001).", "Another had P = .04.", "Done."])
        #expect(
            split("Median OS was 18.1 months vs. 14.1 months (HR, 0.74; P = .002).")
                == ["Median OS was 18.1 months vs. 14.1 months (HR, 0.74; P = .002)."])
    }

    @Test func ellipsesEndASentenceOnlyBeforeACapital() {
        #expect(
            split("He paused... then went on. It ended… Then more.")
                == ["He paused... then went on.", "It ended…", "Then more."])
    }

    @Test func closingQuotesAndBracketsStayWithTheirSentence() {
        #expect(
            split("He said \"stop.\" Then he left. (This was new.) Next came.")
                == ["He said \"stop.\"", "Then he left.", "(This was new.)", "Next came."])
    }

    @Test func aPeriodBeforeALowercaseWordIsNotABoundary() {
        #expect(
            split("The drug is approved in adults. but not in children.")
                == ["The drug is approved in adults. but not in children."])
    }

    @Test func listItemsAreSentencesOfTheirOwn() {
        #expect(
            split("Factors were identified:\n- Stage\n- Age\n1. Performance status\n2. Histology")
                == ["Factors were identified:", "- Stage", "- Age", "1. Performance status", "2. Histology"])
        #expect(
            split("1. An open-label study enrolled 605 patients. It was randomized.")
                == ["1. An open-label study enrolled 605 patients.", "It was randomized."])
    }

    @Test func hardLineBreaksInsideASentenceDoNotSplitButParagraphsDo() {
        #expect(
            split(
                "In some instances, the tumor grows through the\ndiaphragm. Cautious\ninterpretation is needed.\n\nA new paragraph"
            )
                == [
                    "In some instances, the tumor grows through the\ndiaphragm.", "Cautious\ninterpretation is needed.",
                    "A new paragraph",
                ])
        let scalars = Array("Row one | a\nRow two | b".unicodeScalars)
        #expect(splitter.sentences(in: scalars, everyLineBreakEnds: true) == [0..<11, 12..<23])
    }

    @Test func rangesAreTrimmedScalarOffsets() {
        let text = "  Ünïcödé text here.   Next one.  "
        #expect(splitter.sentences(in: text) == [2..<20, 23..<32])
        #expect(splitter.sentences(in: "   \n ").isEmpty)
    }
}
