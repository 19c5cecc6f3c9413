import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// How the verdict follows the verifier, with verifiers that always lean one way: MiniLM with the parity
/// fixture's formula classifier, its bias set to favour one label by far (no trained weights needed).
@Suite(.offThePool) struct VerifiedVerdictTests {
    static let hasModel = SharedData.miniLMModel != nil
    static let restated = [
        "The whole process from blood collection to infusion takes about 3 to 5 weeks.",
        "Nivolumab plus ipilimumab improved median overall survival to 18.1 months vs. 14.1 months with chemotherapy.",
    ]

    func makeGrounder(leaning bias: [Float], strict: Bool = false) async throws -> (Grounder, URL) {
        let fixture = try #require(await DemoGroundingFixture.shared)
        let folder = try ClaimVerifierTests.formulaVerifier(
            limit: 128, bias: bias, labels: ["Supports", "Refutes", "Neutral"])
        var configuration = fixture.grounder.configuration
        configuration.strict = strict
        let grounder = Grounder(
            retriever: fixture.grounder.retriever, configuration: configuration,
            verifier: try ClaimVerifier(directory: folder))
        return (grounder, folder)
    }

    @Test(.enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)))
    func aClaimTheVerifierReadsNoSupportForIsNeverSupported() async throws {
        let (grounder, folder) = try await makeGrounder(leaning: [0, 0, 12])
        defer { try? FileManager.default.removeItem(at: folder) }
        for claim in try grounder.ground(claims: Self.restated.map { (id: nil, text: $0) }) {
            #expect(claim.verdict == .partiallySupported, "\(claim.text): \(claim.verdict?.rawValue ?? "")")
            // The verifier's reading is on the citations it read, and it read none far below the best.
            #expect(claim.citations.contains { ($0.entailment?.neutral ?? 0) > 0.99 })
            let best = claim.citations.map(\.score).max() ?? 0
            let margin = grounder.configuration.verifiedSupportMargin
            for citation in claim.citations where citation.entailment != nil && citation.conflicts.isEmpty {
                #expect(citation.score >= best - margin - 1e-9, "\(citation.quote): \(citation.score) of \(best)")
            }
            #expect(claim.citations.contains { $0.entailment == nil } || claim.citations.count < 3)
        }
        let (strictGrounder, strictFolder) = try await makeGrounder(leaning: [0, 0, 12], strict: true)
        defer { try? FileManager.default.removeItem(at: strictFolder) }
        for claim in try strictGrounder.ground(claims: Self.restated.map { (id: nil, text: $0) }) {
            #expect(claim.verdict == .unsupported, "\(claim.text): \(claim.verdict?.rawValue ?? "")")
        }
    }

    @Test(.enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)))
    func aSentenceReadAsRefutingContradictsTheClaim() async throws {
        let (grounder, folder) = try await makeGrounder(leaning: [0, 12, 0])
        defer { try? FileManager.default.removeItem(at: folder) }
        var citesAnotherDocument = false
        for claim in try grounder.ground(claims: Self.restated.map { (id: nil, text: $0) }) {
            #expect(claim.verdict == .contradicted, "\(claim.text): \(claim.verdict?.rawValue ?? "")")
            #expect((claim.citations.first?.entailment?.refutes ?? 0) > 0.99)
            // The refuting sentence leads; another document's best follows it when another document is cited.
            let documents = claim.citations.map(\.document)
            if let first = documents.first, documents.dropFirst().contains(where: { $0 != first }) {
                citesAnotherDocument = true
                #expect(documents[1] != first, "\(claim.text): \(documents)")
            }
        }
        #expect(citesAnotherDocument)
    }

    @Test(.enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)))
    func entailmentKeepsRestatedFactsSupportedButNotARuleContradiction() async throws {
        let (grounder, folder) = try await makeGrounder(leaning: [12, 0, 0])
        defer { try? FileManager.default.removeItem(at: folder) }
        for claim in try grounder.ground(claims: Self.restated.map { (id: nil, text: $0) }) {
            #expect(claim.verdict == .supported, "\(claim.text): \(claim.verdict?.rawValue ?? "")")
        }
        // The sample answer's wrong duration conflicts with the source's number: the verifier reading support
        // where the rules find a conflict is a disagreement, so the claim is not supported.
        let wrong = try grounder.ground(claims: [
            (id: nil, text: "The whole process, from collection to infusion, takes about 10 to 12 weeks.")
        ])
        #expect(wrong[0].verdict != .supported, "\(wrong[0].verdict?.rawValue ?? "")")
        // The opposite direction of the effect contradicts the claim, whatever the verifier reads.
        let opposite = try grounder.ground(claims: [
            (id: nil, text: "Nivolumab plus ipilimumab shortened median overall survival compared with chemotherapy.")
        ])
        #expect(opposite[0].verdict == .contradicted, "\(opposite[0].verdict?.rawValue ?? "")")
        #expect(opposite[0].citations.first?.conflicts.contains { $0.contains("shortened") } == true)
        let (strictGrounder, strictFolder) = try await makeGrounder(leaning: [12, 0, 0], strict: true)
        defer { try? FileManager.default.removeItem(at: strictFolder) }
        let strictWrong = try strictGrounder.ground(claims: [
            (id: nil, text: "The whole process, from collection to infusion, takes about 10 to 12 weeks.")
        ])
        #expect(strictWrong[0].verdict != .supported)
    }
}
