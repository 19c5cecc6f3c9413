import Foundation

// BERT's basic tokenization, as Hugging Face's `BertNormalizer` and `BertPreTokenizer` do it: remove U+0000,
// U+FFFD and control characters, turn whitespace into word breaks, put CJK ideographs in words of their own, strip
// accents (NFD, then drop the nonspacing marks), lowercase, and make every punctuation character a word of its own.
// Special tokens such as `[SEP]` written in the text are matched first, case-sensitively, as the reference does.
extension WordPieceTokenizer {
    /// Appends the ids of the word pieces of `text` to `ids`, word by word, and stops after the first word that
    /// brings `ids.count` to `limit` or beyond (so that a word which ends up as `[UNK]` is never cut in half).
    func appendPieceIDs(of text: String, to ids: inout [Int32], limit: Int) {
        guard ids.count < limit else { return }
        let source = sourceScalars(of: text)
        var word: [UInt32] = []
        word.reserveCapacity(32)
        source.withUnsafeBufferPointer { source in
            var index = 0
            while index < source.count {
                let scalar = source[index]
                if scalar == 0x5B, let (id, length) = specialToken(at: index, in: source) {  // "["
                    appendWord(&word, to: &ids)
                    guard ids.count < limit else { return }
                    ids.append(id)
                    guard ids.count < limit else { return }
                    index += length
                    continue
                }
                index += 1
                if scalar < 0x80 {
                    switch scalar {
                    case 0x41...0x5A:  // A-Z
                        word.append(lowercases ? scalar | 0x20 : scalar)
                    case 0x61...0x7A, 0x30...0x39:  // a-z, 0-9
                        word.append(scalar)
                    case 0x09, 0x0A, 0x0D, 0x20:  // whitespace
                        appendWord(&word, to: &ids)
                        guard ids.count < limit else { return }
                    case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E:  // BERT's ASCII punctuation
                        appendWord(&word, to: &ids)
                        guard ids.count < limit else { return }
                        word.append(scalar)
                        appendWord(&word, to: &ids)
                        guard ids.count < limit else { return }
                    default:  // the other C0 controls and DEL
                        break
                    }
                    continue
                }
                guard let unicodeScalar = Unicode.Scalar(scalar) else { continue }
                let properties = unicodeScalar.properties
                let category = properties.generalCategory
                switch category {
                case .control, .format, .privateUse, .surrogate:
                    // Removed by text cleaning; U+0085 too (it is a control before it is whitespace). Unassigned
                    // code points are kept, as the reference's Rust `is_other` keeps them (Python's removes them).
                    continue
                case .nonspacingMark where stripsAccents:
                    continue
                default:
                    break
                }
                if scalar == 0xFFFD { continue }
                if properties.isWhitespace {
                    appendWord(&word, to: &ids)
                    guard ids.count < limit else { return }
                    continue
                }
                if (separatesChineseCharacters && Self.isChineseCharacter(scalar)) || Self.isPunctuation(category) {
                    appendWord(&word, to: &ids)
                    guard ids.count < limit else { return }
                    word.append(scalar)
                    appendWord(&word, to: &ids)
                    guard ids.count < limit else { return }
                    continue
                }
                if lowercases && properties.changesWhenLowercased {
                    for lowercase in properties.lowercaseMapping.unicodeScalars {
                        word.append(lowercase.value)
                    }
                } else {
                    word.append(scalar)
                }
            }
            appendWord(&word, to: &ids)
        }
    }

    /// The text's Unicode scalars, canonically decomposed (NFD) when accents are stripped and the text has a
    /// character that might decompose.
    private func sourceScalars(of text: String) -> [UInt32] {
        let utf8 = text.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            return utf8.map { UInt32($0) }
        }
        let scalars = text.unicodeScalars.map(\.value)
        guard stripsAccents && scalars.contains(where: Self.mightDecompose) else { return scalars }
        return text.decomposedStringWithCanonicalMapping.unicodeScalars.map(\.value)
    }

    /// Whether the scalar might have a canonical decomposition. Only ASCII, the Latin-1 symbols (U+0080–U+00BF) and
    /// U+2002–U+20FF (general punctuation such as ’ “ — …, super- and subscripts, currency signs, combining marks for
    /// symbols) are known to have none; skipping NFD for text made of them alone saves most of its cost.
    static func mightDecompose(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0..<0xC0, 0x2002...0x20FF: false
        default: true
        }
    }

    /// The id and length of the special token (`[CLS]`, `[SEP]`, …) that starts at `index`, if one does.
    private func specialToken(at index: Int, in source: UnsafeBufferPointer<UInt32>) -> (id: Int32, length: Int)? {
        for special in specialTokens {
            let end = index + special.scalars.count
            if end <= source.count && source[index..<end].elementsEqual(special.scalars) {
                return (special.id, special.scalars.count)
            }
        }
        return nil
    }

    /// Appends the word pieces of `word` to `ids` (greedy longest match first, `##` continuations; one `[UNK]` for a
    /// word longer than `maximumCharactersPerWord` or with an unmatchable rest), then empties `word`.
    private func appendWord(_ word: inout [UInt32], to ids: inout [Int32]) {
        guard !word.isEmpty else { return }
        defer { word.removeAll(keepingCapacity: true) }
        guard word.count <= Self.maximumCharactersPerWord else {
            ids.append(unknownID)
            return
        }
        let firstPiece = ids.count
        word.withUnsafeBufferPointer { word in
            var start = 0
            while start < word.count {
                var end = min(word.count, start + vocabulary.longestBody)
                var match: Int32?
                while end > start {
                    let piece = UnsafeBufferPointer(rebasing: word[start..<end])
                    if let id = vocabulary.id(of: piece, isContinuation: start > 0) {
                        match = id
                        break
                    }
                    end -= 1
                }
                guard let match else {
                    ids.removeSubrange(firstPiece...)
                    ids.append(unknownID)
                    return
                }
                ids.append(match)
                start = end
            }
        }
    }

    /// Whether the scalar is a CJK ideograph, in the blocks BERT (Hugging Face's Rust `BertNormalizer`) lists.
    static func isChineseCharacter(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            true
        default:
            false
        }
    }

    /// Whether a non-ASCII character of this category is punctuation (a `P*` category).
    static func isPunctuation(_ category: Unicode.GeneralCategory) -> Bool {
        switch category {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            true
        default:
            false
        }
    }
}
