import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct ExtractiveAnswererTests {
    static let hasModel = SharedData.miniLMModel != nil

    @Test(.enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)))
    func howDoesCARTWorkIsAnsweredByHowItWorks() async throws {
        let fixture = try #require(await DemoGroundingFixture.shared)
        let answerer = ExtractiveAnswerer(retriever: fixture.grounder.retriever)
        let answer = try answerer.answer("How does CAR-T cell therapy work for mesothelioma?")
        let documents = answer.sentences.map { answer.references[$0.reference - 1].document }
        #expect(
            documents.filter { $0 == "cell-therapy/car-t-how-it-works.md" }.count >= 2,
            "\(answer.sentences.map(\.text))")
        #expect(!answer.sentences.contains { ExtractiveAnswerer.isAboutTheReader($0.text) })
    }

    @Test func questionKindsAndFocus() {
        #expect(
            QuestionKind("How does CAR-T cell therapy work for mesothelioma?").focus
                == "How does CAR-T cell therapy work?")
        #expect(QuestionKind("How is radiation therapy used in lung cancer?").focus == "How is radiation therapy used?")
        #expect(QuestionKind("How long does CAR-T take?").isHow == false)
        #expect(QuestionKind("What is mesothelioma?").focus == nil)
    }

    @Test func sentencesAboutTheReaderAreRecognised() {
        #expect(
            ExtractiveAnswerer.isAboutTheReader(
                "People with mesothelioma sometimes read about CAR T-cell successes and ask whether it can help them."))
        #expect(ExtractiveAnswerer.isAboutTheReader("Many patients wonder whether surgery is possible."))
        #expect(
            !ExtractiveAnswerer.isAboutTheReader("Patients receive lymphodepleting chemotherapy before the infusion."))
        #expect(!ExtractiveAnswerer.isAboutTheReader("CAR T cells kill cancer cells that carry the target antigen."))
    }
}
