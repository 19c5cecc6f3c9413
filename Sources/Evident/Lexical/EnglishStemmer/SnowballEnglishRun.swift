// The steps of the Snowball English stemmer (snowballstem.org, Snowball 3.0), written from the published
// algorithm. Positions are byte offsets into `word`, in which every character is one byte (see
// `EnglishStemmer.stem(encodedWord:)`), so they are also character offsets.

extension EnglishStemmer {
    /// The words the algorithm lists as exceptions, each packed into an integer (first byte most significant)
    /// with its stem.
    private static let exceptionalForms: [(word: UInt64, stem: [UInt8])] = [
        ("skis", "ski"), ("skies", "sky"), ("idly", "idl"), ("gently", "gentl"), ("ugly", "ugli"),
        ("early", "earli"), ("only", "onli"), ("singly", "singl"),
        // Invariant forms.
        ("sky", "sky"), ("news", "news"), ("howe", "howe"), ("atlas", "atlas"), ("cosmos", "cosmos"),
        ("bias", "bias"), ("andes", "andes"),
    ].map { (packed(Array($0.0.utf8)), Array($0.1.utf8)) }

    /// Packs up to eight bytes into an integer, first byte most significant; tokens hold no zero bytes, so
    /// different words of up to eight bytes pack differently.
    static func packed(_ bytes: some Collection<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The stem of a word the algorithm lists as an exception, or `nil` for every other word.
    static func exceptionalForm(of word: [UInt8]) -> [UInt8]? {
        guard (3...6).contains(word.count) else { return nil }
        let key = packed(word)
        for form in exceptionalForms where form.word == key { return form.stem }
        return nil
    }
}

/// What a suffix rule does once its suffix is found and the suffix lies in the rule's region.
private enum SuffixCondition {
    /// Always replace.
    case none
    /// Replace only after an `l` (`ogi` → `og`).
    case afterL
    /// Replace only after one of `cdeghkmnrt` (`li` → nothing).
    case afterValidLIEnding
    /// Replace only after `s` or `t` (`ion` → nothing).
    case afterSOrT
}

/// A suffix, its replacement and its condition; all fields are trivial, so tables of rules cost no reference
/// counting in the stemmer's loops.
private struct SuffixRule {
    let suffix: StaticString
    let replacement: StaticString
    let condition: SuffixCondition
    let lastByte: UInt8

    init(_ suffix: StaticString, _ replacement: StaticString, _ condition: SuffixCondition = .none) {
        self.suffix = suffix
        self.replacement = replacement
        self.condition = condition
        self.lastByte = suffix.utf8Start[suffix.utf8CodeUnitCount - 1]
    }
}

/// A step's rules grouped by their suffix's last letter, each group longest suffix first, so that the first rule
/// of the word's last letter whose suffix matches is Snowball's `among` match.
private struct SuffixRuleTable {
    let rules: [SuffixRule]
    /// For each letter a–z, the range of `rules` whose suffix ends with it.
    let ranges: [Range<Int>]

    init(_ rules: [SuffixRule]) {
        let sorted = rules.sorted {
            ($0.lastByte, $1.suffix.utf8CodeUnitCount) < ($1.lastByte, $0.suffix.utf8CodeUnitCount)
        }
        self.rules = sorted
        self.ranges = (UInt8(ascii: "a")...UInt8(ascii: "z")).map { letter in
            let lower = sorted.firstIndex { $0.lastByte == letter } ?? 0
            let upper = sorted.lastIndex { $0.lastByte == letter }.map { $0 + 1 } ?? 0
            return lower..<upper
        }
    }

    /// The rules whose suffix ends with `byte`, longest first.
    @inline(__always) func candidates(endingWith byte: UInt8) -> Range<Int> {
        let offset = byte &- UInt8(ascii: "a")
        return offset < 26 ? ranges[Int(offset)] : 0..<0
    }
}

private let step2Rules = SuffixRuleTable([
    SuffixRule("tional", "tion"), SuffixRule("enci", "ence"), SuffixRule("anci", "ance"), SuffixRule("abli", "able"),
    SuffixRule("entli", "ent"), SuffixRule("izer", "ize"), SuffixRule("ization", "ize"), SuffixRule("ational", "ate"),
    SuffixRule("ation", "ate"), SuffixRule("ator", "ate"), SuffixRule("alism", "al"), SuffixRule("aliti", "al"),
    SuffixRule("alli", "al"), SuffixRule("fulness", "ful"), SuffixRule("ousli", "ous"), SuffixRule("ousness", "ous"),
    SuffixRule("iveness", "ive"), SuffixRule("iviti", "ive"), SuffixRule("biliti", "ble"), SuffixRule("bli", "ble"),
    SuffixRule("ogist", "og"), SuffixRule("ogi", "og", .afterL), SuffixRule("fulli", "ful"),
    SuffixRule("lessli", "less"), SuffixRule("li", "", .afterValidLIEnding),
])

private let step3Rules = SuffixRuleTable([
    SuffixRule("tional", "tion"), SuffixRule("ational", "ate"), SuffixRule("alize", "al"), SuffixRule("icate", "ic"),
    SuffixRule("iciti", "ic"), SuffixRule("ical", "ic"), SuffixRule("ful", ""), SuffixRule("ness", ""),
    // "ative" (delete in R2) is handled in `step3()`.
])

private let step4Rules = SuffixRuleTable([
    SuffixRule("al", ""), SuffixRule("ance", ""), SuffixRule("ence", ""), SuffixRule("er", ""), SuffixRule("ic", ""),
    SuffixRule("able", ""), SuffixRule("ible", ""), SuffixRule("ant", ""), SuffixRule("ement", ""),
    SuffixRule("ment", ""), SuffixRule("ent", ""), SuffixRule("ism", ""), SuffixRule("ate", ""), SuffixRule("iti", ""),
    SuffixRule("ous", ""), SuffixRule("ive", ""), SuffixRule("ize", ""), SuffixRule("ion", "", .afterSOrT),
])

private enum Letter {
    static let a = UInt8(ascii: "a"), b = UInt8(ascii: "b"), c = UInt8(ascii: "c"), d = UInt8(ascii: "d")
    static let e = UInt8(ascii: "e"), f = UInt8(ascii: "f"), g = UInt8(ascii: "g"), h = UInt8(ascii: "h")
    static let i = UInt8(ascii: "i"), k = UInt8(ascii: "k"), l = UInt8(ascii: "l"), m = UInt8(ascii: "m")
    static let n = UInt8(ascii: "n"), o = UInt8(ascii: "o"), p = UInt8(ascii: "p"), r = UInt8(ascii: "r")
    static let s = UInt8(ascii: "s"), t = UInt8(ascii: "t"), u = UInt8(ascii: "u"), w = UInt8(ascii: "w")
    static let x = UInt8(ascii: "x"), y = UInt8(ascii: "y"), z = UInt8(ascii: "z")
    static let capitalY = UInt8(ascii: "Y"), apostrophe = UInt8(ascii: "'")
}

@inline(__always) private func isVowel(_ byte: UInt8) -> Bool {
    switch byte {
    case Letter.a, Letter.e, Letter.i, Letter.o, Letter.u, Letter.y: true
    default: false
    }
}

/// Vowels plus w, x and Y: the letters a short syllable may not end with.
@inline(__always) private func isVowelOrWXY(_ byte: UInt8) -> Bool {
    isVowel(byte) || byte == Letter.w || byte == Letter.x || byte == Letter.capitalY
}

/// The letters before which step 2 deletes `li`.
@inline(__always) private func isValidLIEnding(_ byte: UInt8) -> Bool {
    switch byte {
    case Letter.c, Letter.d, Letter.e, Letter.g, Letter.h, Letter.k, Letter.m, Letter.n, Letter.r, Letter.t: true
    default: false
    }
}

/// One application of the algorithm to one word.
struct SnowballEnglishRun {
    var word: [UInt8]
    /// Start of region R1: after the first non-vowel that follows a vowel (or after a listed prefix).
    private var region1 = 0
    /// Start of region R2: R1's rule applied again inside R1.
    private var region2 = 0
    /// Whether the prelude turned some `y` into a consonant `Y`.
    private var foundConsonantY = false

    init(word: [UInt8]) {
        self.word = word
    }

    mutating func stem() {
        prelude()
        markRegions()
        step1a()
        step1b()
        step1c()
        step2()
        step3()
        step4()
        step5()
        if foundConsonantY {
            for index in word.indices where word[index] == Letter.capitalY { word[index] = Letter.y }
        }
    }

    // MARK: Helpers

    @inline(__always) private func hasSuffix(_ suffix: StaticString) -> Bool {
        hasSuffix(suffix, endingAt: word.count)
    }

    private func hasSuffix(_ suffix: StaticString, endingAt end: Int) -> Bool {
        let length = suffix.utf8CodeUnitCount
        guard length <= end else { return false }
        let start = end - length
        let bytes = suffix.utf8Start
        for offset in 0..<length where word[start + offset] != bytes[offset] { return false }
        return true
    }

    /// Whether the first `end` letters are exactly `prefix`.
    private func isExactly(_ prefix: StaticString, upTo end: Int) -> Bool {
        prefix.utf8CodeUnitCount == end && hasSuffix(prefix, endingAt: end)
    }

    private func hasPrefix(_ prefix: StaticString) -> Bool {
        prefix.utf8CodeUnitCount <= word.count && hasSuffix(prefix, endingAt: prefix.utf8CodeUnitCount)
    }

    private func containsVowel(before end: Int) -> Bool {
        var index = 0
        while index < end {
            if isVowel(word[index]) { return true }
            index += 1
        }
        return false
    }

    /// Whether the word up to `end` ends in a short syllable.
    private func endsWithShortSyllable(at end: Int) -> Bool {
        if end >= 3, !isVowelOrWXY(word[end - 1]), isVowel(word[end - 2]), !isVowel(word[end - 3]) { return true }
        if end == 2, !isVowel(word[1]), isVowel(word[0]) { return true }
        return hasSuffix("past", endingAt: end)
    }

    private mutating func replaceSuffix(length: Int, with replacement: StaticString) {
        word.removeLast(length)
        let bytes = replacement.utf8Start
        for offset in 0..<replacement.utf8CodeUnitCount { word.append(bytes[offset]) }
    }

    /// Applies the first (longest) rule whose suffix ends the word, if the suffix starts at or after `region`.
    private mutating func applyLongestRule(_ table: SuffixRuleTable, region: Int) {
        guard let last = word.last else { return }
        for index in table.candidates(endingWith: last) {
            let rule = table.rules[index]
            guard hasSuffix(rule.suffix) else { continue }
            let start = word.count - rule.suffix.utf8CodeUnitCount
            guard start >= region else { return }
            let applies: Bool
            switch rule.condition {
            case .none: applies = true
            case .afterL: applies = start > 0 && word[start - 1] == Letter.l
            case .afterValidLIEnding: applies = start > 0 && isValidLIEnding(word[start - 1])
            case .afterSOrT: applies = start > 0 && (word[start - 1] == Letter.s || word[start - 1] == Letter.t)
            }
            if applies { replaceSuffix(length: rule.suffix.utf8CodeUnitCount, with: rule.replacement) }
            return
        }
    }

    // MARK: Steps

    private mutating func prelude() {
        if word.first == Letter.apostrophe { word.removeFirst() }
        guard !word.isEmpty else { return }
        if word[0] == Letter.y {
            word[0] = Letter.capitalY
            foundConsonantY = true
        }
        var index = 1
        while index < word.count {
            if word[index] == Letter.y, isVowel(word[index - 1]) {
                word[index] = Letter.capitalY
                foundConsonantY = true
            }
            index += 1
        }
    }

    private mutating func markRegions() {
        let count = word.count
        region1 = count
        region2 = count
        guard count > 0 else { return }
        var cursor: Int
        if let prefixLength = regionPrefixLength() {
            cursor = prefixLength
        } else {
            guard let after = positionAfterVowelAndConsonant(from: 0) else { return }
            cursor = after
        }
        region1 = cursor
        region2 = positionAfterVowelAndConsonant(from: cursor) ?? count
    }

    /// The length of the prefix that fixes R1 in the word, if it starts with one
    /// (arsen, commun, emerg, gener, inter, later, organ, past, univers).
    private func regionPrefixLength() -> Int? {
        let prefix: StaticString
        switch word[0] {
        case Letter.a: prefix = "arsen"
        case Letter.c: prefix = "commun"
        case Letter.e: prefix = "emerg"
        case Letter.g: prefix = "gener"
        case Letter.i: prefix = "inter"
        case Letter.l: prefix = "later"
        case Letter.o: prefix = "organ"
        case Letter.p: prefix = "past"
        case Letter.u: prefix = "univers"
        default: return nil
        }
        return hasPrefix(prefix) ? prefix.utf8CodeUnitCount : nil
    }

    /// The position just after the first non-vowel that follows a vowel, searching from `start`.
    private func positionAfterVowelAndConsonant(from start: Int) -> Int? {
        var index = start
        while index < word.count, !isVowel(word[index]) { index += 1 }
        guard index < word.count else { return nil }
        index += 1
        while index < word.count, isVowel(word[index]) { index += 1 }
        guard index < word.count else { return nil }
        return index + 1
    }

    private mutating func step1a() {
        // Possessive and plural apostrophes: the longest of 's', 's and '.
        if word.last == Letter.apostrophe {
            word.removeLast(hasSuffix("'s'") ? 3 : 1)
        } else if hasSuffix("'s") {
            word.removeLast(2)
        }
        guard let last = word.last, last == Letter.s || last == Letter.d else { return }
        let count = word.count
        if hasSuffix("sses") {
            word.removeLast(2)  // sses → ss
        } else if hasSuffix("ies") || hasSuffix("ied") {
            word.removeLast(count - 3 >= 2 ? 2 : 1)  // → i after two or more letters, else ie
        } else if last == Letter.d || hasSuffix("ss") || hasSuffix("us") {
            return
        } else if count >= 2, containsVowel(before: count - 2) {
            word.removeLast()  // s, when a vowel occurs before the letter preceding it
        }
    }

    private mutating func step1b() {
        let count = word.count
        guard count >= 2, let last = word.last, last == Letter.d || last == Letter.g || last == Letter.y else {
            return
        }
        let endsWithEedly = hasSuffix("eedly")
        if endsWithEedly || hasSuffix("eed") {
            let start = count - (endsWithEedly ? 5 : 3)
            if isExactly("succ", upTo: start) || isExactly("proc", upTo: start) || isExactly("exc", upTo: start) {
                return
            }
            if start >= region1 { replaceSuffix(length: count - start, with: "ee") }
            return
        }
        let suffixLength: Int
        if hasSuffix("ingly") {
            suffixLength = 5
        } else if hasSuffix("edly") {
            suffixLength = 4
        } else if hasSuffix("ing") {
            let start = count - 3
            if start == 2, word[1] == Letter.y, !isVowel(word[0]) {
                replaceSuffix(length: 4, with: "ie")  // dying → die
                return
            }
            if isExactly("even", upTo: start) || isExactly("cann", upTo: start) || isExactly("inn", upTo: start)
                || isExactly("earr", upTo: start) || isExactly("herr", upTo: start) || isExactly("out", upTo: start)
            {
                return
            }
            suffixLength = 3
        } else if hasSuffix("ed") {
            suffixLength = 2
        } else {
            return
        }
        let start = count - suffixLength
        guard containsVowel(before: start) else { return }
        word.removeLast(suffixLength)
        if hasSuffix("at") || hasSuffix("bl") || hasSuffix("iz") {
            word.append(Letter.e)
        } else if let last = word.last, word.count >= 2, word[word.count - 2] == last, isUndoubledEnding(last) {
            if word.count == 3, word[0] == Letter.a || word[0] == Letter.e || word[0] == Letter.o { return }
            word.removeLast()
        } else if word.count == region1, endsWithShortSyllable(at: word.count) {
            word.append(Letter.e)
        }
    }

    /// The letters whose doubling step 1b undoes (bb dd ff gg mm nn pp rr tt).
    private func isUndoubledEnding(_ byte: UInt8) -> Bool {
        switch byte {
        case Letter.b, Letter.d, Letter.f, Letter.g, Letter.m, Letter.n, Letter.p, Letter.r, Letter.t: true
        default: false
        }
    }

    private mutating func step1c() {
        let count = word.count
        guard count >= 3, let last = word.last, last == Letter.y || last == Letter.capitalY,
            !isVowel(word[count - 2])
        else { return }
        word[count - 1] = Letter.i
    }

    private mutating func step2() {
        applyLongestRule(step2Rules, region: region1)
    }

    private mutating func step3() {
        if hasSuffix("ative") {
            if word.count - 5 >= region2 { word.removeLast(5) }
            return
        }
        applyLongestRule(step3Rules, region: region1)
    }

    private mutating func step4() {
        applyLongestRule(step4Rules, region: region2)
    }

    private mutating func step5() {
        let count = word.count
        guard let last = word.last else { return }
        if last == Letter.e {
            let start = count - 1
            if start >= region2 || (start >= region1 && !endsWithShortSyllable(at: start)) { word.removeLast() }
        } else if last == Letter.l, count - 1 >= region2, count >= 2, word[count - 2] == Letter.l {
            word.removeLast()
        }
    }
}
