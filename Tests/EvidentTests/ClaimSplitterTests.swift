import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct ClaimSplitterTests {
    let splitter = ClaimSplitter()

    /// The texts of the claims of `answer`.
    func claimTexts(_ answer: String) -> [String] {
        splitter.claims(in: answer).filter(\.isClaim).map(\.text)
    }

    /// The part texts of the single claim of `answer`.
    func partTexts(_ answer: String) throws -> [String] {
        let claims = splitter.claims(in: answer)
        try #require(claims.count == 1)
        return claims[0].parts.map(\.text)
    }

    /// What is wrong with the ranges of `claims` in `answer`: each must be in order, not overlapping, without
    /// whitespace around it, and clean back to its text; each part's range must lie inside its claim's and clean
    /// back to its text (the end of it, for a rebuilt part).
    static func rangeProblems(of claims: [AnswerClaim], in answer: String) -> [String] {
        var problems: [String] = []
        var previousEnd = 0
        for claim in claims {
            let quote = String(answer.scalarSlice(claim.range))
            if claim.range.lowerBound < previousEnd { problems.append("\(claim.text): overlaps the piece before") }
            previousEnd = claim.range.upperBound
            if quote.first?.isWhitespace ?? true || quote.last?.isWhitespace ?? true {
                problems.append("\(claim.text): quote \(quote.debugDescription) has whitespace around it")
            }
            let recleaned = MarkdownCleaner.cleanInline(quote[...], as: .markdown)
            if recleaned != claim.text { problems.append("\(claim.text): quote cleans to \(recleaned)") }
            for part in claim.parts {
                let partQuote = MarkdownCleaner.cleanInline(answer.scalarSlice(part.range), as: .markdown)
                let matches = part.isRebuilt ? part.text.hasSuffix(" " + partQuote) : part.text == partQuote
                if !matches { problems.append("part \(part.text): quote cleans to \(partQuote)") }
                if !claim.range.contains(part.range.lowerBound) || part.range.upperBound > claim.range.upperBound {
                    problems.append("part \(part.text): outside its claim")
                }
            }
        }
        return problems
    }

    // MARK: The sample answer

    /// The claims that the HTML comment of `Corpus/answers/car-t-mesothelioma.md` lists ("  S1  \"…\"  -> …"),
    /// in reading order: the sentences S1, S2 … then the bullets B1, B2 ….
    static func listedClaims(in answer: String) -> [String] {
        var listed: [(order: Int, text: String)] = []
        for line in answer.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            guard let kind = trimmed.first, kind == "S" || kind == "B",
                let space = trimmed.firstIndex(of: " "),
                let number = Int(trimmed[trimmed.index(after: trimmed.startIndex)..<space]),
                let open = trimmed.firstIndex(of: "\""), let arrow = trimmed.range(of: "->"),
                let close = trimmed[..<arrow.lowerBound].lastIndex(of: "\""), open < close
            else { continue }
            let order = (kind == "S" ? 0 : 1_000) + number
            listed.append((order, String(trimmed[trimmed.index(after: open)..<close])))
        }
        return listed.sorted { $0.order < $1.order }.map(\.text)
    }

    @Test func theSampleAnswerGivesTheListedClaimsAndMarksTheRest() throws {
        let url = SharedData.demoCorpus.appendingPathComponent("answers/car-t-mesothelioma.md")
        let answer = try String(contentsOf: url, encoding: .utf8)
        let listed = Self.listedClaims(in: answer)
        #expect(listed.count == 14)
        let pieces = splitter.claims(in: answer)
        #expect(pieces.filter(\.isClaim).map(\.text) == listed)
        let notClaims = pieces.filter { !$0.isClaim }.map { ($0.kind, $0.text) }
        #expect(
            notClaims.map(\.0) == [
                .notAClaim(.heading), .notAClaim(.heading), .notAClaim(.heading), .notAClaim(.question),
                .notAClaim(.callToAction), .notAClaim(.boilerplate),
            ])
        #expect(
            notClaims.map(\.1) == [
                "How does CAR-T cell therapy work for mesothelioma?", "Is it a treatment for mesothelioma?",
                "Possible side effects", "Could a clinical trial be right for you?",
                "Ask your care team whether a CAR T-cell or other immunotherapy trial is open and suitable for you.",
                "This answer is for general education only and is not medical advice.",
            ])
        #expect(!pieces.contains { $0.text.contains("Ground truth") || $0.text.contains("S1") })
        #expect(Self.rangeProblems(of: pieces, in: answer).isEmpty, "\(Self.rangeProblems(of: pieces, in: answer))")
        // The disclaimer's range takes in its emphasis; a bullet's leaves out its marker.
        let disclaimer = try #require(pieces.last)
        #expect(answer.scalarSlice(disclaimer.range).hasPrefix("*This answer"))
        #expect(answer.scalarSlice(disclaimer.range).hasSuffix("advice.*"))
        let bullet = try #require(pieces.first { $0.text.hasPrefix("Cytokine") })
        #expect(answer.scalarSlice(bullet.range).hasPrefix("Cytokine"))
        // S4 is two clauses; the others are one part each.
        let compound = pieces.filter { $0.parts.count > 1 }
        #expect(compound.map(\.text) == [listed[3]])
        #expect(
            compound.first?.parts.map(\.text) == [
                "Before the infusion, you would usually receive lymphodepleting chemotherapy",
                "the CAR T cells are then given back through a vein.",
            ])
        #expect(pieces.filter(\.isClaim).allSatisfy { !$0.parts.isEmpty })
    }

    // MARK: Sentences and list items

    @Test func plainTextSplitsIntoSentences() {
        #expect(
            claimTexts("Mesothelioma is rare.  It is linked to asbestos.\nMost cases are pleural.")
                == ["Mesothelioma is rare.", "It is linked to asbestos.", "Most cases are pleural."])
    }

    @Test func eachListItemIsAClaimAndEachOfItsSentencesToo() {
        let answer = """
            Options include:

            1. Surgery removes the tumor. It is not always possible.
            2. Chemotherapy uses drugs.
            - Radiation uses high-energy rays.
            """
        let claims = splitter.claims(in: answer)
        #expect(
            claims.map(\.text) == [
                "Options include:", "Surgery removes the tumor.", "It is not always possible.",
                "Chemotherapy uses drugs.", "Radiation uses high-energy rays.",
            ])
        #expect(
            Array(claims.map { String(answer.scalarSlice($0.range)) }[1...3]) == [
                "Surgery removes the tumor.", "It is not always possible.", "Chemotherapy uses drugs.",
            ])
        #expect(Self.rangeProblems(of: claims, in: answer).isEmpty)
    }

    @Test func markupIsCleanedAndRangesTakeItIn() {
        let answer = "**Nivolumab** is given with *[ipilimumab](https://example.org/ipi)*. See ***the [trial](/t)***."
        let claims = splitter.claims(in: answer)
        #expect(claims.map(\.text) == ["Nivolumab is given with ipilimumab.", "See the trial."])
        #expect(
            claims.map { String(answer.scalarSlice($0.range)) } == [
                "**Nivolumab** is given with *[ipilimumab](https://example.org/ipi)*.", "See ***the [trial](/t)***.",
            ])
        #expect(claims.map(\.kind) == [.claim, .notAClaim(.callToAction)])
        #expect(Self.rangeProblems(of: claims, in: answer).isEmpty)
    }

    @Test func anEmphasisOverTwoSentencesGivesTwoClaimsWithTightRanges() {
        let answer = "**Surgery may help. Radiation may help too.** Chemotherapy is common."
        let claims = splitter.claims(in: answer)
        #expect(
            claims.map(\.text) == ["Surgery may help.", "Radiation may help too.", "Chemotherapy is common."])
        #expect(Self.rangeProblems(of: claims, in: answer).isEmpty, "\(Self.rangeProblems(of: claims, in: answer))")
    }

    @Test func abbreviationsAndDecimalsDoNotEndAClaim() {
        #expect(
            claimTexts("Smith et al. reported longer survival, e.g. 18.1 vs. 14.1 months. The dose was 2.5 mg/kg.")
                == ["Smith et al. reported longer survival, e.g. 18.1 vs. 14.1 months.", "The dose was 2.5 mg/kg."])
    }

    @Test("an answer without text has no claims", arguments: ["", "  \n\n ", "<!-- only a comment -->", "---"])
    func anAnswerWithoutTextHasNoClaims(answer: String) {
        #expect(splitter.claims(in: answer).isEmpty)
    }

    @Test func htmlCommentsGiveNothing() {
        let answer = """
            <!--
            Notes for reviewers.

            S1 "Not a claim."
            -->
            Asbestos causes mesothelioma. <!-- S1 --> It is rare.
            """
        #expect(splitter.claims(in: answer).map(\.text) == ["Asbestos causes mesothelioma.", "It is rare."])
    }

    // MARK: Kinds

    @Test(
        "questions, calls to action and disclaimers are not claims",
        arguments: [
            ("What is mesothelioma?", NonClaimReason.question),
            ("Is surgery an option (for stage I)?", .question),
            ("Ask your doctor about clinical trials.", .callToAction),
            ("Talk to your care team before starting any supplement.", .callToAction),
            ("Call 1-800-4-CANCER to learn more.", .callToAction),
            ("Please contact your oncologist with questions.", .callToAction),
            ("If you have a fever, call your care team right away.", .callToAction),
            ("You may want to ask your doctor whether a trial is open.", .callToAction),
            ("Be sure to tell your doctor about all the medicines you take.", .callToAction),
            ("This information is for informational purposes only.", .boilerplate),
            ("This is general information and not a substitute for professional advice.", .boilerplate),
            ("It is not medical advice.", .boilerplate),
        ])
    func nonClaims(sentence: String, reason: NonClaimReason) throws {
        let claims = splitter.claims(in: sentence)
        try #require(claims.count == 1)
        #expect(claims[0].kind == .notAClaim(reason))
        #expect(claims[0].parts.isEmpty)
    }

    @Test(
        "statements that open like a call to action are claims",
        arguments: [
            "Talking with a doctor helps patients choose a treatment.",
            "Calls to the helpline doubled in 2020.",
            "You may see side effects within days of the infusion.",
            "If the tumor is small, surgery can remove it.",
            "Asking questions is part of informed consent.",
        ])
    func statementsAreClaims(sentence: String) {
        #expect(splitter.claims(in: sentence).map(\.kind) == [.claim])
    }

    @Test func headingsAreNotClaimsEvenWhenTheyAssert() {
        let claims = splitter.claims(in: "# CAR T cells attack tumors\n\nThey are made from your own T cells.")
        #expect(claims.map(\.kind) == [.notAClaim(.heading), .claim])
        #expect(claims.map(\.text) == ["CAR T cells attack tumors", "They are made from your own T cells."])
    }

    @Test func kindsEncodeAsTheirNames() throws {
        let claim = AnswerClaim(
            text: "Why?", range: 0..<4, kind: .notAClaim(.callToAction), parts: [])
        let json = try JSONEncoder().encode(claim)
        #expect(String(decoding: json, as: UTF8.self).contains("\"kind\":\"call-to-action\""))
        #expect(try JSONDecoder().decode(AnswerClaim.self, from: json) == claim)
        #expect(AnswerClaim.Kind.claim.name == "claim")
    }

    // MARK: Compound claims

    @Test func aSemicolonSplitsTwoClauses() throws {
        #expect(
            try partTexts("Pleural mesothelioma is the most common type; peritoneal mesothelioma is rarer.")
                == ["Pleural mesothelioma is the most common type", "peritoneal mesothelioma is rarer."])
        #expect(
            try partTexts("Surgery may be an option; but it depends on the stage.")
                == ["Surgery may be an option", "it depends on the stage."])
    }

    @Test func commaAndOrButSplitsTwoFullClauses() throws {
        #expect(
            try partTexts("The drug is given by vein, and the dose is repeated every 3 weeks.")
                == ["The drug is given by vein", "the dose is repeated every 3 weeks."])
        #expect(
            try partTexts("CAR T cells work well in leukemia, but they have not worked as well in solid tumors.")
                == ["CAR T cells work well in leukemia", "they have not worked as well in solid tumors."])
    }

    @Test(
        "noun lists and subordinate clauses are not split",
        arguments: [
            "The standard treatment is nivolumab plus ipilimumab.",
            "Cytokine release syndrome can cause high fever and low blood pressure.",
            "Neurologic problems include confusion or trouble speaking.",
            "Side effects include fever, chills, and fatigue.",
            "Fever, chills, and other symptoms are common.",
            "If the tumor is small, and the patient is healthy, surgery is an option.",
            "Side effects include fever; chills; and fatigue.",
            "Mesothelioma is caused by asbestos and related minerals.",
            "Patients (who are older, and those who are frail) need lower doses.",
        ])
    func notSplit(sentence: String) throws {
        #expect(try partTexts(sentence) == [sentence])
    }

    @Test func aSharedSubjectIsCopiedIntoTheSecondPart() throws {
        let answer = "CAR T cells are grown in large numbers and infused back into the patient."
        let claim = try #require(splitter.claims(in: answer).first)
        #expect(
            claim.parts.map(\.text) == [
                "CAR T cells are grown in large numbers", "CAR T cells are infused back into the patient.",
            ])
        #expect(claim.parts.map(\.isRebuilt) == [false, true])
        #expect(answer.scalarSlice(claim.parts[1].range) == "infused back into the patient.")
        #expect(
            try partTexts("Nivolumab is approved for mesothelioma and used in clinical trials.")
                == ["Nivolumab is approved for mesothelioma", "Nivolumab is used in clinical trials."])
        #expect(
            try partTexts("The cells are collected, and they are then frozen and shipped to a lab.")
                == ["The cells are collected", "they are then frozen", "they are shipped to a lab."])
        #expect(Self.rangeProblems(of: [claim], in: answer).isEmpty)
    }

    @Test func partsOfAListItemWithMarkupHaveRangesInTheAnswer() throws {
        let answer = "- The tumor is *removed*; it is then **examined** under a microscope."
        let claims = splitter.claims(in: answer)
        #expect(
            claims.first?.parts.map(\.text) == ["The tumor is removed", "it is then examined under a microscope."])
        #expect(Self.rangeProblems(of: claims, in: answer).isEmpty, "\(Self.rangeProblems(of: claims, in: answer))")
    }

    // MARK: Plain text as it is pasted from a chat window

    static let pastedAnswer = """
        I appreciate this important question.
        How CAR-T Cell Therapy Works (General Mechanism)
        Here's the basic process:
        Extraction: Doctors remove T-cells from the patient's blood.
        Engineering: The T-cells are modified in a lab to recognize cancer cells.
        Attack: The CAR T-cells are infused back and kill the cancer cells
        Current Status for Mesothelioma
        Important context: While CAR-T therapy is approved for some blood cancers, it is still experimental for \
        mesothelioma.
        Always consult your healthcare team before making treatment decisions.
        Upload your records to get a personalised summary.
        """

    @Test func plainTextIsSplitByItsLinesAndBareHeadingsAreNotClaims() {
        let pieces = splitter.claims(in: Self.pastedAnswer)
        let kinds = pieces.map(\.kind)
        #expect(
            kinds == [
                .notAClaim(.pleasantry), .notAClaim(.heading), .notAClaim(.leadIn), .claim, .claim, .claim,
                .notAClaim(.heading), .claim, .notAClaim(.boilerplate), .notAClaim(.callToAction),
            ], "\(pieces.map { "\($0.kind): \($0.text)" })")
        #expect(pieces[5].text == "Attack: The CAR T-cells are infused back and kill the cancer cells")
        #expect(pieces[6].text == "Current Status for Mesothelioma")
        #expect(Self.rangeProblems(of: pieces, in: Self.pastedAnswer).isEmpty)
    }

    @Test func aLabelOpeningALineIsNotPartOfTheClaim() {
        let pieces = splitter.claims(in: Self.pastedAnswer)
        // The claim keeps its text; what is grounded (its part) leaves the label out.
        #expect(pieces[3].text == "Extraction: Doctors remove T-cells from the patient's blood.")
        #expect(pieces[3].parts.map(\.text) == ["Doctors remove T-cells from the patient's blood."])
        #expect(pieces[7].parts.first?.text.hasPrefix("While CAR-T therapy is approved") == true)
        // More than three words before the colon is no label.
        let long = splitter.claims(in: "The most common side effect of this drug: Fatigue is frequent.")
        #expect(long.first?.parts.first?.text.hasPrefix("The most common") == true)
    }

    @Test func plainLinesThatRunOnMidSentenceAreJoined() {
        let answer = """
            CAR T cells are grown in the
            laboratory for two weeks, and
            then they are given back through a vein.
            Side effects can be serious.
            """
        #expect(
            claimTexts(answer) == [
                "CAR T cells are grown in the laboratory for two weeks, and then they are given back through a vein.",
                "Side effects can be serious.",
            ])
    }

    @Test func markdownIsNotReadLineByLine() {
        // A Markdown paragraph's soft line breaks join its lines, as before.
        let answer =
            "# Treatment\n\nSurgery may be an option\nFor some patients it is curative.\n\n- **Chemotherapy** helps."
        #expect(!ClaimSplitter.isPlainText(answer.unicodeScalarArray))
        #expect(claimTexts(answer).first == "Surgery may be an option For some patients it is curative.")
    }

    @Test func leadInsAndPleasantriesAreRecognised() {
        #expect(ClaimSplitter.nonClaimReason(of: "The main options include:") == .leadIn)
        #expect(ClaimSplitter.nonClaimReason(of: "Great question!") == .pleasantry)
        #expect(ClaimSplitter.nonClaimReason(of: "I hope this helps.") == .pleasantry)
        #expect(
            ClaimSplitter.nonClaimReason(of: "I understand this is a difficult time for you and your family.")
                == .pleasantry)
        #expect(ClaimSplitter.nonClaimReason(of: "Always talk with your doctor about side effects.") == .boilerplate)
        // A claim that happens to open like a pleasantry but goes on is still a claim when long.
        #expect(
            ClaimSplitter.nonClaimReason(
                of: "I understand that pemetrexed with cisplatin is the standard first-line chemotherapy for pleural "
                    + "mesothelioma in adults who are fit enough for it.") == nil)
        #expect(ClaimSplitter.isBareHeading("Current Status for Mesothelioma"))
        #expect(!ClaimSplitter.isBareHeading("Surgery removes the tumor"))
        #expect(!ClaimSplitter.isBareHeading("Surgery removes the tumor."))
    }
}
