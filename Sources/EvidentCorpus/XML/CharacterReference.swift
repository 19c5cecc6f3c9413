/// Character references, `&amp;`, `&#946;`, `&#x3B2;` and named entities, as XML and HTML write them.
package enum CharacterReference {
    /// The scalar that `&name;` stands for, given the bytes between `&` and `;`; `nil` when unknown or invalid.
    ///
    /// Numeric references (`#946`, `#x3B2`) give their scalar (none for surrogates or values past U+10FFFF);
    /// names are looked up among XML's five and the HTML entities that medical texts use.
    package static func scalar(named name: ArraySlice<UInt8>) -> Unicode.Scalar? {
        guard let first = name.first else { return nil }
        if first == UInt8(ascii: "#") {
            var digits = name.dropFirst()
            var radix: UInt32 = 10
            if let marker = digits.first, marker == UInt8(ascii: "x") || marker == UInt8(ascii: "X") {
                radix = 16
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.count <= 8 else { return nil }
            var value: UInt32 = 0
            for digit in digits {
                guard let number = hexadecimalValue(digit), number < radix else { return nil }
                value = value * radix + number
            }
            return Unicode.Scalar(value)
        }
        guard name.count <= 32 else { return nil }
        return named[String(decoding: name, as: UTF8.self)].flatMap(Unicode.Scalar.init)
    }

    /// `bytes` as a string, with `&lt;`, `&#38;`, `&#x26;` and the like decoded.
    package static func decoding(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "&"),
                let semicolon = bytes[index..<min(bytes.endIndex, index + 34)].firstIndex(of: UInt8(ascii: ";")),
                let scalar = scalar(named: bytes[(index + 1)..<semicolon])
            else {
                output.append(byte)
                index += 1
                continue
            }
            output.append(contentsOf: String(scalar).utf8)
            index = semicolon + 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexadecimalValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// XML's predefined entities and the HTML ones seen in guideline pages and article XML: spaces and dashes,
    /// quotation marks, Latin letters with accents, Greek letters, and the signs of measures and comparisons.
    static let named: [String: UInt32] = [
        "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27,
        "nbsp": 0xA0, "ensp": 0x2002, "emsp": 0x2003, "thinsp": 0x2009, "zwnj": 0x200C, "zwj": 0x200D,
        "shy": 0xAD, "ndash": 0x2013, "mdash": 0x2014, "minus": 0x2212, "hellip": 0x2026, "bull": 0x2022,
        "middot": 0xB7, "lsquo": 0x2018, "rsquo": 0x2019, "sbquo": 0x201A, "ldquo": 0x201C, "rdquo": 0x201D,
        "bdquo": 0x201E, "laquo": 0xAB, "raquo": 0xBB, "lsaquo": 0x2039, "rsaquo": 0x203A, "prime": 0x2032,
        "Prime": 0x2033, "dagger": 0x2020, "Dagger": 0x2021, "sect": 0xA7, "para": 0xB6, "copy": 0xA9,
        "reg": 0xAE, "trade": 0x2122, "deg": 0xB0, "plusmn": 0xB1, "times": 0xD7, "divide": 0xF7,
        "micro": 0xB5, "le": 0x2264, "ge": 0x2265, "ne": 0x2260, "asymp": 0x2248, "equiv": 0x2261,
        "sup1": 0xB9, "sup2": 0xB2, "sup3": 0xB3, "frac12": 0xBD, "frac14": 0xBC, "frac34": 0xBE,
        "permil": 0x2030, "larr": 0x2190, "rarr": 0x2192, "uarr": 0x2191, "darr": 0x2193, "harr": 0x2194,
        "infin": 0x221E, "sum": 0x2211, "radic": 0x221A, "cent": 0xA2, "pound": 0xA3, "euro": 0x20AC,
        "yen": 0xA5, "iexcl": 0xA1, "iquest": 0xBF, "ordf": 0xAA, "ordm": 0xBA,
        "alpha": 0x3B1, "beta": 0x3B2, "gamma": 0x3B3, "delta": 0x3B4, "epsilon": 0x3B5, "zeta": 0x3B6,
        "eta": 0x3B7, "theta": 0x3B8, "iota": 0x3B9, "kappa": 0x3BA, "lambda": 0x3BB, "mu": 0x3BC,
        "nu": 0x3BD, "xi": 0x3BE, "omicron": 0x3BF, "pi": 0x3C0, "rho": 0x3C1, "sigma": 0x3C3, "tau": 0x3C4,
        "upsilon": 0x3C5, "phi": 0x3C6, "chi": 0x3C7, "psi": 0x3C8, "omega": 0x3C9, "Alpha": 0x391,
        "Beta": 0x392, "Gamma": 0x393, "Delta": 0x394, "Theta": 0x398, "Lambda": 0x39B, "Pi": 0x3A0,
        "Sigma": 0x3A3, "Phi": 0x3A6, "Psi": 0x3A8, "Omega": 0x3A9,
        "Agrave": 0xC0, "Aacute": 0xC1, "Acirc": 0xC2, "Atilde": 0xC3, "Auml": 0xC4, "Aring": 0xC5,
        "AElig": 0xC6, "Ccedil": 0xC7, "Egrave": 0xC8, "Eacute": 0xC9, "Ecirc": 0xCA, "Euml": 0xCB,
        "Igrave": 0xCC, "Iacute": 0xCD, "Icirc": 0xCE, "Iuml": 0xCF, "Ntilde": 0xD1, "Ograve": 0xD2,
        "Oacute": 0xD3, "Ocirc": 0xD4, "Otilde": 0xD5, "Ouml": 0xD6, "Oslash": 0xD8, "Ugrave": 0xD9,
        "Uacute": 0xDA, "Ucirc": 0xDB, "Uuml": 0xDC, "Yacute": 0xDD, "szlig": 0xDF, "agrave": 0xE0,
        "aacute": 0xE1, "acirc": 0xE2, "atilde": 0xE3, "auml": 0xE4, "aring": 0xE5, "aelig": 0xE6,
        "ccedil": 0xE7, "egrave": 0xE8, "eacute": 0xE9, "ecirc": 0xEA, "euml": 0xEB, "igrave": 0xEC,
        "iacute": 0xED, "icirc": 0xEE, "iuml": 0xEF, "ntilde": 0xF1, "ograve": 0xF2, "oacute": 0xF3,
        "ocirc": 0xF4, "otilde": 0xF5, "ouml": 0xF6, "oslash": 0xF8, "ugrave": 0xF9, "uacute": 0xFA,
        "ucirc": 0xFB, "uuml": 0xFC, "yacute": 0xFD, "yuml": 0xFF,
    ]
}
