import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool, .enabled(if: SharedData.miniLMModel != nil, Comment(rawValue: SharedData.missingModelMessage)))
struct GroundingTests {
    private func fixture() async throws -> DemoGroundingFixture { try #require(await DemoGroundingFixture.shared) }

    /// The sample answer's ground truth, from its HTML comment: S and B labels by claim text.
    private func groundTruth(_ answer: String) -> (supported: Set<String>, unsupported: Set<String>) {
        var supported = Set<String>()
        var unsupported = Set<String>()
        var section = ""
        for line in answer.split(separator: "\n") {
            if line.hasPrefix("SUPPORTED") { section = "supported" }
            if line.hasPrefix("NOT SUPPORTED") { section = "unsupported" }
            if line.hasPrefix("NOT CLAIMS") { section = "" }
            guard let open = line.firstIndex(of: "\""), let close = line.lastIndex(of: "\""), open < close else {
                continue
            }
            let text = String(line[line.index(after: open)..<close])
            if section == "supported" { supported.insert(text) }
            if section == "unsupported" { unsupported.insert(text) }
        }
        return (supported, unsupported)
    }

    @Test func theSampleAnswersFalseClaimsAreNeverSupportedAndItsTrueOnesAreCited() async throws {
        let fixture = try await fixture()
        let grounded = try fixture.grounder.ground(answer: fixture.answer)
        let truth = groundTruth(fixture.answer)
        #expect(truth.supported.count == 9 && truth.unsupported.count == 5)
        let claims = grounded.claims.filter { $0.kind == .claim }
        #expect(claims.count == 14)
        for claim in claims {
            if truth.unsupported.contains(claim.text) {
                #expect(claim.verdict != .supported, "\(claim.text): \(claim.verdict?.rawValue ?? "")")
            } else {
                #expect(truth.supported.contains(claim.text), "unexpected claim \(claim.text)")
                #expect(
                    claim.verdict == .supported || claim.verdict == .partiallySupported,
                    "\(claim.text): \(claim.verdict?.rawValue ?? "")")
                #expect(!claim.citations.isEmpty, "\(claim.text) has no citation")
            }
        }
        // The wrong duration, the wrong approval status and the wrong share are caught as contradictions.
        let contradicted = Set(claims.filter { $0.verdict == .contradicted }.map(\.text))
        #expect(contradicted.contains("The whole process, from collection to infusion, takes about 10 to 12 weeks."))
        #expect(
            contradicted.contains(
                "CAR T-cell therapy is FDA-approved as a standard first-line treatment for mesothelioma."))
        try fixture.expectQuotesMatchTheirSources(grounded.claims)
    }

    /// Claims that assert what the demo corpus does not, on topics it covers.
    static let demoNearMisses = [
        // Another status: the corpus says CAR T cells are experimental in solid tumours.
        "CAR T-cell therapy is an approved standard treatment for pleural mesothelioma.",
        // Another number: 3 to 5 weeks.
        "From blood collection to infusion, CAR T-cell therapy takes about 6 months.",
        // Another number: 18.1 vs 14.1 months.
        "Nivolumab plus ipilimumab extended median overall survival to 28.1 months in pleural mesothelioma.",
        // Another share: roughly 70% to 80%.
        "About 40% of patients with mesothelioma report a history of asbestos exposure.",
        // The opposite direction.
        "Nivolumab plus ipilimumab shortened overall survival compared with chemotherapy in pleural mesothelioma.",
        // Not said anywhere.
        "CAR T-cell therapy cures most people with pleural mesothelioma within a year.",
        "Drinking green tea prevents cytokine release syndrome.",
    ]

    @Test(arguments: demoNearMisses)
    func nearMissesOverTheDemoCorpusAreNotSupported(claim: String) async throws {
        let fixture = try await fixture()
        let grounded = try fixture.grounder.ground(claims: [(id: "near-miss", text: claim)])
        #expect(grounded.count == 1)
        #expect(grounded[0].verdict != .supported, "\(claim) came out supported: \(grounded[0].citations.map(\.quote))")
        try fixture.expectQuotesMatchTheirSources(grounded)
    }

    @Test func restatedFactsOfTheDemoCorpusAreSupported() async throws {
        let fixture = try await fixture()
        let claims = [
            "The whole process from blood collection to infusion takes about 3 to 5 weeks.",
            "Nivolumab plus ipilimumab improved median overall survival to 18.1 months vs. 14.1 months with chemotherapy.",
            "Roughly 70% to 80% of patients with mesothelioma report a history of asbestos exposure.",
        ]
        let grounded = try fixture.grounder.ground(claims: claims.map { (id: nil, text: $0) })
        for claim in grounded {
            #expect(claim.verdict == .supported, "\(claim.text): \(claim.verdict?.rawValue ?? "")")
            #expect((claim.support ?? 0) >= fixture.grounder.configuration.supportedThreshold)
        }
        try fixture.expectQuotesMatchTheirSources(grounded)
    }

    @Test func theJSONHasTheDocumentedShape() async throws {
        let fixture = try await fixture()
        let grounded = try fixture.grounder.ground(answer: fixture.answer)
        let data = try JSONEncoder().encode(grounded)
        let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let claims = try #require(object["claims"] as? [[String: Any]])
        #expect(claims.count == grounded.claims.count)
        for claim in claims {
            let kind = try #require(claim["kind"] as? String)
            #expect(kind == "claim" || kind == "not-a-claim")
            #expect(claim["text"] is String && claim["citations"] is [Any])
            if kind == "claim" {
                let verdict = try #require(claim["verdict"] as? String)
                #expect(Verdict(rawValue: verdict) != nil)
                let support = try #require(claim["support"] as? Double)
                #expect((0...1).contains(support))
            } else {
                #expect(claim["reason"] is String)
            }
            for citation in claim["citations"] as? [[String: Any]] ?? [] {
                for key in ["document", "title", "section", "quote", "start", "end", "score"] {
                    #expect(citation[key] != nil, "citation without \(key)")
                }
            }
        }
        let decoded = try JSONDecoder().decode(GroundedAnswer.self, from: data)
        #expect(decoded.claims.map(\.verdict) == grounded.claims.map(\.verdict))
    }

    @Test func theMarkdownRenderingCitesEachClaimInPlace() async throws {
        let fixture = try await fixture()
        let grounded = try fixture.grounder.ground(answer: fixture.answer)
        let markdown = GroundingRenderer().renderMarkdown(grounded)
        let references = GroundingRenderer.references(of: grounded)
        #expect(markdown.contains("## References"))
        #expect(markdown.contains("1. ") && markdown.contains("[\(references.count)]"))
        // The answer's text is all still there, in order, between the inserted markers.
        var rest = Substring(markdown)
        for claim in grounded.claims where claim.kind == .claim {
            guard let found = rest.range(of: claim.text.prefix(30)) else {
                Issue.record("\(claim.text) is missing from the Markdown")
                continue
            }
            rest = rest[found.upperBound...]
        }
        #expect(markdown.contains("_(contradicted by the sources)_"))
    }
}

/// Two NCI PDQ pages — the patient mesothelioma treatment summary and NCI's CAR T-cell research page — indexed
/// with the model once per test process.
final class NCIGroundingFixture: Sendable {
    static let shared: NCIGroundingFixture? = try? NCIGroundingFixture()
    static let documentIDs = [
        "cancer-types/types-mesothelioma-patient-mesothelioma-treatment-pdq.md",
        "treatment/about-cancer-treatment-research-car-t-cells.md",
        "cancer-types/types-skin-patient-skin-prevention-pdq.md",
    ]

    let grounder: Grounder
    let index: EvidentIndex

    private init() throws {
        guard let model = SharedData.miniLMModel, let corpus = SharedData.nciPDQ else {
            throw CocoaError(.fileNoSuchFile)
        }
        let embedder = try SentenceEmbedder(directory: model)
        let reader = CorpusReader()
        let documents = try Self.documentIDs.flatMap {
            try reader.read(at: corpus.appendingPathComponent($0)).documents
        }
        index = try EvidentIndex(build: IndexBuilder().build(documents: documents, embedder: embedder))
        grounder = Grounder(retriever: try Retriever(index: index, embedder: embedder))
    }
}

@Suite(
    .offThePool,
    .enabled(if: SharedData.miniLMModel != nil, Comment(rawValue: SharedData.missingModelMessage)),
    .enabled(if: SharedData.nciPDQ != nil, Comment(rawValue: SharedData.missingMessage)))
struct NCIGroundingTests {
    /// Claims that misstate what the three pages say: another duration, share, direction, cancer or cell type, or
    /// a finding the page says was not shown.
    static let nearMisses = [
        // The pages: the whole process takes about 3 to 5 weeks.
        "From the first blood collection to the infusion, CAR T-cell therapy takes about 3 to 5 months.",
        // Nearly 80% of patients with advanced follicular lymphoma.
        "Axi-cel eliminated the cancer in nearly 30% of patients with advanced follicular lymphoma.",
        // Asbestos increases the risk.
        "Being exposed to asbestos can decrease the risk of malignant mesothelioma.",
        // Approved CAR T-cell therapies are for blood cancers.
        "CAR T-cell therapies have been approved to treat adults with mesothelioma.",
        // The therapy modifies T cells.
        "CAR T-cell therapy genetically changes a patient's own red blood cells in the laboratory.",
        "Most people with malignant mesothelioma are cured by a single dose of CAR T cells.",
        // The skin cancer prevention page: selenium does not lower the risk of basal cell carcinoma.
        "Selenium taken in brewer's yeast tablets lowers the risk of basal cell carcinoma.",
        // Isotretinoin cream has not been shown to prevent them from coming back.
        "Isotretinoin cream has been shown to prevent nonmelanoma skin cancers from coming back.",
        // It has not been proven that sunscreen protects against melanoma.
        "Using sunscreen to prevent sunburn has been proven to protect against melanoma caused by UV radiation.",
        // Beta carotene pills have not been shown to prevent it.
        "Studies have shown that beta carotene supplements prevent nonmelanoma skin cancer from forming.",
    ]

    @Test(arguments: nearMisses)
    func nearMissesOverNCIPagesAreNotSupported(claim: String) throws {
        let fixture = try #require(NCIGroundingFixture.shared)
        let grounded = try fixture.grounder.ground(claims: [(id: nil, text: claim)])[0]
        #expect(
            grounded.verdict != .supported,
            "\(claim) came out supported (\(grounded.support ?? 0)): \(grounded.citations.map(\.quote))")
    }

    @Test func factsOfTheNCIPagesAreSupportedWithExactQuotes() throws {
        let fixture = try #require(NCIGroundingFixture.shared)
        let claims = [
            "The whole CAR T-cell process, from blood collection to infusion, takes about 3 to 5 weeks.",
            "Being exposed to asbestos can increase the risk of malignant mesothelioma.",
            "Selenium taken in brewer's yeast tablets does not lower the risk of basal cell carcinoma.",
            "High doses of isotretinoin taken by mouth can prevent new skin cancers in people with xeroderma "
                + "pigmentosum.",
        ]
        let grounded = try fixture.grounder.ground(claims: claims.map { (id: nil, text: $0) })
        for claim in grounded {
            #expect(claim.verdict == .supported, "\(claim.text): \(claim.verdict?.rawValue ?? "")")
        }
        var sources: [String: [Unicode.Scalar]] = [:]
        for position in 0..<fixture.index.documentCount {
            let document = try fixture.index.document(at: position)
            sources[document.id] = Array(document.source.unicodeScalars)
        }
        for citation in grounded.flatMap(\.citations) {
            let source = try #require(sources[citation.document])
            #expect(String(String.UnicodeScalarView(source[citation.start..<citation.end])) == citation.quote)
        }
    }
}
