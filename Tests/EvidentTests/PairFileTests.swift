import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct PairFileTests {
    func write(_ text: String, name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pairs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func csvFieldsMayHoldCommasQuotesAndLineBreaks() throws {
        let url = try write(
            """
            claim_id,Claim,Evidence,Label
            c1,"Aspirin, taken daily, lowers risk.","Daily aspirin lowered the risk by 24%, a ""large"" effect.",SUPPORT

            c1,"Aspirin, taken daily, lowers risk.","No effect was seen
            in the second trial.",contradiction
            c2,Tea cures cancer.,Tea is popular.,NOT ENOUGH INFO

            """, name: "pairs.csv")
        let pairs = try PairFile.read(at: url)
        #expect(pairs.count == 3)
        #expect(pairs[0].claim == "Aspirin, taken daily, lowers risk.")
        #expect(pairs[0].evidence == "Daily aspirin lowered the risk by 24%, a \"large\" effect.")
        #expect(pairs.map(\.label) == [.supports, .refutes, .neutral])
        #expect(pairs[1].evidence == "No effect was seen\nin the second trial.")
        #expect(pairs.map(\.line) == [2, 4, 6])
        #expect(pairs.map(\.claimID) == ["c1", "c1", "c2"])
    }

    @Test func jsonLinesTakeTheUsualFieldNamesAndEvidenceLists() throws {
        let url = try write(
            """
            {"claim": "A lowers B.", "evidence": "A lowered B in a trial.", "label": "Supports"}
            {"hypothesis": "A raises B.", "premise": ["A lowered B.", "It was significant."], "gold_label": "refutes"}
            {"claim": "A is safe.", "sentence": "Nothing here.", "label": "NEI", "id": 7}
            """, name: "pairs.jsonl")
        let pairs = try PairFile.read(at: url)
        #expect(pairs.map(\.label) == [.supports, .refutes, .neutral])
        #expect(pairs[1].evidence == "A lowered B. It was significant.")
        #expect(pairs[0].claimID == "A lowers B.")
        #expect(pairs[2].claimID == "7")
    }

    @Test func badRowsNameTheFileTheLineAndTheFix() throws {
        let unknown = try write("claim,evidence,label\nA.,B.,maybe\n", name: "a.csv")
        let labelIssue = #expect(throws: EvaluationIssue.self) { try PairFile.read(at: unknown) }
        #expect(labelIssue?.line == 2)
        #expect(labelIssue?.description.contains("maybe") == true)
        #expect(labelIssue?.description.contains("Supports, Refutes or Neutral") == true)

        let noColumn = try write("claim,text_of_it,label\nA.,B.,Supports\n", name: "b.csv")
        let columnIssue = #expect(throws: EvaluationIssue.self) { try PairFile.read(at: noColumn) }
        #expect(columnIssue?.line == 1)
        #expect(columnIssue?.description.contains("no evidence column") == true)

        let unclosed = try write("claim,evidence,label\n\"A.,B.,Supports\n", name: "c.csv")
        let quoteIssue = #expect(throws: EvaluationIssue.self) { try PairFile.read(at: unclosed) }
        #expect(quoteIssue?.line == 2)

        let ragged = try write("claim,evidence,label\nA.,B.\n", name: "d.csv")
        let raggedIssue = #expect(throws: EvaluationIssue.self) { try PairFile.read(at: ragged) }
        #expect(raggedIssue?.description.contains("2 fields") == true)

        let empty = try write("{\"claim\": \"A.\", \"evidence\": \"  \", \"label\": \"Supports\"}\n", name: "e.jsonl")
        let emptyIssue = #expect(throws: EvaluationIssue.self) { try PairFile.read(at: empty) }
        #expect(emptyIssue?.description.contains("evidence") == true)

        let broken = try write("{\"claim\": \"A.\"\n", name: "f.jsonl")
        #expect(throws: EvaluationIssue.self) { try PairFile.read(at: broken) }
    }

    @Test func labelsOfTheCommonDataSetsAreUnderstood() {
        for word in ["SUPPORTS", "support", "Entailment", "SUPPORTED", "true"] {
            #expect(PairLabel(word: word) == .supports)
        }
        for word in ["REFUTES", "CONTRADICT", "contradiction", "Refuted", "false"] {
            #expect(PairLabel(word: word) == .refutes)
        }
        for word in ["NOT ENOUGH INFO", "NOT_ENOUGH_INFO", "nei", "Neutral", "mixed"] {
            #expect(PairLabel(word: word) == .neutral)
        }
        #expect(PairLabel(word: "maybe") == nil)
    }

    @Test func pairEvaluationCountsVerdictsByTheLabelOfTheFirstCitation() throws {
        let pairs = [
            ClaimEvidencePair(
                claimID: "1", claim: "Pemetrexed with cisplatin is first-line chemotherapy for mesothelioma.",
                evidence: "Pemetrexed with cisplatin is first-line chemotherapy for mesothelioma.", label: .supports),
            ClaimEvidencePair(
                claimID: "1", claim: "Pemetrexed with cisplatin is first-line chemotherapy for mesothelioma.",
                evidence: "Surgery is rarely curative.", label: .neutral),
            ClaimEvidencePair(
                claimID: "2", claim: "Glaciers on distant moons sing in the key of F.",
                evidence: "Radiation therapy may be given after surgery.", label: .neutral),
        ]
        let evaluation = try PairEvaluation.run(pairs, embedder: nil)
        #expect(evaluation.claims == 2)
        #expect(evaluation.pairs == 3)
        #expect(evaluation.evidenceTexts == 3)
        // The verbatim claim is cited first; on word overlap alone (no model) its support is partial at best.
        let verdicts = evaluation.confusionByFirstCitation["Supports"] ?? [:]
        #expect(verdicts.values.reduce(0, +) == 1)
        #expect(verdicts.keys.allSatisfy { $0 == "supported" || $0 == "partially-supported" })
        #expect(evaluation.citationRecall == 1)
        // Claim 2's only evidence is Neutral, so it counts by claim under Neutral; claim 1's is mixed and does not.
        #expect(evaluation.confusionByClaim["Neutral"]?.values.reduce(0, +) == 1)
        #expect(evaluation.confusionByClaim["Supports"] == nil)
        let counted = evaluation.confusionByFirstCitation.values.flatMap(\.values).reduce(0, +)
        #expect(counted == 2)
    }
}
