import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct ClaimVerifierTests {
    static let hasModel = SharedData.miniLMModel != nil

    struct Case: Decodable {
        var claim: String
        var evidence: String
        var ids: [Int32]
        var segments: [Int32]
        var logits: [String: Double]
        var probabilities: [String: Double]
    }

    struct Fixture: Decodable {
        var limit: Int
        var bias: [Float]
        var labels: [String]
        var cases: [Case]
    }

    static func fixture() throws -> Fixture {
        let url = try #require(
            Bundle.module.url(forResource: "verifier-parity", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// A verifier folder made of all-MiniLM-L6-v2 and the fixture's formula classifier (no trained weights), as
    /// Scripts/verifier/make-parity-fixture.py builds it in PyTorch.
    static func formulaVerifier(limit: Int, bias: [Float], labels: [String]) throws -> URL {
        let model = try #require(SharedData.miniLMModel)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("verifier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            let source = model.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: source.path) {
                try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent(name))
            }
        }
        var configuration =
            try JSONSerialization.jsonObject(with: Data(contentsOf: model.appendingPathComponent("config.json")))
            as? [String: Any] ?? [:]
        configuration["evident_verifier"] = ["labels": labels, "maximum_length": limit]
        try JSONSerialization.data(withJSONObject: configuration).write(
            to: folder.appendingPathComponent("config.json"))
        let hidden = 384
        var weight: [Float] = []
        for row in 0..<labels.count {
            for column in 0..<hidden { weight.append(Float(0.05 * sin(0.37 * Double(row * hidden + column) + 1))) }
        }
        try SafeTensorsWriting.append(
            [("classifier.weight", [labels.count, hidden], weight), ("classifier.bias", [labels.count], bias)],
            to: model.appendingPathComponent("model.safetensors"),
            writingTo: folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    @Test(.enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)))
    func pairsAreTokenizedAsTokenizersDoesLongestFirst() throws {
        let fixture = try Self.fixture()
        let tokenizer = try WordPieceTokenizer(directory: #require(SharedData.miniLMModel))
        #expect(fixture.cases.count == 12)
        for item in fixture.cases {
            let (ids, segments) = tokenizer.pairTokenIDs(item.claim, item.evidence, limit: fixture.limit)
            #expect(ids == item.ids, "\(item.claim) / \(item.evidence)")
            #expect(segments == item.segments, "\(item.claim) / \(item.evidence)")
        }
        // Both cut: the longer text loses pieces until the two are as long, then they alternate.
        let cut = tokenizer.pairTokenIDs(
            String(repeating: "word ", count: 40), String(repeating: "other ", count: 50), limit: 23)
        #expect(cut.ids.count == 23)
        #expect(cut.segments.filter { $0 == 0 }.count == 1 + 10 + 1)
    }

    @Test(.enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)))
    func probabilitiesMatchThePyTorchCrossEncoder() throws {
        let fixture = try Self.fixture()
        let folder = try Self.formulaVerifier(limit: fixture.limit, bias: fixture.bias, labels: fixture.labels)
        defer { try? FileManager.default.removeItem(at: folder) }
        let verifier = try ClaimVerifier(directory: folder)
        #expect(verifier.maximumLength == fixture.limit)
        #expect(verifier.labels == [.supports, .refutes, .neutral])
        let results = verifier.verify(fixture.cases.map { (claim: $0.claim, evidence: $0.evidence) }, batchSize: 5)
        #expect(results.count == fixture.cases.count)
        var worst = 0.0
        for (item, result) in zip(fixture.cases, results) {
            let got = [result.supports, result.refutes, result.neutral]
            let want = ["Supports", "Refutes", "Neutral"].map { item.probabilities[$0] ?? -1 }
            #expect(abs(got.reduce(0, +) - 1) < 1e-9)
            for (a, b) in zip(got, want) { worst = max(worst, abs(a - b)) }
        }
        // The fp32 encoder against PyTorch's: measured worst difference about 1e-6.
        #expect(worst < 2e-5, "worst probability difference \(worst)")
        // One pair alone gives what it gives in a batch.
        let single = verifier.verify([(claim: fixture.cases[1].claim, evidence: fixture.cases[1].evidence)])
        #expect(abs(single[0].supports - results[1].supports) < 1e-6)
    }

    @Test(.enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)))
    func aFolderWithoutTheVerifierEntryOrClassifierIsRefusedWithTheFile() throws {
        let folder = try Self.formulaVerifier(limit: 32, bias: [0, 0, 0], labels: ["Supports", "Refutes", "Neutral"])
        defer { try? FileManager.default.removeItem(at: folder) }
        // The plain sentence model is no verifier.
        let model = try #require(SharedData.miniLMModel)
        let notAVerifier = #expect(throws: EmbeddingError.self) { try ClaimVerifier(directory: model) }
        #expect(notAVerifier?.kind == .damagedFile)
        #expect(notAVerifier?.path?.hasSuffix("config.json") == true)
        // Labels must be the three, each once.
        let configurationURL = folder.appendingPathComponent("config.json")
        var configuration = try JSONSerialization.jsonObject(with: Data(contentsOf: configurationURL)) as? [String: Any]
        configuration?["evident_verifier"] = ["labels": ["Supports", "Supports", "Neutral"], "maximum_length": 32]
        try JSONSerialization.data(withJSONObject: configuration ?? [:]).write(to: configurationURL)
        let repeated = #expect(throws: EmbeddingError.self) { try ClaimVerifier(directory: folder) }
        #expect(repeated?.reason.contains("Supports") == true)
        // A model without the classifier names the tensor.
        configuration?["evident_verifier"] = ["labels": ["Supports", "Refutes", "Neutral"], "maximum_length": 32]
        try JSONSerialization.data(withJSONObject: configuration ?? [:]).write(to: configurationURL)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(
            at: model.appendingPathComponent("model.safetensors"),
            to: folder.appendingPathComponent("model.safetensors"))
        let missing = #expect(throws: EmbeddingError.self) { try ClaimVerifier(directory: folder) }
        #expect(missing?.reason.contains("classifier.weight") == true)
    }

    @Test func entailmentLabelIsTheMostProbable() {
        #expect(Entailment(supports: 0.5, refutes: 0.2, neutral: 0.3).label == .supports)
        #expect(Entailment(supports: 0.2, refutes: 0.5, neutral: 0.3).label == .refutes)
        #expect(Entailment(supports: 0.2, refutes: 0.3, neutral: 0.5).label == .neutral)
    }
}

/// Writes a copy of a safetensors file with more F32 tensors appended (for tests that build model folders).
enum SafeTensorsWriting {
    static func append(
        _ tensors: [(name: String, shape: [Int], values: [Float])], to source: URL, writingTo destination: URL
    ) throws {
        let bytes = [UInt8](try Data(contentsOf: source))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let headerData = Data(bytes[8..<(8 + headerLength)])
        var header = try JSONSerialization.jsonObject(with: headerData) as? [String: Any] ?? [:]
        var data = Array(bytes[(8 + headerLength)...])
        for tensor in tensors {
            let start = data.count
            for value in tensor.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 } }
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [start, data.count]]
        }
        var encoded = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        // Pad the header with spaces so that the data stays 8-byte aligned.
        while (8 + encoded.count) % 8 != 0 { encoded.append(0x20) }
        var output: [UInt8] = []
        withUnsafeBytes(of: UInt64(encoded.count).littleEndian) { output += $0 }
        output += encoded
        output += data
        try Data(output).write(to: destination)
    }
}
