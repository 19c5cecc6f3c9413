/// The parameters of Okapi BM25 as Lucene's `BM25Similarity` uses them.
public struct BM25Parameters: Sendable, Hashable, Codable {
    /// Term-frequency saturation; Lucene's default is 1.2, Evident's (and Anserini's) is 0.9.
    public var k1: Float
    /// Length normalisation, from 0 (none) to 1 (full); Lucene's default is 0.75, Evident's 0.4.
    public var b: Float

    /// Creates BM25 parameters.
    ///
    /// - Parameters:
    ///   - k1: Term-frequency saturation, at least 0.
    ///   - b: Length normalisation, between 0 and 1.
    public init(k1: Float = 0.9, b: Float = 0.4) {
        self.k1 = k1
        self.b = b
    }

    /// Whether k1 is finite and at least 0 and b lies between 0 and 1: the range in which every BM25 term score
    /// is positive and finite.
    public var isValid: Bool { k1.isFinite && k1 >= 0 && b >= 0 && b <= 1 }

    /// k1 0.9, b 0.4: the values BEIR's and Anserini's BM25 baselines use.
    public static let `default` = BM25Parameters()
}

/// How the lexical index scores a passage against a query.
public enum LexicalScoring: Sendable, Hashable, Codable, CustomStringConvertible {
    /// BM25 exactly as Lucene's `BM25Similarity` computes it, lossy length encoding included.
    case bm25(BM25Parameters)
    /// Cosine similarity of log-scaled TF-IDF vectors: weight (1 + ln tf) · idf, idf = 1 + ln((N + 1) / (df + 1)).
    case tfidf

    /// BM25 with k1 0.9 and b 0.4.
    public static let `default` = LexicalScoring.bm25(.default)

    public var description: String {
        switch self {
        case .bm25(let parameters): "BM25 (k1 \(parameters.k1), b \(parameters.b))"
        case .tfidf: "TF-IDF cosine"
        }
    }
}

/// Lucene's lossy one-byte encoding of a field's length (`SmallFloat.intToByte4` and `byte4ToInt`).
///
/// Lengths up to 23 are exact; above that, four significant bits are kept, so BM25 sees the same rounded length
/// that Lucene stores in its norms.
enum LuceneLengthEncoding {
    /// Values below this are stored as they are: 255 minus the code of `Int32.max`.
    private static let exactValues = 24

    static func encode(_ length: Int) -> UInt8 {
        precondition(length >= 0, "a length cannot be negative")
        if length < exactValues { return UInt8(length) }
        return UInt8(exactValues + encodeFourBits(length - exactValues))
    }

    static func decode(_ code: UInt8) -> Int {
        let value = Int(code)
        if value < exactValues { return value }
        return exactValues + decodeFourBits(value - exactValues)
    }

    /// A float-like code with 4 significant bits (the top one implicit) and the exponent above them.
    private static func encodeFourBits(_ value: Int) -> Int {
        let bitCount = Int.bitWidth - value.leadingZeroBitCount
        if bitCount < 4 { return value }
        let shift = bitCount - 4
        return ((value >> shift) & 0x07) | ((shift + 1) << 3)
    }

    private static func decodeFourBits(_ code: Int) -> Int {
        let bits = code & 0x07
        let shift = (code >> 3) - 1
        return shift == -1 ? bits : (bits | 0x08) << shift
    }

    /// The decoded length of every code, as Lucene's `BM25Similarity.LENGTH_TABLE`.
    static let lengthTable: [Float] = (0..<256).map { Float(decode(UInt8($0))) }
}
