public import Foundation

/// BERT's WordPiece tokenizer, giving the same token ids as Hugging Face's `BertTokenizer` (and its fast Rust
/// counterpart) for uncased models such as sentence-transformers all-MiniLM-L6-v2.
///
/// Text is cleaned (control characters, U+0000 and U+FFFD removed; whitespace breaks words), CJK ideographs become
/// words of their own, accents are stripped and the text lowercased (as `tokenizer_config.json` says), every
/// punctuation character becomes a word of its own, and each word is cut into the longest vocabulary pieces from the
/// left, continuations written `##piece`. A word with a part no piece matches, or longer than 100 characters, becomes
/// one `[UNK]`.
public struct WordPieceTokenizer: Sendable {
    /// The most tokens `tokenIDs(for:)` returns, `[CLS]` and `[SEP]` included.
    public let maximumLength: Int

    /// Whether text is lowercased.
    let lowercases: Bool
    /// Whether accents are stripped (NFD, then nonspacing marks removed).
    let stripsAccents: Bool
    /// Whether CJK ideographs are put in words of their own.
    let separatesChineseCharacters: Bool
    let vocabulary: Vocabulary
    let classifierID: Int32
    let separatorID: Int32
    let unknownID: Int32
    let paddingID: Int32
    /// The special tokens that are recognised when written in the text, longest first.
    let specialTokens: [(scalars: [UInt32], id: Int32)]

    /// Words longer than this many Unicode scalars become `[UNK]`.
    static let maximumCharactersPerWord = 100
    /// The tokens every BERT vocabulary must have.
    static let requiredTokens = ["[CLS]", "[SEP]", "[UNK]", "[PAD]"]
    /// The tokens Hugging Face matches when they are written in the text.
    static let specialTokenNames = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    /// Reads a tokenizer from a Hugging Face / sentence-transformers model folder.
    ///
    /// The folder must hold `vocab.txt` (one token a line, line *n* being id *n* − 1). `tokenizer_config.json`, when
    /// present, gives `do_lower_case` (default `true`), `strip_accents` (default: as `do_lower_case`) and
    /// `tokenize_chinese_chars` (default `true`); `sentence_bert_config.json`, when present, gives `max_seq_length`
    /// (default 256).
    ///
    /// - Parameter directory: The model folder.
    /// - Throws: `EmbeddingError` naming the file when `vocab.txt` is missing or lacks `[CLS]`, `[SEP]`, `[UNK]` or
    ///   `[PAD]`, or when a configuration file is not valid JSON.
    public init(directory: URL) throws {
        let vocabularyURL = directory.appendingPathComponent("vocab.txt")
        guard let data = FileManager.default.contents(atPath: vocabularyURL.path) else {
            throw EmbeddingError(.missingFile, path: vocabularyURL.path, reason: "the vocabulary file is missing")
        }
        let tokens = Self.lines(of: data)
        let tokenizerConfiguration = try Self.jsonObject(at: directory.appendingPathComponent("tokenizer_config.json"))
        let sentenceConfiguration = try Self.jsonObject(
            at: directory.appendingPathComponent("sentence_bert_config.json"))
        let lowercases = tokenizerConfiguration["do_lower_case"] as? Bool ?? true
        let stripsAccents = tokenizerConfiguration["strip_accents"] as? Bool ?? lowercases
        let separatesChineseCharacters = tokenizerConfiguration["tokenize_chinese_chars"] as? Bool ?? true
        let maximumLength = (sentenceConfiguration["max_seq_length"] as? NSNumber)?.intValue ?? 256
        guard maximumLength >= 2 else {
            throw EmbeddingError(
                .unsupportedModel, path: directory.appendingPathComponent("sentence_bert_config.json").path,
                reason: "max_seq_length is \(maximumLength); it must leave room for [CLS] and [SEP]",
                fix: "set max_seq_length to at least 2 (all-MiniLM-L6-v2 uses 256)")
        }
        let vocabulary = Vocabulary(tokens: tokens)
        let missing = Self.requiredTokens.filter { vocabulary.id(of: $0) == nil }
        guard missing.isEmpty else {
            throw EmbeddingError(
                .damagedFile, path: vocabularyURL.path,
                reason: "the vocabulary (\(tokens.count) tokens) lacks \(missing.joined(separator: ", "))",
                fix: "a BERT vocab.txt needs [CLS], [SEP], [UNK] and [PAD]")
        }
        self.init(
            vocabulary: vocabulary, lowercases: lowercases, stripsAccents: stripsAccents,
            separatesChineseCharacters: separatesChineseCharacters, maximumLength: maximumLength)
    }

    /// Creates a tokenizer from a vocabulary in memory.
    ///
    /// - Parameters:
    ///   - vocabulary: The tokens, indexed by id; continuation pieces start with `##`. It must contain `[CLS]`,
    ///     `[SEP]`, `[UNK]` and `[PAD]` (a precondition).
    ///   - lowercases: Whether to lowercase the text and strip its accents, as uncased BERT models do.
    ///   - maximumLength: The most tokens `tokenIDs(for:)` returns, `[CLS]` and `[SEP]` included; at least 2.
    public init(vocabulary: [String], lowercases: Bool = true, maximumLength: Int = 256) {
        let table = Vocabulary(tokens: vocabulary)
        precondition(
            Self.requiredTokens.allSatisfy { table.id(of: $0) != nil },
            "the vocabulary must contain \(Self.requiredTokens.joined(separator: ", "))")
        self.init(
            vocabulary: table, lowercases: lowercases, stripsAccents: lowercases, separatesChineseCharacters: true,
            maximumLength: maximumLength)
    }

    init(
        vocabulary: Vocabulary, lowercases: Bool, stripsAccents: Bool, separatesChineseCharacters: Bool,
        maximumLength: Int
    ) {
        precondition(maximumLength >= 2, "maximumLength must leave room for [CLS] and [SEP]")
        self.vocabulary = vocabulary
        self.lowercases = lowercases
        self.stripsAccents = stripsAccents
        self.separatesChineseCharacters = separatesChineseCharacters
        self.maximumLength = maximumLength
        self.classifierID = vocabulary.id(of: "[CLS]") ?? 0
        self.separatorID = vocabulary.id(of: "[SEP]") ?? 0
        self.unknownID = vocabulary.id(of: "[UNK]") ?? 0
        self.paddingID = vocabulary.id(of: "[PAD]") ?? 0
        self.specialTokens = Self.specialTokenNames
            .compactMap { name in vocabulary.id(of: name).map { (name.unicodeScalars.map(\.value), $0) } }
            .sorted { $0.scalars.count > $1.scalars.count }
    }

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { vocabulary.count }

    /// The token ids of `text`: `[CLS]`, the word pieces, `[SEP]`, truncated to `maximumLength` with `[SEP]` kept last.
    ///
    /// - Parameter text: Any text; the empty text gives `[CLS] [SEP]`.
    /// - Returns: Between 2 and `maximumLength` ids.
    /// - Complexity: O(*n*) in the length of the text (each word is matched against pieces of bounded length).
    public func tokenIDs(for text: String) -> [Int32] {
        var ids: [Int32] = [classifierID]
        ids.reserveCapacity(min(maximumLength, text.utf8.count / 3 + 8))
        appendPieceIDs(of: text, to: &ids, limit: maximumLength - 1)
        if ids.count > maximumLength - 1 { ids.removeSubrange((maximumLength - 1)...) }
        ids.append(separatorID)
        return ids
    }

    /// The token ids of each text, as `tokenIDs(for:)` gives them.
    ///
    /// - Parameter texts: The texts.
    /// - Returns: One id array per text, in order.
    public func tokenIDs(for texts: [String]) -> [[Int32]] {
        texts.map { tokenIDs(for: $0) }
    }

    /// The token ids of a pair of texts as a cross-encoder reads them: `[CLS] first [SEP] second [SEP]`, the longer
    /// of the two cut a piece at a time from its end until the whole fits in `limit` tokens (BERT's
    /// "longest first"), with the segment of each token: 0 for `[CLS]`, the first text and its `[SEP]`, 1 after.
    ///
    /// - Parameters:
    ///   - first: The first text (a claim).
    ///   - second: The second text (its evidence).
    ///   - limit: The most tokens, at least 3.
    /// - Returns: Ids and segments, of equal length.
    public func pairTokenIDs(_ first: String, _ second: String, limit: Int) -> (ids: [Int32], segments: [Int32]) {
        precondition(limit >= 3, "a pair needs room for [CLS] and two [SEP]")
        var a: [Int32] = []
        var b: [Int32] = []
        appendPieceIDs(of: first, to: &a, limit: Int.max)
        appendPieceIDs(of: second, to: &b, limit: Int.max)
        let budget = limit - 3
        if a.count + b.count > budget {
            // Longest first: cut the longer one (the second on a tie) down towards the other, then both alternately.
            let keptA: Int
            let keptB: Int
            if a.count > b.count {
                keptB = min(b.count, budget / 2)
                keptA = budget - keptB
            } else {
                keptA = min(a.count, (budget + 1) / 2)
                keptB = budget - keptA
            }
            a.removeSubrange(min(keptA, a.count)...)
            b.removeSubrange(min(keptB, b.count)...)
        }
        let ids = [classifierID] + a + [separatorID] + b + [separatorID]
        let segments = [Int32](repeating: 0, count: a.count + 2) + [Int32](repeating: 1, count: b.count + 1)
        return (ids, segments)
    }

    /// The word pieces of `text` as strings (`##` continuations, `[UNK]`), without `[CLS]`, `[SEP]` or truncation.
    ///
    /// - Parameter text: Any text.
    /// - Returns: The pieces, in order.
    public func wordPieces(for text: String) -> [String] {
        var ids: [Int32] = []
        appendPieceIDs(of: text, to: &ids, limit: Int.max)
        return ids.map { vocabulary.tokens[Int($0)] }
    }

    /// The lines of a vocabulary file, with `\n` or `\r\n` endings removed; a final newline does not add a token.
    static func lines(of data: Data) -> [String] {
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// The JSON object in `url`, or an empty one when the file does not exist.
    private static func jsonObject(at url: URL) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw EmbeddingError(
                .damagedFile, path: url.path, reason: "the file is not a JSON object",
                fix: "restore it from the model's distribution")
        }
        return object
    }
}
