import ArgumentParser
import Evident
import Foundation

struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Merge an index's segments into one, dropping the documents updates deleted.",
        discussion: """
            `evident index --update` adds a segment for each update and marks replaced and removed documents \
            deleted. Search reads every segment and skips the deleted documents; optimize rebuilds the index as one \
            segment of its live documents (their vectors reused, none embedded again) with its approximate index, \
            and puts it in the old one's place in one step. An index of one segment without deletions is left as it \
            is.
            """)

    @Argument(help: "An index directory written by `evident index`.") var index: String
    @Option(help: ArgumentHelp(ModelLocation.optionHelp, valueName: "dir")) var model: String?
    @Flag(name: .shortAndLong, help: "Print only errors.") var quiet = false

    func run() throws {
        let directory = URL(fileURLWithPath: index)
        let evidentIndex = try openIndex(index)
        guard !evidentIndex.isSingleSegment else {
            if !quiet { print("\(index) has one segment and no deleted document; nothing to merge") }
            return
        }
        let embedder = try evidentIndex.configuration.embedding.map {
            try ModelLocation.load($0.modelID, given: model, precision: $0.precision)
        }
        let started = Terminal.now()
        let (build, _) = try IndexUpdate.optimize(evidentIndex, at: directory, embedder: embedder)
        guard !quiet else { return }
        print(
            "Optimized \(index) in \(Format.seconds(Terminal.now() - started)): "
                + "\(evidentIndex.segments.count) segments and "
                + "\(Format.counted(evidentIndex.documentCount - evidentIndex.liveDocumentCount, "deleted document")) "
                + "into one segment of \(Format.counted(build.documentCount, "document")), "
                + "\(Format.counted(build.passageCount, "passage")) (\(Format.count(build.reusedEmbeddings)) vectors "
                + "reused, \(Format.count(build.times.embeddedPassages)) embedded)")
    }
}
