/// The Snowball English ("Porter2") stemmer, as defined at snowballstem.org as of Snowball 3.0.0 (the version PyStemmer 3.1 wraps).
///
/// Written for Evident from the published algorithm; it agrees word for word with PyStemmer's
/// `Stemmer.Stemmer("english")` on the fixture `Tests/EvidentTests/Fixtures/english-stems.tsv`.
/// Like every Snowball stemmer it expects a lowercase word (the ``Analyzer`` lowercases first).
/// Characters other than ASCII are carried through unchanged and count as consonants, and lengths are
/// measured in Unicode scalars, as Snowball's UTF-8 stemmers do.
public struct EnglishStemmer: Sendable {
    /// Creates a stemmer; it holds no state, so one instance can be shared freely.
    ///
    /// - Complexity: O(1)
    public init() {}

    /// Returns the stem of a lowercase word.
    ///
    /// - Parameter word: A single lowercase word, such as `"generously"`.
    /// - Returns: The word's stem, such as `"generous"`; words shorter than three characters come back unchanged.
    /// - Complexity: O(*n*), where *n* is the length of `word`.
    public func stem(_ word: String) -> String {
        var encoded: [UInt8] = []
        encoded.reserveCapacity(word.utf8.count)
        var others: [Unicode.Scalar] = []
        for scalar in word.unicodeScalars {
            if scalar.isASCII {
                encoded.append(UInt8(truncatingIfNeeded: scalar.value))
            } else {
                // One placeholder byte per non-ASCII scalar: a consonant to every rule, one character long,
                // never deleted (every suffix the algorithm removes is ASCII), restored in order below.
                encoded.append(Self.placeholder)
                others.append(scalar)
            }
        }
        stem(encodedWord: &encoded)
        if others.isEmpty { return String(decoding: encoded, as: UTF8.self) }
        var result = String.UnicodeScalarView()
        var next = others.makeIterator()
        for byte in encoded {
            if byte == Self.placeholder, let scalar = next.next() {
                result.append(scalar)
            } else {
                result.append(Unicode.Scalar(byte))
            }
        }
        return String(result)
    }

    /// The byte that stands for one non-ASCII scalar inside ``stem(encodedWord:)``.
    static let placeholder: UInt8 = 0x80

    /// Stems a word in place, given as ASCII bytes in which every non-ASCII scalar is one byte ≥ 0x80.
    ///
    /// The analyzer calls this on its reusable token buffer to avoid creating a `String` per token.
    ///
    /// - Parameter encodedWord: The word; replaced by its stem.
    /// - Complexity: O(*n*), where *n* is the length of the word.
    func stem(encodedWord: inout [UInt8]) {
        if let replacement = Self.exceptionalForm(of: encodedWord) {
            encodedWord = replacement
            return
        }
        guard encodedWord.count >= 3 else { return }
        var run = SnowballEnglishRun(word: encodedWord)
        encodedWord = []  // hand the storage to `run` so that its edits do not copy it
        run.stem()
        encodedWord = run.word
    }
}
