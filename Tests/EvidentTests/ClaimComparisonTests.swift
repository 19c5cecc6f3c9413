import EvidentTestSupport
import Testing

@testable import Evident

@Suite(.offThePool) struct ClaimComparisonTests {
    private let comparer = ClaimComparer(analyzer: Analyzer(), inverseDocumentFrequency: { _ in 1 })

    @Test func wordsKeepNumbersHyphensAndContractionsWhole() {
        #expect(
            ClaimWords.words(of: "CAR-T doesn't raise 18.1% (1,000 people), 10-12 weeks.")
                == ["car-t", "doesn't", "raise", "18.1%", "1,000", "people", "10", "to", "12", "weeks"])
    }

    @Test func numbersAreReadWithTheUnitAfterThemAndRangesShareIt() {
        let words = ClaimWords("It takes about 10 to 12 weeks; about 95% of people, 18.10 months vs. 14.1 months.")
        #expect(words.quantities["weeks"] == ["10", "12"])
        #expect(words.quantities["%"] == ["95"])
        #expect(words.quantities["months"] == ["18.1", "14.1"])
        #expect(ClaimWords("Stage 2 disease in 2019").quantities.isEmpty)
        #expect(
            ClaimWords("Tumors shrink by half within a month, in two weeks.").quantities == [
                "months": ["1"], "weeks": ["2"],
            ])
    }

    @Test func anotherDurationOrPercentageIsANumberConflict() {
        let duration = comparer.compare(
            claim: "The whole process takes about 10 to 12 weeks.",
            sentence: "The whole process, from collection to infusion, usually takes about 3 to 5 weeks.")
        #expect(duration.conflicts == [.number(claim: "10, 12 weeks", source: "3, 5 weeks")])
        let share = comparer.compare(
            claim: "About 95% of people with mesothelioma were exposed to asbestos.",
            sentence: "About 70% to 80% of people with mesothelioma were exposed to asbestos at work.")
        #expect(share.conflicts == [.number(claim: "95 %", source: "70, 80 %")])
        let same = comparer.compare(
            claim: "Median overall survival was 18.1 months vs. 14.1 months with chemotherapy.",
            sentence: "Median overall survival was 18.1 months with the combination and 14.1 months with chemotherapy.")
        #expect(same.conflicts.isEmpty && !same.missesQuantities)
        let vague = comparer.compare(
            claim: "About 95% of people with mesothelioma were exposed to asbestos.",
            sentence: "Most people with mesothelioma were exposed to asbestos.")
        #expect(vague.conflicts.isEmpty && vague.missesQuantities)
        // Durations compare across units: 6 months is not 3 to 5 weeks; a month is.
        let months = comparer.compare(
            claim: "The process takes about 6 months.", sentence: "The process takes about 3 to 5 weeks.")
        #expect(months.conflicts == [.number(claim: "6 months", source: "3, 5 weeks")])
        let month = comparer.compare(
            claim: "The process takes about a month.", sentence: "The process takes about 3 to 5 weeks.")
        #expect(month.conflicts.isEmpty && !month.missesQuantities)
    }

    @Test func negationStatusAndDirectionConflicts() {
        #expect(
            comparer.compare(claim: "Surgery is recommended.", sentence: "Surgery is not recommended.").conflicts
                .contains(.negation))
        #expect(
            comparer.compare(
                claim: "CAR T-cell therapy is FDA-approved as a standard first-line treatment for mesothelioma.",
                sentence: "For mesothelioma, CAR T-cell therapy is experimental and offered only in clinical trials."
            ).conflicts == [.status(claim: "fda-approved", source: "experimental")])
        #expect(
            comparer.compare(claim: "The drug increases survival.", sentence: "The drug reduces survival.").conflicts
                == [.direction(claim: "increases", source: "reduces")])
        // A negated direction is no direction: "does not lower" is not the opposite of "increased".
        let negatedDirection = comparer.compare(
            claim: "Selenium does not lower the risk of basal cell carcinoma.",
            sentence: "Selenium increased the risk of squamous cell carcinoma.")
        #expect(!negatedDirection.conflicts.contains { if case .direction = $0 { true } else { false } })
        #expect(
            comparer.compare(
                claim: "Selenium lowers the risk of basal cell carcinoma.",
                sentence: "Selenium does not lower the risk but may increase the risk of other cancers."
            ).conflicts.contains(.direction(claim: "lowers", source: "increase")))
        // Verbs of promoting and inhibiting, and nouns of change, give directions too.
        #expect(
            comparer.compare(
                claim: "Antibodies to N-cadherin encourage castration resistance.",
                sentence: "Antibodies to N-cadherin delayed the emergence of castration resistance."
            ).conflicts == [.direction(claim: "encourage", source: "delayed")])
        #expect(
            comparer.compare(
                claim: "Antiretroviral therapy increases rates of tuberculosis.",
                sentence: "Antiretroviral therapy is associated with a reduction in the incidence of tuberculosis."
            ).conflicts == [.direction(claim: "increases", source: "reduction")])
    }

    @Test func keyTermsMissingFromTheSentenceAndItsContextAreReported() {
        let comparison = comparer.compare(
            claim: "Nivolumab plus ipilimumab helps people with mesothelioma whose T cells respond.",
            sentence: "Nivolumab plus ipilimumab helps people with melanoma.",
            context: "Melanoma treatment")
        #expect(comparison.missingKeyTerms == ["mesothelioma", "t cells"])
        #expect(ClaimWords("PD-L1 and BRCA1 with pembrolizumab").keyTerms == ["pd-l1", "brca1", "pembrolizumab"])
    }

    @Test func keyTermsAreKindsOfCellsAndNamesWithoutTheirQualifiers() {
        // "cell" before another noun qualifies it (cell cycle, cell death, cell type): no kind of cell is named.
        #expect(
            ClaimWords("GATA3 regulates cell cycle progression in stem cells.").keyTerms == ["gata3", "stem cells"])
        #expect(ClaimWords("Microglia are an innate immune cell type.").keyTerms.isEmpty)
        #expect(ClaimWords("MICAL enzymes act in many cells and in myeloid cells.").keyTerms == ["myeloid cells"])
        #expect(ClaimWords("Surfactin producing cells cooperate.").keyTerms.isEmpty)
        // "TDP-43-induced" and "UCP1-dependent" name TDP-43 and UCP1.
        #expect(ClaimWords("It blocks TDP-43-induced loss.").keyTerms == ["tdp-43"])
        #expect(ClaimWords("a UCP1-dependent mechanism").keyTerms == ["ucp1"])
        // The key terms a sentence misses: a name qualified in one and bare in the other, written with or without
        // its hyphen or in British spelling, and a kind of cell named in a compound, are the same term.
        let cases: [(claim: String, sentence: String, missing: [String])] = [
            (
                "Blocking TDP-43-induced neuronal loss prevents toxicity.",
                "Suppressing TDP-43 mitochondrial localization prevents neuronal loss.", []
            ),
            ("IL-6 signalling drives disease.", "IL6 signalling drives disease.", []),
            ("IL-6 signalling drives disease.", "IL-8 signalling drives disease.", ["il-6"]),
            ("Oncogenes drive leukaemia.", "Oncogenes drive leukemia.", []),
            ("Progerin ages stem cells.", "Progerin ages stem cell pools.", []),
            ("Progerin ages stem cells.", "Progerin ages stem tissue.", ["stem cells"]),
        ]
        for (claim, sentence, missing) in cases {
            #expect(comparer.compare(claim: claim, sentence: sentence).missingKeyTerms == missing, "\(claim)")
        }
    }

    @Test func aNonPrefixedDiseaseIsAnotherDisease() {
        let hodgkin = comparer.compare(
            claim: "Hodgkin lymphoma in children is treated with chemotherapy.",
            sentence: "Children with non-Hodgkin lymphoma are treated with chemotherapy.")
        #expect(hodgkin.missingKeyTerms == ["hodgkin"])
        // The heading names the other disease, the sentence neither: still another disease.
        let byHeading = comparer.compare(
            claim: "Melanoma is prevented by sunscreen.", sentence: "Sunscreen prevents sunburn.",
            context: "Nonmelanoma skin cancer prevention")
        #expect(byHeading.missingKeyTerms.contains("melanoma"))
        // A sentence that names both is about the claim's disease too.
        let both = comparer.compare(
            claim: "Hodgkin lymphoma is treated with chemotherapy.",
            sentence: "Hodgkin lymphoma and non-Hodgkin lymphoma are treated with chemotherapy.")
        #expect(both.missingKeyTerms.isEmpty)
        let reverse = comparer.compare(
            claim: "Nonmelanoma skin cancer is the most common cancer.", sentence: "Melanoma is a skin cancer.")
        #expect(reverse.missingKeyTerms.contains("nonmelanoma"))
    }

    @Test func answerSentencesMustStandAlone() {
        #expect(ExtractiveAnswerer.canStandAlone("CAR T cells are grown in the laboratory for several weeks."))
        #expect(!ExtractiveAnswerer.canStandAlone("Today, it’s a cornerstone of cancer treatment for many."))
        #expect(!ExtractiveAnswerer.canStandAlone("These cells are then infused back into the patient."))
        #expect(!ExtractiveAnswerer.canStandAlone("To learn more about side effects, visit Side Effects."))
        #expect(!ExtractiveAnswerer.canStandAlone("What are the side effects of CAR T-cell therapy?"))
        #expect(!ExtractiveAnswerer.canStandAlone("Lymphodepletion."))
        #expect(!ExtractiveAnswerer.canStandAlone("Ask whether a cell-therapy trial is open and suitable."))
        #expect(!ExtractiveAnswerer.canStandAlone("This page is for general education only and is not medical advice."))
    }

    @Test func coverageWeighsTheClaimsContentTermsFoundInTheSentenceOrItsContext() {
        let full = comparer.compare(
            claim: "T cells are collected from the blood.",
            sentence: "Doctors collect T cells from your blood in a process called leukapheresis.")
        #expect(full.coverage == 1)
        #expect(full.precision < 1)
        let half = comparer.compare(claim: "Chemotherapy shrinks tumors.", sentence: "Chemotherapy has side effects.")
        #expect(abs(half.coverage - 1.0 / 3.0) < 1e-9)
        let withContext = comparer.compare(
            claim: "Chemotherapy shrinks mesothelioma.", sentence: "Chemotherapy shrinks tumors.",
            context: "Mesothelioma treatment")
        #expect(withContext.coverage == 1)
    }

    @Test func quotesAreRecognisedAfterNormalisation() {
        #expect(
            comparer.compare(
                claim: "CAR T cells are given back through a vein",
                sentence: "After chemotherapy, the CAR T cells are given back through a vein (infused)."
            ).isQuote)
        #expect(!comparer.compare(claim: "CAR T cells are given", sentence: "Cells are grown.").isQuote)
    }
}
