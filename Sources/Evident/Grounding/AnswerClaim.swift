/// One sentence or list item of an answer: a claim to ground, or a piece of the answer that asserts nothing.
///
/// `range` is where the piece is written in the original answer, in Unicode scalar offsets, so that a Markdown
/// renderer can put a citation marker right after it; it takes in the markup around the text (an emphasis's
/// `*`, a link's target) but not a list item's marker or the whitespace around it. Cleaning
/// `answer.unicodeScalars[range]` with ``MarkdownCleaner/cleanInline(_:as:)`` gives back `text`.
public struct AnswerClaim: Sendable, Hashable, Codable {
    /// Whether a piece of an answer is a claim, and why not when it is not.
    public enum Kind: Sendable, Hashable, Codable {
        /// A statement that sources can support or contradict.
        case claim
        /// A piece that asserts nothing to ground, for the given reason.
        case notAClaim(NonClaimReason)
    }

    /// The clean text: Markdown markup removed, whitespace normalised, without a list marker.
    public var text: String
    /// The scalar offsets of the piece in the original answer.
    public var range: Range<Int>
    /// Whether the piece is a claim.
    public var kind: Kind
    /// The parts of a claim that each stand on their own ("X; Y" gives "X" and "Y"): one part, the whole claim,
    /// when it is not compound; none for a piece that is not a claim.
    public var parts: [ClaimPart]

    /// Creates a piece of an answer.
    ///
    /// - Parameters:
    ///   - text: The clean text.
    ///   - range: The scalar offsets in the original answer.
    ///   - kind: Whether the piece is a claim.
    ///   - parts: The parts of a claim.
    public init(text: String, range: Range<Int>, kind: Kind, parts: [ClaimPart]) {
        self.text = text
        self.range = range
        self.kind = kind
        self.parts = parts
    }

    /// Whether the piece is a claim to ground.
    public var isClaim: Bool { kind == .claim }
}

extension AnswerClaim.Kind {
    /// The kind's name in JSON: `claim`, or the reason it is not one (`heading`, `question`, `call-to-action`,
    /// `boilerplate`).
    public var name: String {
        switch self {
        case .claim: "claim"
        case .notAClaim(let reason): reason.rawValue
        }
    }

    /// Encodes the kind as its ``name``.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: The encoder's error.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    /// Decodes a kind from its ``name``.
    ///
    /// - Parameter decoder: The decoder to read from.
    /// - Throws: `DecodingError.dataCorrupted` for an unknown name.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        if name == "claim" {
            self = .claim
        } else if let reason = NonClaimReason(rawValue: name) {
            self = .notAClaim(reason)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown claim kind \(name)")
        }
    }
}

/// Why a piece of an answer is not a claim.
public enum NonClaimReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// A heading.
    case heading
    /// A question ("Could a clinical trial be right for you?").
    case question
    /// An imperative addressed to the reader that asserts nothing ("Ask your care team …", "Call …").
    case callToAction = "call-to-action"
    /// A disclaimer ("for informational purposes only", "not medical advice") or advice boilerplate ("Always
    /// consult your healthcare team …").
    case boilerplate
    /// A lead-in to what follows ("Here's the basic process:").
    case leadIn = "lead-in"
    /// A pleasantry addressed to the reader ("I appreciate this important question.", "I hope this helps.").
    case pleasantry
}

/// A part of a claim that stands on its own as a clause.
///
/// Most parts are a piece of the claim: `text` is the cleaned text of `range` in the original answer. A part
/// that shares its subject with the part before it ("CAR T cells are grown … and infused back into the
/// patient") is rebuilt: its `text` repeats the shared subject and verb ("CAR T cells are infused back into the
/// patient"), and its `range` covers only the words of its own ("infused back into the patient").
public struct ClaimPart: Sendable, Hashable, Codable {
    /// The text of the part, as a clause of its own.
    public var text: String
    /// The scalar offsets in the original answer of the words that the part takes from the claim.
    public var range: Range<Int>
    /// Whether `text` begins with the subject and verb shared with the part before, which `range` leaves out.
    public var isRebuilt: Bool

    /// Creates a part of a claim.
    ///
    /// - Parameters:
    ///   - text: The text of the part.
    ///   - range: The scalar offsets in the original answer of the words taken from the claim.
    ///   - isRebuilt: Whether `text` begins with a subject and verb that `range` leaves out.
    public init(text: String, range: Range<Int>, isRebuilt: Bool = false) {
        self.text = text
        self.range = range
        self.isRebuilt = isRebuilt
    }
}
