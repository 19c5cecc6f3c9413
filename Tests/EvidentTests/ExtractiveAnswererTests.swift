import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct ExtractiveAnswererTests {
    static let hasModel = SharedData.miniLMModel != nil

    /// Questions over the demo corpus with what their answer must hold: a word some sentence says, and the
    /// document at least `fromDocument` of its sentences come from.
    static let questions: [(question: String, word: String, document: String, fromDocument: Int)] = [
        ("What are the side effects of CAR T-cell therapy?", "infections", "car-t-side-effects.md", 2),
        ("What causes mesothelioma?", "asbestos", "overview-and-risk-factors.md", 2),
        ("What are the risk factors for mesothelioma?", "asbestos", "overview-and-risk-factors.md", 3),
        (
            "What is the first-line immunotherapy for pleural mesothelioma?", "ipilimumab",
            "first-line-immunotherapy-nivolumab-ipilimumab.md", 1
        ),
        ("How do checkpoint inhibitors work?", "T cell", "checkpoint-inhibitors.md", 3),
        ("What are the symptoms of mesothelioma?", "fluid", "symptoms-and-diagnosis.md", 2),
        ("What is HIPEC?", "heated", "peritoneal-mesothelioma-crs-hipec.md", 1),
        ("How is pleural mesothelioma staged?", "TNM", "staging-pleural-tnm.md", 1),
        ("Which cancers is CAR T-cell therapy approved for?", "FDA", "car-t-approved-uses.md", 3),
        ("What is TIL therapy?", "inside a tumor", "til-and-tcr-therapy.md", 3),
        ("What does radiation therapy do for mesothelioma?", "high-energy", "radiation-therapy.md", 3),
        (
            "What immune-related side effects can checkpoint inhibitors cause?", "rash",
            "immune-related-side-effects.md", 1
        ),
        ("How does CAR-T cell therapy work for mesothelioma?", "genetically modified", "car-t-how-it-works.md", 2),
        ("What is cytokine release syndrome?", "cytokines", "car-t-side-effects.md", 2),
        ("What treatments are there for recurrent mesothelioma?", "not used the first time", "recurrent-disease.md", 1),
        ("What are cancer treatment vaccines?", "already have cancer", "cancer-treatment-vaccines.md", 3),
    ]

    /// Questions over three NCI pages (CAR T cells, mesothelioma treatment, skin cancer prevention), the same way.
    static let nciQuestions: [(question: String, word: String, document: String, fromDocument: Int)] = [
        (
            "How can CRS be managed after CAR T-cell therapy?", "tocilizumab",
            "about-cancer-treatment-research-car-t-cells.md", 3
        ),
        (
            "Who was the first CAR T-cell therapy approved for?", "children",
            "about-cancer-treatment-research-car-t-cells.md", 3
        ),
        (
            "What are the side effects of CAR T-cell therapy?", "cytokine release syndrome",
            "about-cancer-treatment-research-car-t-cells.md", 2
        ),
        ("Does selenium lower the risk of skin cancer?", "selenium", "types-skin-patient-skin-prevention-pdq.md", 2),
        ("Can sunscreen prevent skin cancer?", "sunburns", "types-skin-patient-skin-prevention-pdq.md", 3),
        ("What is pleurodesis?", "scar", "types-mesothelioma-patient-mesothelioma-treatment-pdq.md", 2),
        ("What is HIPEC?", "peritoneum", "types-mesothelioma-patient-mesothelioma-treatment-pdq.md", 2),
    ]

    @Test(.enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)), arguments: questions)
    func answersHoldWhatTheQuestionAsks(_ item: (question: String, word: String, document: String, fromDocument: Int))
        async throws
    {
        let fixture = try #require(await DemoGroundingFixture.shared)
        try expectAnswer(item, over: fixture.grounder.retriever)
    }

    @Test(
        .enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)),
        .enabled(if: SharedData.nciPDQ != nil, Comment(rawValue: SharedData.missingMessage)), arguments: nciQuestions)
    func answersOverNCIPagesHoldWhatTheQuestionAsks(
        _ item: (question: String, word: String, document: String, fromDocument: Int)
    ) throws {
        let fixture = try #require(NCIGroundingFixture.shared)
        try expectAnswer(item, over: fixture.grounder.retriever)
    }

    /// The answer to `item.question` holds `item.word`, draws `item.fromDocument` sentences from `item.document`,
    /// and has no sentence about the reader, none that is not a sentence (a heading), none that leans on another.
    private func expectAnswer(
        _ item: (question: String, word: String, document: String, fromDocument: Int), over retriever: Retriever
    ) throws {
        let answer = try ExtractiveAnswerer(retriever: retriever).answer(item.question)
        let texts = answer.sentences.map(\.text)
        #expect(texts.allSatisfy(ExtractiveAnswerer.canStandAlone), "\(item.question): \(texts)")
        #expect(texts.contains { $0.localizedCaseInsensitiveContains(item.word) }, "\(item.question): \(texts)")
        let documents = answer.sentences.map { answer.references[$0.reference - 1].document }
        #expect(
            documents.filter { $0 == item.document || $0.hasSuffix("/" + item.document) }.count >= item.fromDocument,
            "\(item.question): \(documents)")
        #expect(!texts.contains { ExtractiveAnswerer.isAboutTheReader($0) }, "\(item.question): \(texts)")
    }

    @Test func headingsAndSentencesThatLeanOnTheOneBeforeCannotStandAlone() {
        #expect(!ExtractiveAnswerer.canStandAlone("Managing the side effects of CAR T-cell therapies"))
        #expect(!ExtractiveAnswerer.canStandAlone("| Median overall survival | 18.1 months | 14.1 months |"))
        #expect(!ExtractiveAnswerer.canStandAlone("And it can develop in some people who have no risk factors."))
        #expect(ExtractiveAnswerer.canStandAlone("Before CAR T-cell therapies, many were “virtually untreatable.”"))
        #expect(ExtractiveAnswerer.canStandAlone("CRS can be managed with tocilizumab (Actemra) and steroids."))
    }

    @Test func questionKindsAndFocus() {
        #expect(
            QuestionKind("How does CAR-T cell therapy work for mesothelioma?").focus
                == "How does CAR-T cell therapy work?")
        #expect(QuestionKind("How is radiation therapy used in lung cancer?").focus == "How is radiation therapy used?")
        #expect(QuestionKind("How long does CAR-T take?").isHow == false)
        #expect(QuestionKind("What is mesothelioma?").focus == nil)
        #expect(QuestionKind("What causes mesothelioma?").asksCause)
        #expect(
            QuestionKind("What causes mesothelioma?").focus == "What are the causes and risk factors of mesothelioma?")
        #expect(!ExtractiveAnswerer.namesACause("The site of origin matters because the treatments differ."))
        #expect(ExtractiveAnswerer.namesACause("Most cases follow exposure to asbestos."))
    }

    @Test func sentencesAboutTheReaderAreRecognised() {
        #expect(
            ExtractiveAnswerer.isAboutTheReader(
                "People with mesothelioma sometimes read about CAR T-cell successes and ask whether it can help them."))
        #expect(ExtractiveAnswerer.isAboutTheReader("Many patients wonder whether surgery is possible."))
        #expect(
            ExtractiveAnswerer.isAboutTheReader(
                "Because the disease is rare, some people ask a second doctor to review the slides."))
        #expect(
            !ExtractiveAnswerer.isAboutTheReader("Patients receive lymphodepleting chemotherapy before the infusion."))
        #expect(!ExtractiveAnswerer.isAboutTheReader("CAR T cells kill cancer cells that carry the target antigen."))
    }
}
