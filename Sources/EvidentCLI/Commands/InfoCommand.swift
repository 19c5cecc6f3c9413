import ArgumentParser
import Evident
import Foundation

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe an index: its corpus, settings, counts and files; checks every checksum.")

    @Argument(help: "An index directory written by `evident index`.") var index: String
    @Flag(help: "Print the manifest as JSON.") var json = false

    func run() throws {
        let start = Terminal.now()
        let evidentIndex = try openIndex(index)
        let loadSeconds = Terminal.now() - start
        let manifest = evidentIndex.manifest
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(manifest), as: UTF8.self))
            return
        }
        let configuration = manifest.configuration
        print(
            """
            \(index): Evident index, format \(manifest.formatVersion), written by Evident \(manifest.evidentVersion) \
            at \(manifest.createdAt)
              corpus      \(manifest.corpus.path) (\(manifest.corpus.format.rawValue)), \
            \(Format.count(manifest.corpus.documents)) documents, \(Format.count(manifest.corpus.passages)) passages\
            \(manifest.corpus.skipped > 0 ? ", \(manifest.corpus.skipped) bad inputs skipped" : "")
              fingerprint \(manifest.corpus.fingerprint)
              passages    up to \(configuration.chunker.maxWords) words, overlap \
            \(configuration.chunker.overlapSentences) sentence(s); titles \
            \(configuration.indexesTitles ? "indexed" : "not indexed"), sections \
            \(configuration.indexesSections ? "indexed" : "not indexed")
              scoring     \(configuration.scoring)
              terms       \(Format.count(manifest.statistics.terms)), postings \
            \(Format.count(manifest.statistics.postings)), mean passage \
            \(Format.decimal(manifest.statistics.averagePassageLength, places: 1)) terms
              files       \(Format.bytes(manifest.files.values.reduce(0) { $0 + $1.bytes })) in \
            \(manifest.files.count + 1) files, checksums verified; opened in \(Format.seconds(loadSeconds))
              compute     OpenBLAS \(OpenBLASKernels.coreName) kernels
            """)
    }
}
