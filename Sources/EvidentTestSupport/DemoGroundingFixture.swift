public import Evident
import Foundation
public import Testing

/// The demo corpus indexed with the model once per test process (about 25 s in a debug build), shared by the
/// grounding suites.
public final class DemoGroundingFixture: Sendable {
    /// The fixture, built once, on first use, off Swift's cooperative pool; `nil` without the model.
    public static var shared: DemoGroundingFixture? {
        get async { try? await building.value }
    }
    private static let building = Task { try await BlockingWork.run { try DemoGroundingFixture() } }

    public let index: EvidentIndex
    public let grounder: Grounder
    public let answer: String

    private init() throws {
        guard let model = SharedData.miniLMModel else { throw CocoaError(.fileNoSuchFile) }
        let embedder = try SentenceEmbedder(directory: model)
        let documents = try CorpusReader(configuration: CorpusReaderConfiguration(excludedPaths: ["answers"]))
            .read(at: SharedData.demoCorpus).documents
        index = try EvidentIndex(build: IndexBuilder().build(documents: documents, embedder: embedder))
        grounder = Grounder(retriever: try Retriever(index: index, embedder: embedder))
        answer = try String(
            contentsOf: SharedData.demoCorpus.appendingPathComponent("answers/car-t-mesothelioma.md"), encoding: .utf8)
    }

    /// Checks that every citation quotes its document's source exactly at its offsets.
    public func expectQuotesMatchTheirSources(
        _ claims: [GroundedClaim], sourceLocation: SourceLocation = #_sourceLocation
    )
        throws
    {
        var sources: [String: [Unicode.Scalar]] = [:]
        for position in 0..<index.documentCount {
            let document = try index.document(at: position)
            sources[document.id] = Array(document.source.unicodeScalars)
        }
        for claim in claims {
            for citation in claim.citations + claim.parts.flatMap(\.citations) {
                let source = try #require(sources[citation.document], sourceLocation: sourceLocation)
                #expect(citation.start < citation.end && citation.end <= source.count, sourceLocation: sourceLocation)
                let quoted = String(String.UnicodeScalarView(source[citation.start..<citation.end]))
                #expect(quoted == citation.quote, sourceLocation: sourceLocation)
                #expect((0...1).contains(citation.score), sourceLocation: sourceLocation)
            }
        }
    }
}
