import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct IndexingJobTests {
    /// A corpus folder of two Markdown files and an output path beside it, in a temporary folder.
    private struct Workspace {
        let root: URL
        var corpus: URL { root.appendingPathComponent("corpus") }
        var output: URL { root.appendingPathComponent("index") }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("evident-job-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("corpus"), withIntermediateDirectories: true)
            try write("# Mesothelioma\n\nNivolumab plus ipilimumab is a first-line option.\n", to: "meso.md")
            try write("# CAR T cells\n\nCAR T cells are made from a patient's own T cells.\n", to: "cart.md")
        }

        func write(_ text: String, to name: String) throws {
            try Data(text.utf8).write(to: corpus.appendingPathComponent(name))
        }

        func job(_ policy: ExistingIndexPolicy) -> IndexingJob {
            IndexingJob(corpus: corpus, output: output, existingIndex: policy)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    @Test func aJobReadsBuildsAndWritesAndReportsEachPhase() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        var events: [String] = []
        let outcome = try workspace.job(.refuse).run { event in
            switch event {
            case .reading: events.append("reading")
            case .read: events.append("read")
            case .building: events.append("building")
            case .writing: events.append("writing")
            case .previousIndexHasOtherVectors: events.append("other vectors")
            }
        }
        guard case .built(let report) = outcome else {
            Issue.record("expected a build, got \(outcome)")
            return
        }
        #expect(report.build.documentCount == 2)
        #expect(report.manifest.corpus.documents == 2)
        #expect(report.times.total >= report.times.build)
        #expect(try EvidentIndex(contentsOf: workspace.output).documentCount == 2)
        #expect(events.first == "reading" && events.last == "writing")
        #expect(events.contains("read") && events.contains("building"))
    }

    @Test func anUpToDateIndexIsKeptAndAChangedCorpusRebuildsIt() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        _ = try workspace.job(.refuse).run()
        let built = try EvidentIndex(contentsOf: workspace.output).manifest.createdAt
        guard case .upToDate(let manifest, _, _) = try workspace.job(.keepIfUpToDate).run() else {
            Issue.record("the index was rebuilt although nothing changed")
            return
        }
        #expect(manifest.createdAt == built)

        try workspace.write("# New\n\nPemetrexed is given with cisplatin.\n", to: "new.md")
        guard case .built(let report) = try workspace.job(.keepIfUpToDate).run() else {
            Issue.record("a changed corpus kept the old index")
            return
        }
        #expect(report.build.documentCount == 3)
        #expect(try EvidentIndex(contentsOf: workspace.output).documentCount == 3)
    }

    @Test func otherSettingsMakeAnIndexOutOfDate() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        _ = try workspace.job(.refuse).run()
        var job = workspace.job(.keepIfUpToDate)
        job.configuration.indexesTitles = false
        guard case .built = try job.run() else {
            Issue.record("an index built with other settings was kept")
            return
        }
    }

    @Test func anExistingIndexIsRefusedBeforeTheCorpusIsRead() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        _ = try workspace.job(.refuse).run()
        var job = workspace.job(.refuse)
        job.corpus = workspace.root.appendingPathComponent("no-such-corpus")
        #expect(throws: StorageError.outputExists(path: workspace.output.path)) { try job.run() }
    }

    @Test func aCorpusWithoutDocumentsIsAnError() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        var job = workspace.job(.refuse)
        job.reader = CorpusReaderConfiguration(excludedPaths: ["meso.md", "cart.md"])
        #expect(throws: IndexingJobError.emptyCorpus(path: workspace.corpus.path, ignoredFiles: 2)) { try job.run() }
        #expect(!FileManager.default.fileExists(atPath: workspace.output.path))
    }

    @Test func aFolderThatIsNotAnIndexIsNeverOfferedForReplacing() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        // Not an index: refusing it as "exists" would suggest replacing it, which is refused in turn.
        #expect(throws: StorageError.outputIsNotAnIndex(path: workspace.corpus.path)) {
            try IndexBuild.checkTarget(workspace.corpus, replacing: false)
        }
        #expect(throws: StorageError.outputIsNotAnIndex(path: workspace.corpus.path)) {
            try IndexBuild.checkTarget(workspace.corpus, replacing: true)
        }
    }
}
