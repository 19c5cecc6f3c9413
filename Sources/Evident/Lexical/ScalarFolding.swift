internal import Foundation

/// How the analyzer treats scalars outside ASCII: which ones belong to tokens, and what they fold to.
enum ScalarFolding {
    /// Whether a non-ASCII scalar is part of a token: a letter, digit or other number of any script, or a mark.
    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic { return true }
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// Appends the UTF-8 of a token scalar's lowercase form, without folding.
    static func appendLowercased(_ scalar: Unicode.Scalar, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
    }

    /// Appends the UTF-8 of a token scalar's folded form.
    ///
    /// In the blocks of ``foldedBlocks`` (Latin, Greek, Cyrillic and their extensions, combining diacritics,
    /// letterlike and number forms, ligatures, fullwidth forms) a scalar is compatibility-decomposed (NFKD),
    /// loses its nonspacing marks, has a few letters without a decomposition spelled in ASCII (`ß` → `ss`,
    /// `æ` → `ae`, `ø` → `o`) and is lowercased; a combining diacritic folds to nothing. Scalars of other
    /// scripts are only lowercased: stripping marks there (Japanese voicing marks, Indic vowel signs) would
    /// change the word rather than its accent.
    ///
    /// A scalar whose compatibility decomposition holds punctuation (`½` is `1⁄2`) separates tokens when
    /// folding, rather than gluing its digits into another number.
    ///
    /// - Returns: `false` when the scalar separates tokens; nothing was appended.
    static func appendFolded(_ scalar: Unicode.Scalar, to buffer: inout [UInt8]) -> Bool {
        guard let folded = foldings[scalar.value] else {
            appendLowercased(scalar, to: &buffer)
            return true
        }
        guard let folded else { return false }
        buffer.append(contentsOf: folded)
        return true
    }

    /// The blocks whose letters are folded; see ``appendFolded(_:to:)``.
    static let foldedBlocks: [ClosedRange<UInt32>] = [
        0x00A0...0x052F, 0x1D00...0x1FFF, 0x2000...0x2BFF, 0xFB00...0xFB4F, 0xFF00...0xFFEF,
    ]

    /// The folded form of every token scalar in ``foldedBlocks``, computed once (a few thousand scalars).
    private static let foldings: [UInt32: [UInt8]?] = {
        var table: [UInt32: [UInt8]?] = [:]
        for block in foldedBlocks {
            for value in block {
                guard let scalar = Unicode.Scalar(value), isTokenCharacter(scalar) else { continue }
                table[value] = .some(fold(scalar))
            }
        }
        return table
    }()

    /// Letters that compatibility decomposition leaves alone but a search user expects to match ASCII.
    private static let asciiSpellings: [Unicode.Scalar: String] = [
        "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d",
        "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "þ": "th", "Þ": "th", "ı": "i", "ħ": "h", "Ħ": "h", "ŧ": "t",
        "Ŧ": "t",
    ]

    /// The folded UTF-8 of a scalar, or `nil` when its decomposition holds a separator.
    private static func fold(_ scalar: Unicode.Scalar) -> [UInt8]? {
        var result: [UInt8] = []
        for decomposed in String(Character(scalar)).decomposedStringWithCompatibilityMapping.unicodeScalars {
            if let spelling = asciiSpellings[decomposed] {
                result.append(contentsOf: spelling.utf8)
                continue
            }
            for lowered in decomposed.properties.lowercaseMapping.unicodeScalars {
                if lowered.properties.generalCategory == .nonspacingMark { continue }
                guard isTokenCharacter(lowered) else { return nil }
                result.append(contentsOf: String(lowered).utf8)
            }
        }
        return result
    }
}
