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

    /// Appends the UTF-8 of a token scalar's folded form: compatibility-decomposed (NFKD), combining marks
    /// removed (nonspacing marks), a few letters without a decomposition spelled in ASCII (`ß` → `ss`, `æ` → `ae`, `ø` → `o`),
    /// lowercased. A combining mark folds to nothing.
    static func appendFolded(_ scalar: Unicode.Scalar, to buffer: inout [UInt8]) {
        if let folded = commonFoldings[scalar.value] {
            buffer.append(contentsOf: folded)
        } else {
            buffer.append(contentsOf: fold(scalar))
        }
    }

    /// Foldings computed once for the scripts and symbol blocks English biomedical text uses most.
    private static let commonFoldings: [UInt32: [UInt8]] = {
        let ranges: [ClosedRange<UInt32>] = [
            0x00A0...0x024F, 0x0370...0x03FF, 0x0400...0x04FF, 0x1E00...0x1EFF, 0x2070...0x209F, 0x2100...0x214F,
            0x2150...0x218F, 0xFB00...0xFB06, 0xFF10...0xFF5A,
        ]
        var table: [UInt32: [UInt8]] = [:]
        for range in ranges {
            for value in range {
                guard let scalar = Unicode.Scalar(value), isTokenCharacter(scalar) else { continue }
                table[value] = fold(scalar)
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

    private static func fold(_ scalar: Unicode.Scalar) -> [UInt8] {
        var result: [UInt8] = []
        for decomposed in String(Character(scalar)).decomposedStringWithCompatibilityMapping.unicodeScalars {
            if let spelling = asciiSpellings[decomposed] {
                result.append(contentsOf: spelling.utf8)
                continue
            }
            for lowered in decomposed.properties.lowercaseMapping.unicodeScalars where keepsAfterFolding(lowered) {
                result.append(contentsOf: String(lowered).utf8)
            }
        }
        return result
    }

    /// Whether a scalar of a decomposition stays in the folded token: letters, numbers and the spacing marks of
    /// scripts such as Devanagari do; diacritics (nonspacing marks) and the punctuation some compatibility forms
    /// carry (the fraction slash of `½`) do not.
    private static func keepsAfterFolding(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory != .nonspacingMark && isTokenCharacter(scalar)
    }
}
