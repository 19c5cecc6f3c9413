import Foundation

/// How a source sentence relates to a claim, apart from the dense model's similarity: how much of the claim's
/// content it holds, whether it quotes it, and what in it contradicts the claim.
struct ClaimComparison: Sendable, Hashable, Codable {
    /// The share of the claim's content terms (stemmed, stopwords out), weighted by inverse document frequency,
    /// that the sentence or its context (its document's title and section headings) holds; in [0, 1].
    var coverage: Double
    /// The share of the sentence's own content terms that the claim holds, weighted the same way; in [0, 1].
    var precision: Double
    /// Whether one of the two, normalised, contains the other whole (a verbatim or near-verbatim quote).
    var isQuote: Bool
    /// Claim words the support hinges on — diseases, cell types, drugs, genes — found neither in the sentence nor
    /// in its context.
    var missingKeyTerms: [String]
    /// Whether the claim gives a number with a unit ("12 weeks", "95%") for which the sentence gives no number.
    var missesQuantities: Bool
    /// Treatments the claim names that neither the sentence nor its context names.
    var missingTreatments: [String] = []
    /// The claim's word of certainty ("always", "every patient", "clearly") that the sentence does not back.
    var overstatement: String?
    /// What in the sentence asserts the opposite of the claim.
    var conflicts: [ClaimConflict]
    /// Whether the sentence states an effect at all where the claim gives the direction of one.
    var statesEffect = true

    /// Whether the sentence says all that the claim says: its key terms and treatments, a number for each of its
    /// quantities, an effect where it gives one, and as much certainty.
    var isExact: Bool {
        missingKeyTerms.isEmpty && !missesQuantities && missingTreatments.isEmpty && overstatement == nil
            && statesEffect
    }
}

/// A way a source sentence can contradict a claim it is about.
public enum ClaimConflict: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The claim gives a number the sentence gives differently for the same unit ("10 to 12 weeks" against
    /// "3 to 5 weeks").
    case number(claim: String, source: String)
    /// One says "not" (or "no", "never", …) where the other does not.
    case negation
    /// The claim calls something approved or standard that the sentence calls experimental, or the reverse.
    case status(claim: String, source: String)
    /// The claim and the sentence give opposite directions of an effect ("increases" against "decreases").
    case direction(claim: String, source: String)
    /// The claim is about another population than the sentence: children against adults, women against men,
    /// pleural against peritoneal disease.
    case population(claim: String, source: String)
    /// The claim gives another line of therapy: first-line against after an earlier treatment.
    case lineOfTherapy(claim: String, source: String)
    /// The claim names a treatment the sentence does not, where the sentence names another one: an effect or
    /// side effect given to the wrong drug, or the wrong combination.
    case treatment(claim: String, source: String)
    /// The claim gives an effect where the sentence says none was found ("improves" against "similar").
    case noEffect(claim: String, source: String)

    public var description: String {
        switch self {
        case .number(let claim, let source), .status(let claim, let source):
            "the claim says \(claim), the source \(source)"
        case .negation: "one of them is negated"
        case .direction(let claim, let source), .population(let claim, let source),
            .lineOfTherapy(let claim, let source):
            "the claim says \(claim), the source \(source)"
        case .treatment(let claim, let source): "the claim names \(claim), the source \(source)"
        case .noEffect(let claim, let source): "the claim says \(claim), the source finds no clear effect (\(source))"
        }
    }
}

/// Compares claims with source sentences; the index's analyzer and term statistics weigh the words.
struct ClaimComparer: Sendable {
    let analyzer: Analyzer
    /// The inverse document frequency of an analyzed term; rare terms weigh more.
    let inverseDocumentFrequency: @Sendable (String) -> Double

    init(analyzer: Analyzer, inverseDocumentFrequency: @escaping @Sendable (String) -> Double) {
        self.analyzer = analyzer
        self.inverseDocumentFrequency = inverseDocumentFrequency
    }

    /// A comparer with `index`'s analyzer and its BM25 inverse document frequencies.
    init(index: EvidentIndex) {
        let passageCount = Double(max(index.scoredPassageCount, 1))
        self.init(analyzer: index.analyzer) { term in
            let frequency = Double(index.documentFrequency(of: term))
            return log(1 + (passageCount - frequency + 0.5) / (frequency + 0.5))
        }
    }

    /// A text made ready for comparisons: analyze each claim, sentence and context once, compare it many times.
    struct PreparedText: Sendable {
        /// Analyzed content terms.
        let terms: Set<String>
        /// Their summed inverse document frequency.
        let weight: Double
        let words: ClaimWords
        /// Lowercased words joined by single spaces, for quote matching.
        let normalised: String

        /// The prepared text of a sentence whose comparison was made elsewhere (by a shard, for a router): nothing
        /// to compare.
        static let compared = PreparedText(terms: [], weight: 0, words: ClaimWords(""), normalised: "")
    }

    /// `text` analyzed for `compare`.
    func prepare(_ text: String) -> PreparedText {
        let terms = Set(analyzer.terms(in: text))
        return PreparedText(
            terms: terms, weight: terms.reduce(0) { $0 + inverseDocumentFrequency($1) }, words: ClaimWords(text),
            normalised: ClaimWords.normalised(text))
    }

    /// Compares `claim` with `sentence`, whose document title and section path are `context`.
    func compare(claim: String, sentence: String, context: String = "") -> ClaimComparison {
        compare(claim: prepare(claim), sentence: prepare(sentence), context: prepare(context))
    }

    /// Compares a prepared claim with a prepared sentence and its context.
    func compare(claim: PreparedText, sentence: PreparedText, context: PreparedText) -> ClaimComparison {
        let covered = claim.terms.filter { sentence.terms.contains($0) || context.terms.contains($0) }
        let shared = sentence.terms.intersection(claim.terms)
        let coverage = claim.weight > 0 ? covered.reduce(0) { $0 + inverseDocumentFrequency($1) } / claim.weight : 0
        let precision =
            sentence.weight > 0 ? shared.reduce(0) { $0 + inverseDocumentFrequency($1) } / sentence.weight : 0

        let (claimWords, sentenceWords, contextWords) = (claim.words, sentence.words, context.words)
        // A sentence about "non-Hodgkin lymphoma" (or "nonmelanoma skin cancer") is about another disease than a
        // claim about "Hodgkin lymphoma", and the reverse: the claim's word counts as missing.
        let oppositeKinds = ClaimWords.oppositeKinds(claimWords, sentenceWords)
            .union(ClaimWords.oppositeKinds(claimWords, contextWords).filter { !sentenceWords.words.contains($0) })
        let missing = claimWords.keyTerms.filter { term in
            !sentenceWords.contains(keyTerm: term) && !contextWords.contains(keyTerm: term)
        }.union(oppositeKinds)
        let (normalisedClaim, normalisedSentence) = (claim.normalised, sentence.normalised)
        let isQuote =
            !normalisedClaim.isEmpty && !normalisedSentence.isEmpty
            && (normalisedSentence.contains(normalisedClaim)
                || (normalisedClaim.contains(normalisedSentence)
                    && normalisedSentence.count * 2 > normalisedClaim.count))
        return ClaimComparison(
            coverage: min(coverage, 1), precision: min(precision, 1), isQuote: isQuote,
            missingKeyTerms: missing.sorted(),
            missesQuantities: claimWords.quantities.keys.contains { unit in
                sentenceWords.quantities[unit] == nil
                    && !(ClaimWords.daysPerUnit[unit] != nil && sentenceWords.duration != nil)
            },
            missingTreatments: claimWords.treatments.subtracting(sentenceWords.treatments)
                .subtracting(contextWords.treatments).sorted(),
            overstatement: claimWords.certainty.flatMap {
                ClaimWords.backs(certainty: $0, in: sentenceWords.words) ? nil : $0
            },
            conflicts: Self.conflicts(claimWords, sentenceWords)
                + headingConflicts(claimWords, sentenceWords, contextWords),
            statesEffect: claimWords.direction == nil || sentenceWords.statesEffect)
    }

    /// Contradictions with the headings above a sentence, which guideline pages often write as statements
    /// ("Being exposed to asbestos can increase the risk of …"): the direction, approval status, line of therapy or
    /// population a heading gives, when the sentence itself gives none.
    func headingConflicts(_ claim: ClaimWords, _ sentence: ClaimWords, _ context: ClaimWords) -> [ClaimConflict] {
        Self.conflicts(claim, context).filter { conflict in
            switch conflict {
            case .direction: sentence.direction == nil
            case .status: sentence.status == nil
            case .lineOfTherapy: sentence.line == nil
            case .population(let word, _):
                ClaimWords.PopulationAxis.byWord[word].map { sentence.populations[$0.axis] == nil } ?? true
            case .number, .negation, .treatment, .noEffect: false
            }
        }
    }

    /// The contradictions between a claim's and a sentence's words.
    static func conflicts(_ claim: ClaimWords, _ source: ClaimWords) -> [ClaimConflict] {
        var conflicts: [ClaimConflict] = []
        // Numbers: for each unit both give, the claim's values must be among the source's.
        for (unit, values) in claim.quantities {
            if let sourceValues = source.quantities[unit] {
                guard !values.isSubset(of: sourceValues) else { continue }
                conflicts.append(
                    .number(
                        claim: ClaimWords.describe(values, unit: unit),
                        source: ClaimWords.describe(sourceValues, unit: unit)))
            } else if let days = ClaimWords.daysPerUnit[unit], let (sourceUnit, sourceValues) = source.duration,
                let sourceDays = ClaimWords.daysPerUnit[sourceUnit]
            {
                // Durations in other units ("6 months" against "3 to 5 weeks"): a conflict when no value of the
                // claim falls in the source's range, give or take 15 %.
                let range = sourceValues.compactMap { Double($0).map { $0 * sourceDays } }
                guard let low = range.min(), let high = range.max() else { continue }
                let inside = values.contains { value in
                    guard let value = Double(value).map({ $0 * days }) else { return true }
                    return value >= low * 0.85 && value <= high * 1.15
                }
                if !inside {
                    conflicts.append(
                        .number(
                            claim: ClaimWords.describe(values, unit: unit),
                            source: ClaimWords.describe(sourceValues, unit: sourceUnit)))
                }
            }
        }
        // A negation contradicts when it denies what the other asserts: a word negated in one (within the few words
        // after "not", "no", …) appears un-negated in the other. "…are being tested and are not approved" does
        // not contradict "…are being studied", which does not say "approved".
        if claim.negatedWords.contains(where: { source.assertedWords.contains($0) })
            || source.negatedWords.contains(where: { claim.assertedWords.contains($0) })
        {
            conflicts.append(.negation)
        }
        if let claimStatus = claim.status, let sourceStatus = source.status, claimStatus.kind != sourceStatus.kind {
            conflicts.append(.status(claim: claimStatus.word, source: sourceStatus.word))
        }
        if let claimDirection = claim.direction, let sourceDirection = source.direction,
            claimDirection.isUp != sourceDirection.isUp
        {
            conflicts.append(.direction(claim: claimDirection.word, source: sourceDirection.word))
        }
        return conflicts + ClaimWords.clinicalConflicts(claim, source)
    }
}

/// The words of a claim or sentence that the comparison looks at: numbers with their units, negations, words of
/// approval status and of direction, and key terms.
struct ClaimWords: Sendable {
    /// Lowercased words (letters, digits, hyphens and dots inside numbers kept).
    let words: [String]
    /// Numbers by the unit word that follows them ("%" for percentages, "" when none does).
    let quantities: [String: Set<String>]
    /// Content words within the scope of a negation (the four words after it), by their hyphen-separated parts.
    let negatedWords: Set<String>
    /// Content words outside any negation's scope, by their hyphen-separated parts.
    let assertedWords: Set<String>
    let status: (kind: StatusKind, word: String)?
    let direction: (isUp: Bool, word: String)?
    /// Diseases, cell types, drugs and genes the text names.
    let keyTerms: Set<String>
    /// The line of therapy the text names.
    let line: (line: TherapyLine, word: String)?
    /// The populations the text names, by axis.
    let populations: [PopulationAxis: (values: Set<String>, word: String)]
    /// The drugs and other treatments the text names.
    let treatments: Set<String>
    /// The text's word of certainty ("always", "all patients", "clearly").
    let certainty: String?
    /// Where the text says that no effect was found.
    let noEffect: (phrase: String, clause: Set<String>)?
    /// Whether the text states an effect at all (a direction, a comparison, an association, a cause).
    let statesEffect: Bool

    enum StatusKind: Sendable { case established, experimental }

    static let negations: Set<String> = [
        "not", "no", "never", "cannot", "neither", "nor", "none", "isn't", "aren't",
        "doesn't", "don't", "didn't", "won't", "wasn't", "weren't", "hasn't", "haven't", "can't",
    ]
    static let established: Set<String> = [
        "approved", "standard", "established", "proven", "routine",
        "recommended", "licensed", "cure", "cures", "curative",
    ]
    static let experimental: Set<String> = ["experimental", "investigational", "unproven", "unapproved"]
    /// Words that carry no content of their own for negation scopes.
    static let functionWords: Set<String> = [
        "the", "and", "for", "are", "was", "were", "has", "have", "had", "been", "being", "that", "this", "with",
        "any", "part", "one", "all", "its", "their", "them", "than", "can", "may", "after", "before", "least",
        "more", "also", "only", "such", "from", "into", "over", "about", "yet",
    ]

    /// Whether `words[position]` begins a phrase saying something is still under study: "being studied", "being
    /// tested", "under study", "under investigation", "in clinical trials".
    static func isExperimentalPhrase(_ words: [String], at position: Int) -> Bool {
        guard position + 1 < words.count else { return false }
        let next = words[position + 1]
        switch words[position] {
        case "being": return ["studied", "tested", "investigated", "evaluated"].contains(next)
        case "under": return ["study", "investigation", "evaluation"].contains(next)
        case "in":
            return next == "clinical" && position + 2 < words.count
                && ["trial", "trials"].contains(words[position + 2])
        default: return false
        }
    }
    static let up: Set<String> = [
        "increase", "increases", "increased", "increasing", "higher", "raises",
        "raised", "improves", "improved", "improve", "longer", "greater", "rises", "elevated", "boosts", "extended",
        "extends", "prolonged", "prolongs", "lengthened", "better", "raise", "risen", "rose", "rising", "enhances",
        "enhanced", "enhance", "promotes", "promoted", "promote", "encourages", "encourage", "stimulates",
        "accelerates", "accelerated",
    ]
    static let down: Set<String> = [
        "decrease", "decreases", "decreased", "decreasing", "lower", "reduces",
        "reduced", "reduce", "worsens", "worsened", "shorter", "fewer", "falls", "declines", "declined", "shortened",
        "shortens", "worse", "lowered", "lowers", "reduction", "reductions", "inhibits", "inhibited", "inhibit",
        "suppresses", "suppressed", "represses", "repressed", "prevents", "prevented", "delays", "delayed",
        "attenuates", "attenuated", "impairs", "impaired", "decline", "inverse", "inversely",
    ]
    /// Units of time in days, to compare durations given in different units.
    static let daysPerUnit: [String: Double] = [
        "minutes": 1.0 / 1440, "hours": 1.0 / 24, "days": 1, "weeks": 7, "months": 30.44, "years": 365.25,
    ]

    /// Numbers written as words.
    static let numberWords: [String: String] = [
        "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
        "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "hundred": "100",
        "half": "0.5", "quarter": "0.25", "third": "0.33",
    ]
    /// Units a number can carry; anything else after a number leaves it unit-less.
    static let units: [String: String] = [
        "%": "%", "percent": "%", "per": "%",
        "day": "days", "days": "days", "week": "weeks", "weeks": "weeks", "month": "months", "months": "months",
        "year": "years", "years": "years", "hour": "hours", "hours": "hours", "minute": "minutes",
        "minutes": "minutes", "mg": "mg", "gy": "gy", "cycles": "cycles", "cycle": "cycles", "times": "times",
        "million": "million", "millions": "million", "people": "people", "patients": "patients",
    ]

    init(_ text: String) {
        words = Self.words(of: text)
        var quantities: [String: Set<String>] = [:]
        var pending: [String] = []
        for (position, word) in words.enumerated() {
            // "a month", "an hour": one of a unit of time.
            if ["a", "an"].contains(word), position + 1 < words.count,
                ["day", "week", "month", "year", "hour"].contains(words[position + 1])
            {
                pending.append("1")
                continue
            }
            if let number = Self.number(word) ?? Self.numberWords[word].map({ (value: $0, unit: nil) }) {
                pending.append(number.value)
                if let unit = number.unit {
                    quantities[unit, default: []].formUnion(pending)
                    pending = []
                }
                continue
            }
            if !pending.isEmpty {
                // "10 to 12 weeks", "3 or 4 cycles": a range shares the unit after its second number.
                if ["to", "or", "and", "-", "–"].contains(word), position + 1 < words.count,
                    Self.number(words[position + 1]) != nil
                {
                    continue
                }
                let unit = Self.units[word] ?? ""
                quantities[unit, default: []].formUnion(pending)
                pending = []
            }
        }
        if !pending.isEmpty { quantities["", default: []].formUnion(pending) }
        // Unit-less numbers (years, counts, stages) are too ambiguous to contradict on.
        quantities[""] = nil
        self.quantities = quantities
        // "FDA-approved" is approved: hyphenated words count by their parts.
        func parts(_ word: String) -> [String] {
            word.utf8.contains(UInt8(ascii: "-")) ? word.split(separator: "-").map(String.init) : [word]
        }
        var negated = Set<String>()
        var asserted = Set<String>()
        var negatedPositions = Set<Int>()
        var scope = 0
        for (position, word) in words.enumerated() {
            // "23% vs. none" gives a value, not a negation.
            let isValue = word == "none" && position > 0 && ["vs", "versus"].contains(words[position - 1])
            if !isValue, Self.negations.contains(word) || word.hasSuffix("n't") {
                scope = 4
                continue
            }
            // A clause ends the scope: "not approved, but studied".
            if ["but", "while", "although", "whereas"].contains(word) { scope = 0 }
            let content = parts(word).filter { $0.count > 2 && !Self.functionWords.contains($0) }
            if scope > 0 {
                negated.formUnion(content)
                negatedPositions.insert(position)
                scope -= 1
            } else {
                asserted.formUnion(content)
            }
        }
        negatedWords = negated
        assertedWords = asserted.subtracting(negated)
        let words = words
        let statusPosition = words.indices.first { position in
            parts(words[position]).contains { Self.established.contains($0) || Self.experimental.contains($0) }
                || Self.isExperimentalPhrase(words, at: position)
        }
        status = statusPosition.map { position in
            let word = words[position]
            let isEstablished = parts(word).contains { Self.established.contains($0) }
            return (isEstablished ? .established : .experimental, word)
        }
        // A negated direction ("does not lower") states none: it is not the opposite direction.
        let directionPosition = words.indices.first { position in
            !negatedPositions.contains(position)
                && (Self.up.contains(words[position]) || Self.down.contains(words[position]))
        }
        direction = directionPosition.map { (Self.up.contains(words[$0]), words[$0]) }
        keyTerms = Self.keyTerms(in: words)
        line = Self.therapyLine(in: words)
        populations = Self.populations(in: words)
        treatments = Self.treatments(in: words)
        certainty = Self.certainty(in: words)
        noEffect = Self.noEffect(in: words)
        statesEffect = Self.statesEffect(words)
    }

    /// A duration the text gives (numbers with a unit of time), in the first unit of time found.
    var duration: (unit: String, values: Set<String>)? {
        quantities.first { Self.daysPerUnit[$0.key] != nil }.map { ($0.key, $0.value) }
    }

    /// The claim's words that `text` names only with "non" before them ("Hodgkin" against "non-Hodgkin",
    /// "melanoma" against "nonmelanoma"), and the claim's "non" words whose base `text` names without it.
    static func oppositeKinds(_ claim: ClaimWords, _ text: ClaimWords) -> Set<String> {
        func base(_ word: String) -> String? {
            guard word.hasPrefix("non"), word.count > 6 else { return nil }
            let rest = word.dropFirst(3)
            return String(rest.hasPrefix("-") ? rest.dropFirst() : rest)
        }
        let claimWords = Set(claim.words)
        let textWords = Set(text.words)
        var opposite = Set<String>()
        for word in textWords {
            if let base = base(word), claimWords.contains(base), !textWords.contains(base) { opposite.insert(base) }
        }
        for word in claimWords {
            if let base = base(word), textWords.contains(base), !textWords.contains(word) { opposite.insert(word) }
        }
        return opposite
    }

    /// Whether the text names `keyTerm`: as a key term, as a word, written with or without its hyphens ("IL-6"
    /// and "IL6") or in British spelling ("leukaemia"), or, for a kind of cell, as a compound ("stem cell
    /// therapy" names stem cells).
    func contains(keyTerm: String) -> Bool {
        if keyTerms.contains(keyTerm) || words.contains(keyTerm) { return true }
        if keyTerm.hasSuffix(" cells") {
            let kind = String(keyTerm.dropLast(" cells".count))
            return words.indices.dropLast().contains { position in
                words[position] == kind && words[position + 1].hasPrefix("cell")
            } || words.contains { $0.hasPrefix(kind + "-cell") }
        }
        let compact = Self.compactSpelling(keyTerm)
        return compact.utf8.count > 2 && words.contains { Self.compactSpelling($0) == compact }
    }

    /// `word` without hyphens and with British "ae" and "oe" spelt "e": the form two spellings of a name share.
    private static func compactSpelling(_ word: String) -> String {
        guard word.utf8.contains(where: { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "e") }) else { return word }
        return word.replacing("-", with: "").replacing("ae", with: "e").replacing("oe", with: "e")
    }

    static let diseaseEndings = Affixes(endings: ["oma", "omas", "emia", "emias", "aemia", "itis", "osis"])
    static let keyDrugEndings = Affixes(endings: [
        "mab", "nib", "platin", "taxel", "rubicin", "mustine", "parib", "lisib", "ciclib", "tinib",
    ])
    /// Last parts of hyphenated words that qualify what the first part names: "TDP-43-induced" and
    /// "UCP1-dependent" name TDP-43 and UCP1.
    static let qualifyingParts: Set<String> = [
        "induced", "dependent", "independent", "expressing", "mediated", "related", "associated", "positive",
        "negative", "deficient", "specific", "derived", "driven", "targeted", "like", "based", "resistant",
        "sensitive", "null", "knockout", "treated", "mutant", "mutated", "producing", "bearing",
    ]
    /// Words before "cells" that say which or how many cells, not what kind ("other cells", "many cells").
    static let cellQuantifiers: Set<String> = [
        "many", "other", "some", "most", "these", "those", "such", "different", "various", "individual",
        "single", "whole", "several", "both", "each", "few", "certain", "living", "dead",
    ]

    /// `word` without a qualifying last part: "tdp-43-induced" is "tdp-43".
    static func withoutQualifyingPart(_ word: String) -> String {
        guard let hyphen = word.lastIndex(of: "-"), hyphen != word.startIndex,
            qualifyingParts.contains(String(word[word.index(after: hyphen)...]))
        else { return word }
        return String(word[..<hyphen])
    }

    /// Whether `words[position]` is "cells", or "cell" that qualifies no noun after it: "myeloid cells" name a
    /// kind of cell, "cell cycle", "cell death" and "cell type" do not.
    static func namesCells(_ words: [String], at position: Int) -> Bool {
        switch words[position] {
        case "cells": true
        case "cell":
            position + 1 == words.count || functionWords.contains(words[position + 1])
                || negations.contains(words[position + 1])
                || ["in", "of", "to", "is", "by"].contains(words[position + 1])
        default: false
        }
    }

    /// Words the claim's meaning hinges on: disease names (-oma, -emia, -itis), drugs (-mab, -nib, -platin, …),
    /// genes and proteins (letters with digits, such as "BRCA1" or "PD-L1", without a qualifying last part such as
    /// "-induced"), and kinds of cells ("T cells", "myeloid cells"; not "other cells", nor "cell cycle", where
    /// "cell" qualifies another noun).
    static func keyTerms(in words: [String]) -> Set<String> {
        var terms = Set<String>()
        for (position, word) in words.enumerated() where word.count > 3 {
            if word.count > 5, diseaseEndings.match(word) { terms.insert(word) }
            if keyDrugEndings.match(word) { terms.insert(word) }
            let beforeCells = position + 1 < words.count && namesCells(words, at: position + 1)
            guard beforeCells || word.contains(where: \.isNumber) else { continue }
            let letters = word.count { $0.isLetter }
            if word.contains(where: \.isNumber) && letters >= 2 && number(word) == nil {
                terms.insert(withoutQualifyingPart(word))
            }
            if beforeCells, letters > 0, !functionWords.contains(word), !cellQuantifiers.contains(word),
                !word.hasSuffix("ing"), !word.hasSuffix("ed")
            {
                terms.insert(word + " cells")
            }
        }
        // Short cell-type names: "T cells", "B cells", "NK cells".
        for (position, word) in words.enumerated() where position + 1 < words.count {
            if ["t", "b", "nk", "car-t", "stem"].contains(word), ["cell", "cells"].contains(words[position + 1]) {
                terms.insert(word + " cells")
            }
        }
        return terms
    }

    /// A number word's value, and its unit when glued to it ("95%").
    static func number(_ word: String) -> (value: String, unit: String?)? {
        var value = word
        var unit: String?
        if value.hasSuffix("%") {
            value.removeLast()
            unit = "%"
        }
        guard let first = value.first, first.isNumber,
            value.allSatisfy({ $0.isNumber || $0 == "." || $0 == "," })
        else { return nil }
        value.removeAll { $0 == "," }
        while value.hasSuffix(".") { value.removeLast() }
        if value.contains(".") {
            while value.hasSuffix("0") { value.removeLast() }
            if value.hasSuffix(".") { value.removeLast() }
        }
        return (value, unit)
    }

    static func describe(_ values: Set<String>, unit: String) -> String {
        let list = values.sorted { (Double($0) ?? 0) < (Double($1) ?? 0) }.joined(separator: ", ")
        return unit == "%" ? "\(list) %" : "\(list) \(unit)"
    }

    /// Lowercased words: letters, digits and the marks inside words and numbers ("car-t", "18.1", "95%",
    /// "doesn't").
    static func words(of text: String) -> [String] {
        var words: [String] = []
        var current = ""
        let scalars = Array(text.lowercased().unicodeScalars)
        for (position, scalar) in scalars.enumerated() {
            let character = Character(scalar)
            let next = position + 1 < scalars.count ? Character(scalars[position + 1]) : " "
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if character == "-" || character == "–", current.last?.isNumber == true, next.isNumber,
                current.allSatisfy({ $0.isNumber || $0 == "." || $0 == "," })
            {
                // "10-12 weeks" is the range "10 to 12 weeks".
                words += [current, "to"]
                current = ""
            } else if !current.isEmpty, ["-", ".", ",", "'", "’"].contains(character),
                next.isLetter || next.isNumber,
                character == "-" || character == "'" || character == "’" || current.last?.isNumber == true
            {
                // Keep "car-t", "18.1", "1,000", "doesn't"; a sentence's final dot or a list comma ends the word.
                if character == "," && !(current.last?.isNumber == true && next.isNumber) {
                    words.append(current)
                    current = ""
                } else {
                    current.append(character == "’" ? "'" : character)
                }
            } else if character == "%", !current.isEmpty {
                current.append("%")
                words.append(current)
                current = ""
            } else {
                if !current.isEmpty { words.append(current) }
                current = ""
                if character == "%" { words.append("%") }
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Words joined by single spaces, for quote detection.
    static func normalised(_ text: String) -> String {
        words(of: text).joined(separator: " ")
    }
}
