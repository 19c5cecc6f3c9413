extension ClaimSplitter {
    /// A part of a claim in the cleaned text: its own words, and for a rebuilt part the subject and verb it shares
    /// with the part before.
    struct PartRange: Equatable {
        var range: Range<Int>
        var sharedPrefix: Range<Int>?
    }

    /// A word of a claim: a run of non-whitespace scalars.
    struct Word {
        /// The word's scalars in the cleaned text, punctuation included.
        var range: Range<Int>
        /// The word in lowercase without the punctuation around it ("infusion," → "infusion").
        var normalized: String
        /// The punctuation mark that ends the word, if any (`,` or `;`).
        var trailing: Unicode.Scalar?
        /// Whether the word starts inside parentheses or brackets.
        var isBracketed: Bool
    }

    /// The parts of the claim `sentence` of `scalars`: split at `;`, at `, and` and `, but` between clauses, and
    /// at `and` between passive verb phrases sharing a subject; the whole sentence when nothing splits.
    static func parts(of sentence: Range<Int>, in scalars: [Unicode.Scalar]) -> [PartRange] {
        let words = self.words(of: sentence, in: scalars)
        var clauses: [Range<Int>] = []  // ranges of word indices
        var partStart = 0
        var index = 0
        while index < words.count - 1 {
            defer { index += 1 }
            guard !words[index].isBracketed, let mark = words[index].trailing else { continue }
            var nextStart = index + 1
            let isSemicolon = mark == ";"
            if isSemicolon {
                if ["and", "but"].contains(words[nextStart].normalized) { nextStart += 1 }
            } else if mark == "," && ["and", "but"].contains(words[nextStart].normalized) {
                nextStart += 1
            } else {
                continue
            }
            guard nextStart < words.count else { continue }
            let left = Array(words[partStart...index])
            let right = Array(words[nextStart..<nextBoundary(in: words, after: nextStart)])
            if isClause(left, strictSubject: false) && isClause(right, strictSubject: !isSemicolon) {
                clauses.append(partStart..<index + 1)
                partStart = nextStart
            }
        }
        clauses.append(partStart..<words.count)
        var parts: [PartRange] = []
        for clause in clauses {
            let clauseWords = Array(words[clause])
            if let shared = sharedSubjectSplit(of: clauseWords) {
                parts.append(PartRange(range: textRange(of: clauseWords[..<shared.and], in: scalars)))
                parts.append(
                    PartRange(
                        range: textRange(of: clauseWords[(shared.and + 1)...], in: scalars),
                        sharedPrefix: textRange(of: clauseWords[..<shared.verbEnd], in: scalars)))
            } else {
                parts.append(PartRange(range: textRange(of: clauseWords[...], in: scalars)))
            }
        }
        return parts.filter { !$0.range.isEmpty }
    }

    /// The words of `range`.
    static func words(of range: Range<Int>, in scalars: [Unicode.Scalar]) -> [Word] {
        var words: [Word] = []
        var depth = 0
        var index = range.lowerBound
        while index < range.upperBound {
            while index < range.upperBound && scalars[index].isMarkdownWhitespace { index += 1 }
            guard index < range.upperBound else { break }
            let start = index
            let startDepth = depth
            while index < range.upperBound && !scalars[index].isMarkdownWhitespace {
                switch scalars[index] {
                case "(", "[": depth += 1
                case ")", "]": depth = max(0, depth - 1)
                default: break
                }
                index += 1
            }
            var first = start
            var last = index
            while first < last && !scalars[first].isMarkdownAlphanumeric { first += 1 }
            while last > first && !scalars[last - 1].isMarkdownAlphanumeric { last -= 1 }
            let trailingMark = scalars[index - 1]
            words.append(
                Word(
                    range: start..<index, normalized: String(decodingScalars: scalars[first..<last]).lowercased(),
                    trailing: trailingMark == "," || trailingMark == ";" ? trailingMark : nil,
                    isBracketed: startDepth > 0 || depth > 0))
        }
        return words
    }

    /// The index after the last word of the clause that starts at `start`: the next `;` or `, and`/`, but`.
    private static func nextBoundary(in words: [Word], after start: Int) -> Int {
        var index = start
        while index < words.count - 1 {
            if !words[index].isBracketed {
                if words[index].trailing == ";" { return index + 1 }
                if words[index].trailing == ",", ["and", "but"].contains(words[index + 1].normalized) {
                    return index + 1
                }
            }
            index += 1
        }
        return words.count
    }

    /// The cleaned text range from the first word to the last, without the `,` or `;` that ends the last.
    private static func textRange(of words: ArraySlice<Word>, in scalars: [Unicode.Scalar]) -> Range<Int> {
        guard let first = words.first, let last = words.last else { return 0..<0 }
        var end = last.range.upperBound
        if last.trailing != nil { end -= 1 }
        return first.range.lowerBound..<max(first.range.lowerBound, end)
    }

    // MARK: Clauses

    /// Whether `words` make a clause: a finite verb after a subject. With `strictSubject`, the subject opens the
    /// words (a clause after ", and"); otherwise it may follow an opening phrase ("Before the infusion, you
    /// would …"), and a clause opened by "If", "When", "Because" … must go on after a comma (it is only a
    /// subordinate clause otherwise).
    static func isClause(_ words: [Word], strictSubject: Bool) -> Bool {
        guard words.count >= 2 else { return false }
        let opensSubordinate = subordinators.contains(words[0].normalized)
        if strictSubject && (opensSubordinate || prepositions.contains(words[0].normalized)) { return false }
        if subjectPronouns.contains(words[0].normalized) && !finiteVerbs.contains(words[1].normalized) {
            // "they attack", "it helps": a pronoun and the word after it.
            return words[1].normalized.unicodeScalars.allSatisfy(\.properties.isLowercase)
        }
        var afterComma = false
        for index in 1..<words.count {
            if words[index - 1].trailing != nil { afterComma = true }
            if strictSubject && (afterComma || index > 8) { return false }
            guard finiteVerbs.contains(words[index].normalized) || lexicalVerbs.contains(words[index].normalized)
            else { continue }
            let before = words[index - 1].normalized
            if determiners.contains(before) || relativePronouns.contains(before) || prepositions.contains(before) {
                continue
            }
            if opensSubordinate && !afterComma { continue }
            return true
        }
        return false
    }

    /// For a clause "Subject aux participle … and participle …", where the second participle is followed by a
    /// preposition, an adverb or nothing: the index of "and" and the index after the shared subject and verbs.
    static func sharedSubjectSplit(of words: [Word]) -> (and: Int, verbEnd: Int)? {
        guard words.count >= 5, !subordinators.contains(words[0].normalized),
            !prepositions.contains(words[0].normalized)
        else { return nil }
        guard let auxiliary = words.indices.first(where: { auxiliaries.contains(words[$0].normalized) }),
            auxiliary >= 1, auxiliary <= 8,
            !words[..<auxiliary].contains(where: { $0.trailing != nil || $0.isBracketed }),
            !relativePronouns.contains(words[auxiliary - 1].normalized)
        else { return nil }
        var verbEnd = auxiliary
        while verbEnd < words.count && auxiliaries.contains(words[verbEnd].normalized) { verbEnd += 1 }
        var participle = verbEnd
        while participle < words.count && isAdverb(words[participle].normalized) { participle += 1 }
        guard participle < words.count, isParticiple(words[participle].normalized) else { return nil }
        for and in (participle + 1)..<words.count where words[and].normalized == "and" {
            guard !words[and].isBracketed, words[and - 1].trailing == nil else { return nil }
            var second = and + 1
            while second < words.count && isAdverb(words[second].normalized) { second += 1 }
            guard second < words.count, isParticiple(words[second].normalized) else { return nil }
            let next = second + 1
            guard
                next == words.count || prepositions.contains(words[next].normalized)
                    || particles.contains(words[next].normalized) || isAdverb(words[next].normalized)
            else { return nil }
            if words[(second + 1)...].contains(where: { auxiliaries.contains($0.normalized) }) { return nil }
            return (and, verbEnd)
        }
        return nil
    }

    static func isParticiple(_ word: String) -> Bool {
        if irregularParticiples.contains(word) { return true }
        return word.count >= 4 && word.hasSuffix("ed") && !word.hasSuffix("eed")
    }

    static func isAdverb(_ word: String) -> Bool {
        (word.count > 4 && word.hasSuffix("ly") && !["only", "early", "family", "daily"].contains(word))
            || plainAdverbs.contains(word)
    }

    // MARK: Word lists (lowercase)

    static let auxiliaries: Set<String> = [
        "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "can", "could", "may", "might",
        "will", "would", "should", "must", "shall",
    ]
    /// Auxiliaries, copulas and modals as finite verbs, with their contractions.
    static let finiteVerbs: Set<String> = auxiliaries.union([
        "does", "do", "did", "cannot", "isn't", "aren't", "wasn't", "weren't", "doesn't", "don't", "didn't",
        "won't", "can't", "hasn't", "haven't", "shouldn't", "wouldn't", "couldn't",
    ])
    /// Common verbs of answers about treatments, in their finite forms (the plain form serves plural subjects:
    /// "cells work"; a determiner before it makes it a noun: "the work").
    static let lexicalVerbs: Set<String> = [
        "cause", "help", "target", "attack", "kill", "improve", "reduce", "increase", "lower", "shrink", "grow",
        "work", "spread", "affect", "include", "mean", "need", "take", "give", "make", "use", "lead", "occur",
        "develop", "remain", "become", "depend", "vary", "suppress", "extend", "receive", "get", "respond",
        "recognize", "bind", "block", "prevent", "show", "suggest", "find", "report", "live", "die", "start",
        "begin", "last", "require", "allow", "release", "enter", "remove", "differ", "carry", "destroy", "treat",
        "return",
        "causes", "caused", "helps", "helped", "targets", "targeted", "attacks", "attacked", "kills", "killed",
        "improves", "improved", "reduces", "reduced", "increases", "increased", "lowers", "lowered", "shrinks",
        "shrank", "grows", "grew", "works", "worked", "spreads", "affects", "affected", "includes", "included",
        "means", "meant", "needs", "needed", "takes", "took", "gives", "gave", "makes", "made", "uses", "used",
        "leads", "led", "occurs", "occurred", "develops", "developed", "remains", "remained", "becomes", "became",
        "depends", "depended", "varies", "varied", "suppresses", "suppressed", "extends", "extended", "receives",
        "received", "gets", "got", "responds", "responded", "recognizes", "recognized", "binds", "bound",
        "blocks", "blocked", "prevents", "prevented", "shows", "showed", "suggests", "suggested", "finds", "found",
        "reports", "reported", "lives", "lived", "dies", "died", "starts", "started", "begins", "began", "lasts",
        "lasted", "requires", "required", "allows", "allowed", "releases", "released", "enters", "entered",
        "removes", "removed", "approved", "tested", "studied", "lengthened", "prolonged", "compared", "differs",
        "differed", "carries", "carried", "destroys", "destroyed", "treats", "treated", "returns", "returned",
    ]
    static let subjectPronouns: Set<String> = ["it", "they", "he", "she", "we", "you", "i", "there"]
    static let relativePronouns: Set<String> = ["which", "who", "whom", "whose", "that"]
    static let determiners: Set<String> = [
        "the", "a", "an", "this", "these", "those", "its", "their", "your", "our", "his", "her", "my", "some",
        "many", "most", "each", "every", "all", "both", "no", "other", "such", "more", "less", "few", "several",
        "any",
    ]
    static let subordinators: Set<String> = [
        "if", "when", "whenever", "because", "although", "though", "while", "since", "unless", "whether", "as",
        "once", "until", "after", "before", "so",
    ]
    static let prepositions: Set<String> = [
        "in", "into", "on", "onto", "at", "by", "for", "from", "to", "with", "without", "within", "through",
        "during", "after", "before", "over", "under", "between", "among", "about", "against", "across", "along",
        "around", "via", "per", "of", "toward", "towards", "until", "as", "than", "like", "throughout",
    ]
    static let particles: Set<String> = ["back", "out", "up", "down", "off", "away", "again", "together"]
    static let plainAdverbs: Set<String> = [
        "then", "also", "often", "first", "still", "now", "sometimes", "usually", "later", "again", "always",
        "never", "not", "already", "soon", "typically", "generally", "further",
    ]
    static let irregularParticiples: Set<String> = [
        "grown", "given", "taken", "made", "done", "seen", "known", "shown", "found", "built", "kept", "sent",
        "held", "left", "spread", "brought", "thought", "taught", "told", "written", "driven", "drawn", "chosen",
        "frozen", "broken", "spoken", "hidden", "begun", "put", "set", "cut", "shut", "split", "understood",
        "withdrawn", "undergone", "become", "run", "bound", "fed", "led", "met", "paid", "read", "sold", "won",
    ]
}
