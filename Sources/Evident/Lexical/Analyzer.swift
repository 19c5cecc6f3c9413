/// A term the ``Analyzer`` produced, with the place in the text it came from.
public struct AnalyzedToken: Sendable, Hashable {
    /// The analyzed term: folded, lowercased and, by default, stemmed (`"patients'"` → `"patient"`).
    public var term: String
    /// The Unicode scalar offsets of the source word in the analyzed text, for highlighting.
    ///
    /// The range covers the word as written, including an elided apostrophe and a removed possessive `'s`.
    public var range: Range<Int>

    /// Creates a token.
    ///
    /// - Parameters:
    ///   - term: The analyzed term.
    ///   - range: The scalar offsets of its source word.
    /// - Complexity: O(1)
    public init(term: String, range: Range<Int>) {
        self.term = term
        self.range = range
    }
}

/// Turns text into index terms the way Lucene's `EnglishAnalyzer` does.
///
/// The steps, in order:
/// 1. **Tokenisation.** A token is a run of letters, digits and marks of any script; everything else separates
///    tokens, so `"PD-1"` gives `pd` and `1`, `"3.5"` gives `3` and `5`, and emoji are separators.
/// 2. **Apostrophes** (`'`, `’` U+2019, `ʼ` U+02BC). A possessive `'s` at the end of a word is removed
///    (`"patient's"` → `patient`, `"it's"` → `it`); an apostrophe between two token characters is elided so the
///    word stays whole (`"don't"` → `dont`, `"O'Brien"` → `obrien`), matching the same word typed without it;
///    any other apostrophe (`"patients'"`, quotes) separates.
/// 3. **Folding and lowercasing.** With ``AnalyzerConfiguration/foldsDiacritics`` letters of the Latin, Greek
///    and Cyrillic blocks and compatibility forms are decomposed and stripped of diacritics (`é` → `e`,
///    `ﬁ` → `fi`, `ß` → `ss`, fullwidth `Ａ` → `a`; `½` separates); other scripts, and everything when folding
///    is off, are only lowercased.
/// 4. **Stopwords** in ``AnalyzerConfiguration/stopwords`` are dropped.
/// 5. **Stemming** with the ``EnglishStemmer`` when ``AnalyzerConfiguration/stemming`` is on.
///
/// The analyzer reads the text's UTF-8 directly, with a fast path for ASCII, and reuses one byte buffer per call.
public struct Analyzer: Sendable {
    /// The configuration the analyzer was created with.
    public let configuration: AnalyzerConfiguration
    private let stemmer = EnglishStemmer()
    /// The stopwords of up to eight UTF-8 bytes, packed into integers (see `EnglishStemmer.packed(_:)`) and
    /// sorted, so that checking a short token needs neither a `String` nor a hash.
    private let packedStopwords: [UInt64]
    /// The stopwords longer than eight bytes.
    private let longStopwords: Set<String>

    /// Creates an analyzer.
    ///
    /// - Parameter configuration: Stopwords, stemming and folding; Lucene's English behaviour by default.
    /// - Complexity: O(*s*), where *s* is the number of stopwords.
    public init(configuration: AnalyzerConfiguration = .english) {
        self.configuration = configuration
        self.packedStopwords = configuration.stopwords.filter { (1...8).contains($0.utf8.count) }
            .map { EnglishStemmer.packed($0.utf8) }.sorted()
        self.longStopwords = configuration.stopwords.filter { $0.utf8.count > 8 }
    }

    /// Returns the analyzed terms of a text, in order, with stopwords removed.
    ///
    /// - Parameter text: Any text.
    /// - Returns: The terms, such as `["patient", "pd", "1", "inhibitor"]` for `"Patients' PD-1 inhibitors"`.
    /// - Complexity: O(*n*), where *n* is the length of `text`.
    public func terms(in text: String) -> [String] {
        var terms: [String] = []
        forEachTerm(in: text) { term, _ in terms.append(term) }
        return terms
    }

    /// Returns the analyzed terms of a text with the scalar ranges of the words they came from.
    ///
    /// - Parameter text: Any text.
    /// - Returns: The same terms as ``terms(in:)``, each with its range in `text.unicodeScalars` offsets.
    /// - Complexity: O(*n*), where *n* is the length of `text`.
    public func tokens(in text: String) -> [AnalyzedToken] {
        var tokens: [AnalyzedToken] = []
        forEachTerm(in: text) { term, range in tokens.append(AnalyzedToken(term: term, range: range)) }
        return tokens
    }

    /// Calls `body` with every analyzed term and its source word's scalar range, in order.
    func forEachTerm(in text: String, _ body: (_ term: String, _ range: Range<Int>) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            var scanner = TokenScanner(bytes: bytes, foldsDiacritics: configuration.foldsDiacritics)
            while let range = scanner.nextToken() {
                if let term = term(from: &scanner) { body(term, range) }
            }
        }
    }

    /// Turns the scanner's current token into a term, or `nil` when it is a stopword.
    private func term(from scanner: inout TokenScanner) -> String? {
        if isStopword(scanner.token) { return nil }
        guard configuration.stemming else { return String(decoding: scanner.token, as: UTF8.self) }
        if scanner.tokenIsASCII {
            stemmer.stem(encodedWord: &scanner.token)
            return String(decoding: scanner.token, as: UTF8.self)
        }
        return stemmer.stem(String(decoding: scanner.token, as: UTF8.self))
    }

    private func isStopword(_ token: [UInt8]) -> Bool {
        guard token.count <= 8 else {
            return !longStopwords.isEmpty && longStopwords.contains(String(decoding: token, as: UTF8.self))
        }
        let key = EnglishStemmer.packed(token)
        var low = 0
        var high = packedStopwords.count
        while low < high {
            let middle = (low + high) / 2
            if packedStopwords[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low < packedStopwords.count && packedStopwords[low] == key
    }
}

/// Reads tokens out of UTF-8 text one at a time into a reused, folded and lowercased byte buffer.
private struct TokenScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let foldsDiacritics: Bool
    /// The current token's UTF-8, folded and lowercased.
    var token: [UInt8] = []
    /// Whether `token` is all ASCII (so the stemmer can work on it in place).
    var tokenIsASCII = true
    /// The byte offset of the next scalar to read.
    private var position = 0
    /// The scalar offset of the next scalar to read.
    private var scalarOffset = 0

    init(bytes: UnsafeBufferPointer<UInt8>, foldsDiacritics: Bool) {
        self.bytes = bytes
        self.foldsDiacritics = foldsDiacritics
        token.reserveCapacity(64)
    }

    /// Reads the next token into `token` and returns its scalar range, or returns `nil` at the end of the text.
    mutating func nextToken() -> Range<Int>? {
        token.removeAll(keepingCapacity: true)
        tokenIsASCII = true
        var start = 0
        var end = 0
        while position < bytes.count {
            let byte = bytes[position]
            if byte < 0x80 {
                if Self.isASCIITokenByte(byte) {
                    if token.isEmpty { start = scalarOffset }
                    appendASCIIRun()
                    end = scalarOffset
                    continue
                }
                if byte == UInt8(ascii: "'"), !token.isEmpty {
                    if let tokenEnd = readApostrophe(width: 1) { return start..<tokenEnd }
                    end = scalarOffset
                    continue
                }
                position += 1
                scalarOffset += 1
                if !token.isEmpty { return start..<end }
                continue
            }
            let (scalar, width) = decodeScalar(at: position)
            if Self.isApostrophe(scalar) {
                if token.isEmpty {
                    position += width
                    scalarOffset += 1
                    continue
                }
                if let tokenEnd = readApostrophe(width: width) { return start..<tokenEnd }
                end = scalarOffset
                continue
            }
            let countBefore = token.count
            if ScalarFolding.isTokenCharacter(scalar), appendTokenScalar(scalar) {
                if countBefore == 0, !token.isEmpty { start = scalarOffset }
                position += width
                scalarOffset += 1
                if !token.isEmpty {
                    end = scalarOffset
                    if tokenIsASCII, token[countBefore...].contains(where: { $0 >= 0x80 }) { tokenIsASCII = false }
                }
                continue
            }
            position += width
            scalarOffset += 1
            if !token.isEmpty { return start..<end }
        }
        return token.isEmpty ? nil : start..<end
    }

    /// Appends a token scalar, folded or lowercased, to `token`.
    /// - Returns: `false` when, once folded, the scalar separates tokens instead.
    private mutating func appendTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
        guard foldsDiacritics else {
            ScalarFolding.appendLowercased(scalar, to: &token)
            return true
        }
        return ScalarFolding.appendFolded(scalar, to: &token)
    }

    /// Handles an apostrophe of `width` bytes at `position` inside a token.
    ///
    /// - Returns: The end of the token's scalar range when the apostrophe ends the token, or `nil` when it was
    ///   elided and the token goes on.
    private mutating func readApostrophe(width: Int) -> Int? {
        let apostropheOffset = scalarOffset
        position += width
        scalarOffset += 1
        guard position < bytes.count, isTokenCharacter(at: position) else { return apostropheOffset }
        let next = bytes[position]
        if next == UInt8(ascii: "s") || next == UInt8(ascii: "S"),
            position + 1 == bytes.count || !isTokenCharacter(at: position + 1)
        {
            position += 1  // a possessive 's: drop it, and let the range cover it
            scalarOffset += 1
            return scalarOffset
        }
        return nil
    }

    private func isTokenCharacter(at offset: Int) -> Bool {
        let byte = bytes[offset]
        if byte < 0x80 { return Self.isASCIITokenByte(byte) }
        return ScalarFolding.isTokenCharacter(decodeScalar(at: offset).scalar)
    }

    /// Appends the run of ASCII letters and digits at `position` to `token`, lowercased, in one copy.
    private mutating func appendASCIIRun() {
        let runStart = position
        var hasUppercase = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10 {
                position += 1
            } else if byte &- UInt8(ascii: "A") < 26 {
                hasUppercase = true
                position += 1
            } else {
                break
            }
        }
        let tokenStart = token.count
        token.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
        scalarOffset += position - runStart
        if hasUppercase {
            for index in tokenStart..<token.count where token[index] &- UInt8(ascii: "A") < 26 {
                token[index] |= 0x20
            }
        }
    }

    /// Whether an ASCII byte is a letter or a digit.
    @inline(__always) private static func isASCIITokenByte(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10
    }

    private static func isApostrophe(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\u{2019}" || scalar == "\u{02BC}"
    }

    /// Decodes the scalar whose first byte is at `offset`; the text is valid UTF-8 because it came from a `String`.
    private func decodeScalar(at offset: Int) -> (scalar: Unicode.Scalar, width: Int) {
        let lead = UInt32(bytes[offset])
        let width: Int
        var value: UInt32
        switch lead {
        case 0..<0x80: return (Unicode.Scalar(UInt8(lead)), 1)
        case 0xC0..<0xE0:
            width = 2
            value = lead & 0x1F
        case 0xE0..<0xF0:
            width = 3
            value = lead & 0x0F
        default:
            width = 4
            value = lead & 0x07
        }
        for index in 1..<width where offset + index < bytes.count {
            value = value << 6 | (UInt32(bytes[offset + index]) & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", width)
    }
}
