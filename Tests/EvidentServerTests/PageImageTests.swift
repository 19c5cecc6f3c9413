import Evident
import EvidentPDF
import EvidentTestSupport
import Foundation
import HTTPTypes
import Testing

@testable import EvidentServer

/// The page of a PDF citation, drawn by `GET /v1/page` over an index of the demo corpus's PDF.
@Suite(.offThePool) struct PageImageTests {
    /// A lexical index of `Corpus/guidelines/` (its one PDF), built where the PDF stays.
    static func service() throws -> (EvidentService, TemporaryFolder) {
        let folder = try TemporaryFolder()
        let corpus = SharedData.demoCorpus.appendingPathComponent("guidelines")
        var reader = CorpusReaderConfiguration()
        reader.register(PDFDocumentReader())
        let output = folder.url.appendingPathComponent("index")
        _ = try IndexingJob(corpus: corpus, output: output, reader: reader).run()
        let index = try EvidentIndex(contentsOf: output)
        return (EvidentService(retriever: Retriever(index: index), name: "pdf", configuration: .unhurried), folder)
    }

    @Test func aPDFCitationsPageIsDrawnWithItsQuoteHighlighted() async throws {
        let (service, folder) = try Self.service()
        _ = folder
        let grounded = try Grounder(retriever: service.retriever).ground(claims: [
            (nil, "Radiation therapy relieves pain from a chest wall tumor in most patients.")
        ])
        let citation = try #require(grounded.first?.citations.first)
        let page = try #require(citation.pages.first)
        #expect(page == PageReference(number: 3, label: "2"))
        #expect(!citation.boxes.isEmpty)
        try await withAPI(service) { api in
            let path =
                "/v1/page?document=mesothelioma-symptom-care.pdf&page=3&start=\(citation.start)&end=\(citation.end)"
            let reply = try await api.send(.get, path)
            #expect(reply.status == 200)
            #expect(reply.contentType == "image/png")
            #expect(reply.bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            let plain = try await api.send(.get, "/v1/page?document=mesothelioma-symptom-care.pdf&page=3")
            #expect(plain.status == 200)
            #expect(plain.bytes != reply.bytes, "the highlight changes nothing")

            // Search and grounding answers with pages and boxes match the OpenAPI document (send checks them).
            let search = try await api.send(
                .post, "/v1/search", json: ["query": "radiation for chest wall pain", "limit": 1])
            let first = (search.object["results"] as? [[String: Any]])?.first
            #expect(first?["physical_page"] as? Int == 3)
            #expect((first?["pages"] as? [[String: Any]])?.first?["label"] as? String == "2")
            let ground = try await api.send(
                .post, "/v1/ground", json: ["claims": ["Radiation therapy relieves pain from a chest wall tumor."]])
            let claims = ground.object["claims"] as? [[String: Any]]
            let cited = (claims?.first?["citations"] as? [[String: Any]])?.first
            #expect((cited?["boxes"] as? [Any])?.isEmpty == false)

            let missingPage = try await api.send(.get, "/v1/page?document=mesothelioma-symptom-care.pdf&page=9")
            #expect(missingPage.status == 404)
            #expect(missingPage.errorCode == "no_such_page")
            let missingDocument = try await api.send(.get, "/v1/page?document=nothing.pdf&page=1")
            #expect(missingDocument.errorCode == "no_such_document")
            let noDocument = try await api.send(.get, "/v1/page?page=1")
            #expect(noDocument.status == 400)
        }
    }

    @Test func aPageOfAPDFThatIsGoneIsANotFoundThatSaysWhere() async throws {
        let folder = try TemporaryFolder()
        let corpus = folder.url.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: SharedData.demoCorpus.appendingPathComponent("guidelines/mesothelioma-symptom-care.pdf"),
            to: corpus.appendingPathComponent("care.pdf"))
        var reader = CorpusReaderConfiguration()
        reader.register(PDFDocumentReader())
        let output = folder.url.appendingPathComponent("index")
        _ = try IndexingJob(corpus: corpus, output: output, reader: reader).run()
        try FileManager.default.removeItem(at: corpus.appendingPathComponent("care.pdf"))
        let service = EvidentService(
            retriever: Retriever(index: try EvidentIndex(contentsOf: output)), name: "pdf", configuration: .unhurried)
        try await withAPI(service) { api in
            let reply = try await api.send(.get, "/v1/page?document=care.pdf&page=2")
            #expect(reply.status == 404)
            #expect(reply.errorCode == "source_missing")
        }
    }
}
