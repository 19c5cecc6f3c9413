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
