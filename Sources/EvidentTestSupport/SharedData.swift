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
    /// `../shared/data/scifact`, or `nil` when absent.
    public static var sciFact: URL? { existing("data/scifact") }
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
