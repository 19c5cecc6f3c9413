import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct WordPieceTokenizerTests {
    static let tinyVocabulary = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "unaff", "##aff", "##able", "hello", "world", ",", "!",
        ".", "cafe", "中", "文", "x", "##x", "resume", "naive",
    ]
    static let tiny = WordPieceTokenizer(vocabulary: tinyVocabulary)
    static let hasModel = SharedData.miniLMModel != nil
    static let hasReference = SharedData.miniLMModel != nil && SharedData.referenceEmbeddings != nil

    // MARK: Parity with Hugging Face

    @Test(
        .enabled(if: hasReference, Comment(rawValue: SharedData.missingModelMessage + "; " + SharedData.missingMessage))
    )
    func referenceTextsGiveTheReferenceIDs() throws {
        let tokenizer = try WordPieceTokenizer(directory: #require(SharedData.miniLMModel))
        let cases = try Self.cases(in: #require(SharedData.referenceEmbeddings))
        #expect(cases.count == 70)
        Self.expectParity(tokenizer, cases)
    }

    @Test(.enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)))
    func cornerCasesGiveTheIDsOfHuggingFaceTokenizers() throws {
        let tokenizer = try WordPieceTokenizer(directory: #require(SharedData.miniLMModel))
        let url = try #require(
            Bundle.module.url(forResource: "wordpiece-cases", withExtension: "jsonl", subdirectory: "Fixtures"))
        let cases = try Self.cases(in: url)
        #expect(cases.count > 50)
        Self.expectParity(tokenizer, cases)
    }

    @Test(.enabled(if: hasModel, Comment(rawValue: SharedData.missingModelMessage)))
    func modelFolderSettingsAreRead() throws {
        let tokenizer = try WordPieceTokenizer(directory: #require(SharedData.miniLMModel))
        #expect(tokenizer.maximumLength == 256)
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.lowercases && tokenizer.stripsAccents && tokenizer.separatesChineseCharacters)
        #expect(tokenizer.tokenIDs(for: "") == [101, 102])
        #expect(tokenizer.wordPieces(for: "Pembrolizumab") == ["pe", "##mb", "##rol", "##iz", "##uma", "##b"])
        #expect(tokenizer.tokenIDs(for: ["", "hello"]) == [[101, 102], [101, 7592, 102]])
    }

    // MARK: Hand-written cases

    @Test func greedyLongestMatchUsesContinuationPieces() {
        #expect(Self.tiny.wordPieces(for: "unaffable") == ["unaff", "##able"])
        #expect(Self.tiny.wordPieces(for: "unable") == ["un", "##able"])
        #expect(Self.tiny.wordPieces(for: "xxx") == ["x", "##x", "##x"])
    }

    @Test func unmatchableWordsBecomeOneUnknownToken() {
        #expect(Self.tiny.wordPieces(for: "zebra") == ["[UNK]"])
        #expect(Self.tiny.wordPieces(for: "unaffz hello") == ["[UNK]", "hello"])
        #expect(Self.tiny.wordPieces(for: "able") == ["[UNK]"])  // "##able" only continues a word
    }

    @Test func wordsOverOneHundredCharactersBecomeUnknown() {
        #expect(Self.tiny.wordPieces(for: String(repeating: "x", count: 100)).count == 100)
        #expect(Self.tiny.wordPieces(for: String(repeating: "x", count: 101)) == ["[UNK]"])
    }

    @Test func punctuationIsSplitOff() {
        #expect(Self.tiny.wordPieces(for: "hello,world!.") == ["hello", ",", "world", "!", "."])
        #expect(Self.tiny.wordPieces(for: "hello—world") == ["hello", "[UNK]", "world"])
    }

    @Test func accentsAreStrippedAndTextLowercased() {
        #expect(Self.tiny.wordPieces(for: "Café") == ["cafe"])
        #expect(Self.tiny.wordPieces(for: "CAFE\u{301} RÉSUMÉ naïve") == ["cafe", "resume", "naive"])
        let cased = WordPieceTokenizer(vocabulary: Self.tinyVocabulary, lowercases: false)
        #expect(cased.wordPieces(for: "Café cafe") == ["[UNK]", "cafe"])
    }

    @Test func chineseCharactersAreSeparateWords() {
        #expect(Self.tiny.wordPieces(for: "hello中文world") == ["hello", "中", "文", "world"])
    }

    @Test func controlCharactersAreRemovedAndWhitespaceSplits() {
        #expect(Self.tiny.wordPieces(for: "hel\u{0}lo\u{7} wor\u{FFFD}ld\u{200B}") == ["hello", "world"])
        #expect(Self.tiny.wordPieces(for: "hello\u{3000}world\u{A0}\t\nhello") == ["hello", "world", "hello"])
    }

    @Test func specialTokensWrittenInTheTextAreKept() {
        #expect(
            Self.tiny.wordPieces(for: "hello[SEP]world [cls]") == [
                "hello", "[SEP]", "world", "[UNK]", "[UNK]", "[UNK]",
            ])
    }

    @Test func emptyTextGivesClassifierAndSeparator() {
        #expect(Self.tiny.tokenIDs(for: "") == [2, 3])
        #expect(Self.tiny.tokenIDs(for: " \t\u{0}") == [2, 3])
        #expect(Self.tiny.wordPieces(for: "").isEmpty)
    }

    @Test func truncationKeepsTheSeparatorLast() {
        let tokenizer = WordPieceTokenizer(vocabulary: Self.tinyVocabulary, maximumLength: 5)
        #expect(tokenizer.maximumLength == 5)
        #expect(tokenizer.tokenIDs(for: "hello world") == [2, 9, 10, 3])
        #expect(tokenizer.tokenIDs(for: "hello world hello world") == [2, 9, 10, 9, 3])
        #expect(tokenizer.tokenIDs(for: "hello xxxx") == [2, 9, 17, 18, 3])
        let longest = WordPieceTokenizer(vocabulary: Self.tinyVocabulary, maximumLength: 2)
        #expect(longest.tokenIDs(for: "hello") == [2, 3])
        #expect(Self.tiny.tokenIDs(for: String(repeating: "x ", count: 1000)).count == 256)
        #expect(Self.tiny.tokenIDs(for: String(repeating: "x ", count: 1000)).last == 3)
    }

    // MARK: Errors

    @Test func missingVocabularyNamesTheFileAndTheFix() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = try #require(throws: EmbeddingError.self) { try WordPieceTokenizer(directory: folder) }
        #expect(error.path?.hasSuffix("vocab.txt") == true)
        #expect(error.kind == .missingFile)
        #expect(error.description.contains("vocab.txt"))
    }

    @Test func vocabularyWithoutSpecialTokensIsRejected() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("[PAD]\n[UNK]\nhello\n".utf8).write(to: folder.appendingPathComponent("vocab.txt"))
        let error = try #require(throws: EmbeddingError.self) { try WordPieceTokenizer(directory: folder) }
        #expect(error.path?.hasSuffix("vocab.txt") == true)
        #expect(error.reason.contains("[CLS], [SEP]"))
    }

    @Test func folderSettingsAreHonoured() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(Self.tinyVocabulary.joined(separator: "\r\n").utf8).write(
            to: folder.appendingPathComponent("vocab.txt"))
        try Data(#"{"do_lower_case": false}"#.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        try Data(#"{"max_seq_length": 3}"#.utf8).write(to: folder.appendingPathComponent("sentence_bert_config.json"))
        let tokenizer = try WordPieceTokenizer(directory: folder)
        #expect(tokenizer.vocabularySize == Self.tinyVocabulary.count)
        #expect(tokenizer.maximumLength == 3)
        #expect(tokenizer.wordPieces(for: "Hello naive") == ["[UNK]", "naive"])
        #expect(tokenizer.tokenIDs(for: "naive hello") == [2, 20, 3])

        try Data("{not json".utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        let error = try #require(throws: EmbeddingError.self) { try WordPieceTokenizer(directory: folder) }
        #expect(error.path?.hasSuffix("tokenizer_config.json") == true)
    }

    // MARK: Helpers

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "evident-wordpiece-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The `{"text", "ids"}` lines of a JSONL file.
    static func cases(in url: URL) throws -> [(text: String, ids: [Int32])] {
        let data = try Data(contentsOf: url)
        return try data.split(separator: 0x0A).map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let text = try #require(object["text"] as? String)
            let ids = try #require(object["ids"] as? [NSNumber])
            return (text, ids.map(\.int32Value))
        }
    }

    /// Expects every case's ids; prints the first few mismatches with the text, expected and actual ids.
    static func expectParity(_ tokenizer: WordPieceTokenizer, _ cases: [(text: String, ids: [Int32])]) {
        var mismatches = 0
        for (text, expected) in cases {
            let actual = tokenizer.tokenIDs(for: text)
            guard actual != expected else { continue }
            mismatches += 1
            if mismatches <= 3 {
                Issue.record(
                    """
                    ids differ for \(String(reflecting: text.prefix(300)))
                    expected \(expected)
                    actual   \(actual)
                    pieces   \(tokenizer.wordPieces(for: text).prefix(60))
                    """)
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(cases.count) texts give different ids")
    }
}
