import EvidentTestSupport
import Testing

@testable import Evident

/// The word rules for what a clinical claim pins down: population, line of therapy, treatment, certainty and
/// whether an effect was found.
@Suite(.offThePool) struct ClinicalConflictTests {
    private let comparer = ClaimComparer(analyzer: Analyzer(), inverseDocumentFrequency: { _ in 1 })

    @Test func theLineOfTherapyIsReadFromItsManyPhrasings() {
        let first = [
            "Nivolumab plus ipilimumab is a first-line option.", "It is used as initial treatment for adults.",
            "It enrolled 605 people who had not yet been treated.", "Patients with newly diagnosed disease.",
            "A trial in previously untreated pleural mesothelioma.",
        ]
        for text in first { #expect(ClaimWords(text).line?.line == .first, "\(text)") }
        let later = [
            "Nivolumab is a second-line option.", "Patients whose disease progressed after platinum.",
            "Treatment of recurrent mesothelioma.", "Mesothelioma that has come back after chemotherapy.",
            "They can be used as second-line treatments, that is, after the initial, or first-line, treatment.",
        ]
        for text in later { #expect(ClaimWords(text).line?.line == .later, "\(text)") }
        // Both lines named, or none: no line to contradict on.
        #expect(ClaimWords("It was tested first-line and in second-line disease.").line == nil)
        #expect(ClaimWords("Nivolumab improved overall survival.").line == nil)
    }

    @Test func anotherLineOfTherapyIsAConflict() {
        let comparison = comparer.compare(
            claim: "Gemcitabine plus ramucirumab is a first-line treatment for pleural mesothelioma.",
            sentence: "Patients whose pleural mesothelioma progressed after pemetrexed and platinum received "
                + "gemcitabine plus ramucirumab.")
        #expect(comparison.conflicts == [.lineOfTherapy(claim: "first-line", source: "progressed after")])
        // From the headings when the sentence names no line.
        let heading = comparer.compare(
            claim: "Nivolumab is a first-line treatment for mesothelioma.",
            sentence: "Median overall survival was 10.2 months with nivolumab.",
            context: "Recurrent Malignant Mesothelioma: Second-Line Options")
        #expect(heading.conflicts == [.lineOfTherapy(claim: "first-line", source: "recurrent")])
    }

    @Test func anotherPopulationIsAConflictButNamingBothIsNot() {
        let age = comparer.compare(
            claim: "Pembrolizumab is approved for pleural mesothelioma in children.",
            sentence: "Pembrolizumab is approved for pleural mesothelioma in adults.")
        #expect(age.conflicts == [.population(claim: "children", source: "adults")])
        let site = comparer.compare(
            claim: "The survival gain was shown in peritoneal mesothelioma.",
            sentence: "The survival gain was shown in pleural mesothelioma only.")
        #expect(site.conflicts == [.population(claim: "peritoneal", source: "pleural")])
        let both = comparer.compare(
            claim: "CRS can be managed with tocilizumab in children.",
            sentence: "In many patients, both children and adults, CRS can be managed with tocilizumab.")
        #expect(both.conflicts.isEmpty)
        let heading = comparer.compare(
            claim: "Bevacizumab improved survival in peritoneal mesothelioma.",
            sentence: "Median OS was 18.8 months with bevacizumab.", context: "Pleural Mesothelioma: Bevacizumab")
        #expect(heading.conflicts == [.population(claim: "peritoneal", source: "pleural")])
    }

    @Test func drugsAreFoundByTheirNamesAndEndings() {
        let words = ClaimWords(
            "Nivolumab, pemetrexed, gemcitabine, cisplatin, vinorelbine, dexamethasone and CAR T cells; "
                + "not chemotherapy, surgery or a concept.")
        #expect(
            words.treatments == [
                "nivolumab", "pemetrexed", "gemcitabine", "cisplatin", "vinorelbine", "dexamethasone",
                "CAR T-cell therapy",
            ])
    }

    @Test func anEffectGivenToTheWrongTreatmentIsAConflict() {
        let partner = comparer.compare(
            claim: "Nivolumab plus pemetrexed improved median overall survival.",
            sentence: "Nivolumab plus ipilimumab improved median overall survival.")
        #expect(partner.conflicts == [.treatment(claim: "pemetrexed", source: "ipilimumab")])
        let sideEffect = comparer.compare(
            claim: "Cytokine release syndrome is a common side effect of pemetrexed.",
            sentence: "CAR T-cell therapy can cause cytokine release syndrome.")
        #expect(sideEffect.conflicts == [.treatment(claim: "pemetrexed", source: "CAR T-cell therapy")])
        // Naming fewer of the sentence's drugs, or drugs the sentence does not name while it names none, is no
        // conflict; a drug named neither in the sentence nor in its headings makes the support inexact.
        let fewer = comparer.compare(
            claim: "Nivolumab improved median overall survival.",
            sentence: "Nivolumab plus ipilimumab improved median overall survival.")
        #expect(fewer.conflicts.isEmpty && fewer.isExact)
        let unnamed = comparer.compare(
            claim: "Bevacizumab raised median overall survival to 18.8 months.",
            sentence: "Median overall survival rose to 18.8 months with the three-drug regimen.")
        #expect(unnamed.conflicts.isEmpty && unnamed.missingTreatments == ["bevacizumab"] && !unnamed.isExact)
    }

    @Test func anEffectWhereTheSourceFoundNoneIsAConflict() {
        let similar = comparer.compare(
            claim: "Oral vinorelbine improves overall survival in recurrent mesothelioma.",
            sentence: "Median PFS was 4.2 months vs. 2.8 months, but median OS was similar.")
        #expect(similar.conflicts == [.noEffect(claim: "improves", source: "similar")])
        let significance = comparer.compare(
            claim: "Maintenance gemcitabine lengthened overall survival.",
            sentence: "Median overall survival was 16.4 months vs. 13.4 months, a difference that was not "
                + "statistically significant.")
        #expect(
            significance.conflicts.contains(.noEffect(claim: "lengthened", source: "not statistically significant")))
        // A null finding about another end point does not contradict the claim.
        let other = comparer.compare(
            claim: "Vinorelbine improved progression-free survival.",
            sentence: "Vinorelbine improved progression-free survival, but response rates were similar.")
        #expect(other.conflicts.isEmpty)
        // "was not associated with", "no effect": no effect found.
        let association = comparer.compare(
            claim: "Current use of ADHD medications increases the risk of cardiovascular events.",
            sentence: "Current use of ADHD medications was not associated with an increased risk of cardiovascular "
                + "events.")
        #expect(association.conflicts.contains(.noEffect(claim: "increases", source: "not associated")))
        let effect = comparer.compare(
            claim: "Vitamin D lowers the risk of fractures.",
            sentence: "Vitamin D had no effect on the risk of fractures.")
        #expect(effect.conflicts.contains(.noEffect(claim: "lowers", source: "no effect")))
        let elsewhere = comparer.compare(
            claim: "Vitamin D lowers the risk of fractures.",
            sentence: "Vitamin D lowered the risk of fractures, but was not associated with falls.")
        #expect(elsewhere.conflicts.isEmpty)
    }

    @Test func claimedCertaintyNeedsASourceAsFirm() {
        let always = comparer.compare(
            claim: "Nivolumab plus ipilimumab always extends survival.",
            sentence: "Overall survival was longer with nivolumab plus ipilimumab.")
        #expect(always.overstatement == "always" && !always.isExact && always.conflicts.isEmpty)
        let every = comparer.compare(
            claim: "Surgery for local recurrence is safe for every patient.",
            sentence: "In 47 carefully selected patients, surgery for local recurrence was done safely.")
        #expect(every.overstatement == "every")
        let clearly = comparer.compare(
            claim: "Nicotinamide clearly prevents actinic keratoses.",
            sentence: "Nicotinamide significantly reduced new actinic keratoses.")
        #expect(clearly.overstatement == nil)
        let all = comparer.compare(
            claim: "All patients took dexamethasone around each pemetrexed dose.",
            sentence: "All patients also took dexamethasone around each pemetrexed dose.")
        #expect(all.overstatement == nil && all.isExact)
    }

    @Test func aSentenceThatOnlyDescribesATrialDoesNotStateAnEffect() {
        let design = comparer.compare(
            claim: "Oral vinorelbine improves overall survival.",
            sentence: "In the VIM trial, 154 patients were assigned 2:1 to oral vinorelbine or to symptom control.")
        #expect(!design.statesEffect && !design.isExact)
        let finding = comparer.compare(
            claim: "Oral vinorelbine improves progression-free survival.",
            sentence: "Median PFS was 4.2 months with oral vinorelbine vs. 2.8 months with symptom control.")
        #expect(finding.statesEffect)
    }

    @Test func aValueOfNoneAfterVersusIsNoNegation() {
        let comparison = comparer.compare(
            claim: "Bevacizumab brought more high blood pressure.",
            sentence: "Bevacizumab brought more high blood pressure (23% vs. none).")
        #expect(comparison.conflicts.isEmpty)
    }
}
