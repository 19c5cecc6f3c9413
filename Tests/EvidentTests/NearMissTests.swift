import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// Claims of the kinds an answer gets wrong most dangerously while reading right: more certainty than the source
/// gives, another population, another line of therapy, another drug combination, a side effect given to the
/// wrong treatment. None may come out `supported`; the facts they twist must.
enum NearMiss: String, CaseIterable, Sendable {
    case certainty = "overstated certainty"
    case population = "a wrong population"
    case line = "a wrong line of therapy"
    case combination = "a wrong drug combination"
    case sideEffect = "a side effect of the wrong treatment"

    /// Grounds `claim`, a near miss of this kind, with `grounder` and expects it not to come out `supported`.
    @discardableResult
    func expectNotSupported(
        _ claim: String, by grounder: Grounder, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> GroundedClaim {
        let grounded = try grounder.ground(claims: [(id: nil, text: claim)])[0]
        #expect(
            grounded.verdict != .supported,
            "\(rawValue): \(claim) came out supported (\(grounded.support ?? 0)): \(grounded.citations.map(\.quote))",
            sourceLocation: sourceLocation)
        return grounded
    }

    /// Grounds `facts`, what near misses twist said right, with `grounder` and expects each to be `supported`.
    static func expectSupported(
        _ facts: [String], by grounder: Grounder, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for claim in try grounder.ground(claims: facts.map { (id: nil, text: $0) }) {
            #expect(
                claim.verdict == .supported, "\(claim.text): \(claim.verdict?.rawValue ?? "")",
                sourceLocation: sourceLocation)
        }
    }
}

@Suite(.offThePool, .enabled(if: SharedData.miniLMModel != nil, Comment(rawValue: SharedData.missingModelMessage)))
struct DemoNearMissTests {
    /// Over `Corpus/`; each comment says what the corpus says.
    static let nearMisses: [(NearMiss, String)] = [
        // Overall survival was significantly longer (a median).
        (.certainty, "Nivolumab plus ipilimumab always extends survival in pleural mesothelioma."),
        // Its effect on survival is unclear (16.4 vs. 13.4 months, not significant).
        (.certainty, "Maintenance gemcitabine clearly lengthens overall survival after platinum and pemetrexed."),
        // Durvalumab is still under study.
        (.certainty, "Durvalumab is an established first-line treatment for pleural mesothelioma."),
        // Done safely in 47 carefully selected patients.
        (.certainty, "Surgery for local recurrence is safe for every patient whose mesothelioma returns."),
        // Median OS was similar (9.3 vs. 9.1 months).
        (.certainty, "Oral vinorelbine improves overall survival in recurrent mesothelioma."),
        // Its benefit has not been shown in peritoneal disease.
        (.certainty, "The benefit of bevacizumab has been proven in peritoneal mesothelioma."),
        // PD-L1 expression did not predict benefit.
        (.certainty, "PD-L1 expression predicts benefit from nivolumab after platinum-based chemotherapy."),
        // Shown in pleural mesothelioma only.
        (.population, "The survival gain with nivolumab plus ipilimumab was shown in peritoneal mesothelioma."),
        // Approved in adults.
        (.population, "Pembrolizumab is approved for malignant pleural mesothelioma in children."),
        // Unresectable pleural mesothelioma.
        (.population, "The IFCT-GFPC-0701 trial enrolled 448 patients with peritoneal mesothelioma."),
        // People who had not yet been treated.
        (.population, "CheckMate 743 enrolled 605 people with previously treated pleural mesothelioma."),
        // Patients with peritoneal mesothelioma.
        (
            .population,
            "In the expanded access program, 29 patients with pleural mesothelioma received pemetrexed with "
                + "carboplatin."
        ),
        // A first-line option.
        (.line, "Nivolumab plus ipilimumab is a second-line option for advanced pleural mesothelioma."),
        // After platinum-based chemotherapy.
        (
            .line,
            "The CONFIRM trial tested nivolumab as first-line treatment in mesothelioma that had never been treated."
        ),
        // After pemetrexed and platinum.
        (.line, "Gemcitabine plus ramucirumab is a first-line treatment for pleural mesothelioma."),
        // A standard first treatment.
        (.line, "Pemetrexed plus cisplatin is a standard second-line treatment for mesothelioma."),
        // As initial treatment.
        (
            .line,
            "Pembrolizumab with pemetrexed and platinum is approved for mesothelioma that has come back after "
                + "earlier chemotherapy."
        ),
        // Nivolumab plus ipilimumab.
        (
            .combination,
            "Nivolumab plus pemetrexed improved median overall survival to 18.1 months vs. 14.1 months with chemotherapy."
        ),
        // Pemetrexed, cisplatin and bevacizumab.
        (.combination, "Median OS was 18.8 months with pemetrexed, carboplatin and bevacizumab."),
        // Durvalumab with a platinum drug and pemetrexed.
        (.combination, "Durvalumab plus ipilimumab gave a median overall survival of 20.4 months in PrE0505."),
        // Gemcitabine plus ramucirumab.
        (
            .combination,
            "In the RAMES trial, gemcitabine plus bevacizumab gave a median overall survival of 13.8 months."
        ),
        // Nivolumab blocks PD-1, ipilimumab CTLA-4.
        (.combination, "Ipilimumab blocks PD-1 and nivolumab blocks CTLA-4."),
        // With pemetrexed and platinum.
        (.combination, "Pembrolizumab is approved for mesothelioma together with gemcitabine."),
        // Bevacizumab did.
        (
            .sideEffect,
            "Nivolumab plus ipilimumab brought more grade 3 or higher high blood pressure and more blood clots."
        ),
        // The immunotherapy pair.
        (
            .sideEffect,
            "Pemetrexed caused the treatment-related deaths from pneumonitis and encephalitis in CheckMate 743."
        ),
        // CAR T-cell therapy.
        (.sideEffect, "Cytokine release syndrome is a common side effect of pemetrexed."),
        // Around each pemetrexed dose.
        (.sideEffect, "All patients took dexamethasone around each cisplatin dose to prevent rash."),
        // Durvalumab with chemotherapy.
        (
            .sideEffect,
            "Anemia, low sodium and fatigue were the most common serious side effects of nivolumab in PrE0505."
        ),
        // CAR T cells are the genetically modified ones.
        (.sideEffect, "Checkpoint inhibitors cause cytokine release syndrome because they genetically modify T cells."),
        // Nivolumab plus ipilimumab.
        (.sideEffect, "Bevacizumab caused the treatment-related deaths from pneumonitis in CheckMate 743."),
    ]

    @Test func everyKindHasItsNearMisses() {
        for kind in NearMiss.allCases {
            #expect(Self.nearMisses.filter { $0.0 == kind }.count >= 5, "\(kind.rawValue)")
        }
    }

    @Test(arguments: nearMisses.indices)
    func nearMissesAreNotSupported(_ position: Int) async throws {
        let (kind, claim) = Self.nearMisses[position]
        let fixture = try #require(await DemoGroundingFixture.shared)
        let grounded = try kind.expectNotSupported(claim, by: fixture.grounder)
        try fixture.expectQuotesMatchTheirSources([grounded])
    }

    /// What the near misses twist, said right: the rules that catch them must not catch these.
    @Test func theFactsTheyTwistAreSupported() async throws {
        let fixture = try #require(await DemoGroundingFixture.shared)
        let facts = [
            "Pembrolizumab is approved for malignant pleural mesothelioma in adults, together with pemetrexed and "
                + "platinum chemotherapy.",
            "Nivolumab plus ipilimumab is a first-line option for advanced pleural mesothelioma.",
            "Bevacizumab brought more high blood pressure and more blood clots.",
            "CAR T-cell therapy can cause cytokine release syndrome.",
            "Maintenance gemcitabine delays progression after platinum plus pemetrexed.",
            "All patients took dexamethasone around each pemetrexed dose to prevent rash.",
        ]
        try NearMiss.expectSupported(facts, by: fixture.grounder)
    }
}

@Suite(
    .offThePool,
    .enabled(if: SharedData.miniLMModel != nil, Comment(rawValue: SharedData.missingModelMessage)),
    .enabled(if: SharedData.nciPDQ != nil, Comment(rawValue: SharedData.missingMessage)))
struct NCINearMissTests {
    /// Over three NCI pages (CAR T cells, mesothelioma treatment, skin cancer prevention).
    static let nearMisses: [(NearMiss, String)] = [
        // To treat children.
        (
            .population,
            "The FDA approved the first CAR T-cell therapy in 2017 to treat adults with acute lymphoblastic leukemia."
        ),
        // For children with relapsed ALL.
        (
            .population,
            "Tisa-cel is now a standard and recommended treatment for adults with ALL that has relapsed after "
                + "multiple other treatments."
        ),
        // Spread to the peritoneum.
        (.population, "HIPEC may be used to treat mesothelioma that has spread to the pleura."),
        // As second-line treatments.
        (
            .line,
            "The approved uses of two CAR T-cell therapies have been expanded so that they can be used as "
                + "first-line treatments for adults with some blood cancers."
        ),
        // As a second-line treatment.
        (
            .line,
            "A clinical trial is testing a CAR T-cell therapy as a first-line treatment in children with high-risk B-cell ALL."
        ),
        // With tocilizumab.
        (
            .combination,
            "In many patients, both children and adults, CRS can be managed with anakinra and, if needed, steroids."
        ),
        // DFMO did.
        (
            .sideEffect,
            "Celecoxib caused greater hearing loss than placebo in people with a history of nonmelanoma skin cancer."
        ),
        // It is not known.
        (.certainty, "Sunscreen always prevents nonmelanoma skin cancer."),
        // More studies are needed.
        (.certainty, "Nicotinamide clearly prevents nonmelanoma skin cancers from forming."),
        // No difference in squamous cell carcinoma rates.
        (.certainty, "Those who took DFMO had lower rates of squamous cell carcinoma than those who took a placebo."),
    ]

    @Test(arguments: nearMisses.indices)
    func nearMissesAreNotSupported(_ position: Int) throws {
        let (kind, claim) = Self.nearMisses[position]
        let fixture = try #require(NCIGroundingFixture.shared)
        try kind.expectNotSupported(claim, by: fixture.grounder)
    }

    @Test func theFactsTheyTwistAreSupported() throws {
        let fixture = try #require(NCIGroundingFixture.shared)
        let facts = [
            "The FDA approved the first CAR T-cell therapy in 2017 to treat children with acute lymphoblastic leukemia.",
            "Two CAR T-cell therapies can now be used as second-line treatments for adults with some blood cancers.",
            "In many patients, CRS can be managed with tocilizumab and, if needed, steroids.",
            "HIPEC may be used to treat mesothelioma that has spread to the peritoneum.",
        ]
        try NearMiss.expectSupported(facts, by: fixture.grounder)
    }
}
