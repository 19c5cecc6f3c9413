import Evident
import EvidentTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `evident` executable that `swift build` (and so `swift test`) writes beside the test bundle, or `nil`.
private let evidentExecutable: URL? = {
    let candidates = [
        Bundle.main.bundleURL.appendingPathComponent("evident"),
        SharedData.projectRoot.appendingPathComponent(".build/debug/evident"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

@Suite struct InterruptedIndexingTests {
    /// `evident index` killed (SIGKILL, no chance to clean up) at several moments of a rebuild over an existing
    /// index: whenever it dies, the index at --out is whole, the old one or the new one, never a part of either,
    /// and it opens with every checksum verified.
    @Test(
        .enabled(if: evidentExecutable != nil, "the evident executable is not built (swift build)"),
        .enabled(if: SharedData.miniLMModel != nil, "\(SharedData.missingModelMessage)"),
        arguments: [0.2, 0.8, 2.0, 5.0])
    func aKilledBuildLeavesTheIndexWhole(after seconds: Double) throws {
        let executable = try #require(evidentExecutable)
        let folder = try TemporaryFolder()
        let output = folder.url.appendingPathComponent("demo.index")
        func index(_ extra: [String]) throws -> Process {
            let process = Process()
            process.executableURL = executable
            process.arguments =
                ["index", SharedData.demoCorpus.path, "--out", output.path, "--force", "--quiet"] + extra
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let first = try index(["--lexical-only"])
        first.waitUntilExit()
        try #require(first.terminationStatus == 0)
        let old = try Data(contentsOf: output.appendingPathComponent("manifest.json"))

        // The rebuild embeds every passage and sentence (seconds, more in a debug build): killed on its way.
        let rebuild = try index(["--model", try #require(SharedData.miniLMModel).path])
        Thread.sleep(forTimeInterval: seconds)
        kill(rebuild.processIdentifier, SIGKILL)
        rebuild.waitUntilExit()

        let reopened = try EvidentIndex(contentsOf: output)
        let manifest = try Data(contentsOf: output.appendingPathComponent("manifest.json"))
        if manifest == old {
            #expect(reopened.vectors == nil, "the old, lexical index")
        } else {
            // Only a rebuild that got to its end replaces the index, and then wholly.
            #expect(reopened.vectors != nil && reopened.sentenceVectors != nil, "a new index without its vectors")
        }
        #expect(reopened.passageCount > 100)
        // Nothing but the index (and, from a kill during the final write, at most the write's own temporary
        // folder beside it) is left in the folder.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
        #expect(names.filter { !$0.hasPrefix(".demo.index.tmp-") } == ["demo.index"], "\(names)")
    }
}

@Suite struct InterruptedUpdateTests {
    /// `evident index --update` killed with SIGKILL at random moments (seeded): whenever it dies, the index opens
    /// with every checksum verified and is the old generation or the new one; a later update finishes the job
    /// and removes what the killed ones left.
    @Test(
        .enabled(if: evidentExecutable != nil, "the evident executable is not built (swift build)"),
        .enabled(if: SharedData.miniLMModel != nil, "\(SharedData.missingModelMessage)"))
    func aKilledUpdateLeavesTheIndexReadable() throws {
        let executable = try #require(evidentExecutable)
        let model = try #require(SharedData.miniLMModel)
        let folder = try TemporaryFolder()
        let corpus = folder.url.appendingPathComponent("corpus")
        try FileManager.default.copyItem(at: SharedData.demoCorpus, to: corpus)
        try FileManager.default.removeItem(at: corpus.appendingPathComponent("answers"))
        // Eight pages are held back from the first build and come back in the update; one page changes.
        let held = folder.url.appendingPathComponent("held")
        try FileManager.default.createDirectory(at: held, withIntermediateDirectories: true)
        let cellTherapy = corpus.appendingPathComponent("cell-therapy")
        let pages = try FileManager.default.contentsOfDirectory(atPath: cellTherapy.path).sorted().prefix(8)
        for page in pages {
            try FileManager.default.moveItem(
                at: cellTherapy.appendingPathComponent(page), to: held.appendingPathComponent(page))
        }
        let output = folder.url.appendingPathComponent("demo.index")
        func run(_ arguments: [String]) throws -> Process {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments + ["--model", model.path, "--quiet"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let first = try run(["index", corpus.path, "--out", output.path])
        first.waitUntilExit()
        try #require(first.terminationStatus == 0)
        let old = try EvidentIndex(contentsOf: output)
        for page in pages {
            try FileManager.default.moveItem(
                at: held.appendingPathComponent(page), to: cellTherapy.appendingPathComponent(page))
        }
        let changed = corpus.appendingPathComponent("mesothelioma").appendingPathComponent("clinical-trials.md")
        try (String(contentsOf: changed, encoding: .utf8) + "\nA sentence the update adds.\n")
            .write(to: changed, atomically: true, encoding: .utf8)

        var generator = SplitMix64(seed: 2026)
        var finished = false
        for _ in 0..<6 {
            let update = try run(["index", corpus.path, "--out", output.path, "--update"])
            Thread.sleep(forTimeInterval: Double.random(in: 0.05..<4, using: &generator))
            kill(update.processIdentifier, SIGKILL)
            update.waitUntilExit()
            let reopened = try EvidentIndex(contentsOf: output)
            if reopened.manifest.generation == 1 {
                finished = true
                #expect(reopened.liveDocumentCount == old.liveDocumentCount + pages.count)
                #expect(reopened.documentIndex(withID: "cell-therapy/\(pages[0])") != nil)
                break
            }
            #expect(reopened.manifest.generation == nil, "the old generation, whole")
            #expect(reopened.liveDocumentCount == old.liveDocumentCount)
        }
        if !finished {
            let update = try run(["index", corpus.path, "--out", output.path, "--update"])
            update.waitUntilExit()
            #expect(update.terminationStatus == 0)
        }
        let updated = try EvidentIndex(contentsOf: output)
        #expect(updated.manifest.generation == 1 && updated.segments.count == 2)
        #expect(updated.liveDocumentCount == old.liveDocumentCount + pages.count)
        // What killed updates left (unfinished segment folders, manifest drafts) is gone after a commit.
        let segments = try FileManager.default.contentsOfDirectory(
            atPath: output.appendingPathComponent("segments").path)
        #expect(segments == ["000001"])
        let names = try FileManager.default.contentsOfDirectory(atPath: output.path)
        #expect(!names.contains { $0.hasPrefix(".manifest.json.tmp-") }, "\(names)")
        // An update with nothing new changes nothing.
        let again = try run(["index", corpus.path, "--out", output.path, "--update"])
        again.waitUntilExit()
        #expect(try EvidentIndex(contentsOf: output).manifest.generation == 1)
    }
}
