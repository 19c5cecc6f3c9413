import ArgumentParser
import Evident
import EvidentTestSupport
import Foundation
import Testing

@testable import EvidentCLI

@Suite struct HelpAndAdviceTests {
    static let commands: [any ParsableCommand.Type] = [EvidentCommand.self] + EvidentCommand.configuration.subcommands

    @Test("every command's help reads cleanly", arguments: HelpAndAdviceTests.commands.map { ObjectIdentifier($0) })
    func helpHasNoStrayGaps(command: ObjectIdentifier) throws {
        let type = try #require(Self.commands.first { ObjectIdentifier($0) == command })
        let help = EvidentCommand.helpMessage(for: type, columns: 120)
        #expect(help.contains("USAGE:"))
        for line in help.split(separator: "\n") {
            // A line is an option column and its text, or text alone: past the first gap of two or more spaces
            // (the column), the text has no gap of three (a line continued inside a string shipped one of 13).
            let text = line.drop { $0 == " " }
            let description = text.range(of: "  ").map { text[$0.upperBound...].drop { $0 == " " } } ?? text
            #expect(!description.contains("   "), "a gap in the help of \(type): \(line)")
        }
    }

    @Test func theRootHelpSaysWhereModelsAreFound() {
        let help = EvidentCommand.helpMessage(columns: 120)
        #expect(help.contains("EVIDENT_MODELS"))
        #expect(help.contains(".local/share/evident/models"))
    }

    @Test func storageErrorsGetAdviceInTheCommandsTerms() {
        func worded(_ error: StorageError) -> String { "\(Advice.worded(error))" }
        #expect(worded(.notAnIndex(path: "x")).contains("evident index <corpus> --out x"))
        #expect(worded(.noSuchIndex(path: "x")).contains("evident index <corpus> --out x"))
        #expect(worded(.damaged(path: "x/postings.bin", reason: "truncated")).contains("--force"))
        #expect(worded(.missingFile(path: "x/norms.bin")).contains("--force"))
        #expect(worded(.outputExists(path: "x")).contains("pass --force"))
        // A folder that is not an index is never replaced, so --force is not offered for it.
        #expect(!worded(.outputIsNotAnIndex(path: "x")).contains("--force"))
        #expect(worded(.outputIsNotAnIndex(path: "x")).contains("choose another --out"))
        #expect(worded(.outputParentIsAFile(path: "x")).contains("--out"))
    }

    @Test func searchAndModelErrorsGetAdviceInTheCommandsTerms() {
        let index = EmbeddingSettings(modelID: "all-MiniLM-L6-v2", fingerprint: "abc", dimension: 384)
        let other = EmbeddingSettings(modelID: "other", fingerprint: "def", dimension: 384)
        #expect("\(Advice.worded(RetrievalError.indexHasNoVectors))".contains("--mode lexical"))
        #expect("\(Advice.worded(RetrievalError.modelMismatch(index: index, given: other)))".contains("--model"))
        #expect("\(Advice.worded(RetrievalError.modeNeedsModel(.dense, indexModel: nil)))".contains("--mode lexical"))
        #expect("\(Advice.worded(RetrievalError.modeNeedsModel(.hybrid, indexModel: "m")))".contains("--model"))
        let missing = EmbeddingError(.missingFile, path: "Models/x/vocab.txt", reason: "the vocabulary file is missing")
        #expect("\(Advice.worded(missing))".contains("make setup"))
        let unsupported = EmbeddingError(.unsupportedModel, path: "config.json", reason: "hidden_act is \"relu\"")
        #expect("\(Advice.worded(unsupported))" == "config.json: hidden_act is \"relu\"")
    }

    @Test func shardErrorsGetAdviceInTheCommandsTerms() throws {
        let shard = try #require(CorpusShard(number: 2, of: 3))
        func worded(_ error: any Error) -> String { "\(Advice.worded(error))" }
        #expect(worded(CollectionStatisticsError.notAShard(path: "x")).contains("--shard K/N"))
        #expect(
            worded(CollectionStatisticsError.incomplete(count: 3, missing: [2])).contains("shard 2 of 3 is missing"))
        #expect(
            worded(CollectionStatisticsError.shardNotCounted(path: "x", shard: shard, statistics: "s"))
                .contains("evident statistics"))
        #expect(worded(IndexingJobError.emptyShard(shard, path: "c", documents: 2)).contains("fewer shards"))
        #expect(worded(IndexingJobError.shardDiffers(index: shard, asked: nil)).contains("--shard 2/3"))
    }

    @Test func theEnginesOwnMessagesNameNoFlag() throws {
        let shard = try #require(CorpusShard(number: 2, of: 3))
        let errors: [any Error] = [
            CollectionStatisticsError.notAShard(path: "x"), CollectionStatisticsError.repeatedShard(shard),
            CollectionStatisticsError.shardNotCounted(path: "x", shard: shard, statistics: "s"),
            IndexingJobError.emptyShard(shard, path: "c", documents: 2),
            IndexingJobError.shardDiffers(index: shard, asked: nil),
            StorageError.notAnIndex(path: "x"), StorageError.damaged(path: "x", reason: "truncated"),
            StorageError.outputExists(path: "x"), RetrievalError.indexHasNoVectors,
            RetrievalError.modeNeedsModel(.dense, indexModel: nil),
            RetrievalError.modeNeedsModel(.dense, indexModel: "all-MiniLM-L6-v2"),
        ]
        for error in errors {
            #expect(!"\(error)".contains("--"), "\(error)")
            #expect(!"\(error)".contains("evident "), "\(error)")
        }
    }

    @Test func aModelOnNoFolderOfTheSearchPathSaysWhereItWasLookedFor() {
        let failure = ModelLocation.notFound("no-such-model")
        #expect(failure.description.contains("no-such-model"))
        #expect(failure.description.contains("Models"))
        #expect(failure.description.contains("--model DIR"))
    }
}
