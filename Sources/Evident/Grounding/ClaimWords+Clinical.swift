/// What a clinical claim pins down beyond numbers and directions, and a source sentence may pin down differently:
/// the population it is about, the line of therapy, the treatments that act, how certain it is, and whether an
/// effect was found at all.
extension ClaimWords {
    /// A line of therapy: the first treatment of a disease, or one given after an earlier treatment.
    enum TherapyLine: Sendable { case first, later }

    /// Populations of which a claim and a source usually name one: a claim about one is not supported by a
    /// source about another.
    enum PopulationAxis: String, Sendable, CaseIterable {
        case age, sex, site

        /// Each value of the axis with the words that name it.
        var values: [(value: String, words: [String])] {
            switch self {
            case .age:
                [
                    (
                        "children",
                        [
                            "children", "child", "childhood", "pediatric", "paediatric", "infants", "infant",
                            "kids", "neonates", "neonatal", "newborns",
                        ]
                    ),
                    ("adults", ["adults", "adult", "elderly"]),
                ]
            case .sex:
                [
                    ("women", ["women", "woman", "female", "females", "girls"]),
                    ("men", ["men", "man", "male", "males", "boys"]),
                ]
            case .site:
                [
                    ("pleural", ["pleural", "pleura"]),
                    ("peritoneal", ["peritoneal", "peritoneum"]),
                    ("pericardial", ["pericardial", "pericardium"]),
                ]
            }
        }

        /// The axis and value each population word names, built once: texts are read word by word.
        static let byWord: [String: (axis: PopulationAxis, value: String)] = {
            var byWord: [String: (axis: PopulationAxis, value: String)] = [:]
            for axis in allCases {
                for (value, words) in axis.values {
                    for word in words { byWord[word] = (axis, value) }
                }
            }
            return byWord
        }()
    }

    /// The line of therapy `words` name, with the word that names it; none when they name both or neither.
    static func therapyLine(in words: [String]) -> (line: TherapyLine, word: String)? {
        var found: [TherapyLine: String] = [:]
        func word(_ position: Int) -> String { position < words.count ? words[position] : "" }
        // "after the initial, or first-line, treatment" speaks of a later line: a first line named within four
        // words after "after" is the line before the one meant.
        var earlier = Set<Int>()
        for position in words.indices where ["after", "following"].contains(words[position]) {
            for next in (position + 1)..<min(position + 5, words.count)
            where ["first-line", "initial", "first", "frontline", "front-line"].contains(words[next]) {
                earlier.insert(next)
                found[.later] = found[.later] ?? "after \(words[next])"
            }
        }
        for position in words.indices where !earlier.contains(position) {
            let (current, next) = (words[position], word(position + 1))
            switch current {
            case "first-line", "frontline", "front-line", "treatment-naive", "treatment-naïve", "chemotherapy-naive":
                found[.first] = found[.first] ?? current
            case "first" where ["line", "treatment", "therapy", "treatments"].contains(next),
                "initial" where ["treatment", "therapy"].contains(next):
                found[.first] = found[.first] ?? "\(current) \(next)"
            case "previously" where next == "untreated", "newly" where next == "diagnosed":
                found[.first] = found[.first] ?? "\(current) \(next)"
            case "never" where ["had", "received"].contains(next),
                "not" where next == "yet" && word(position + 2) == "been" && word(position + 3) == "treated":
                found[.first] = found[.first] ?? "not treated before"
            case "second-line", "third-line", "later-line", "pretreated", "recurrent", "relapsed", "refractory":
                found[.later] = found[.later] ?? current
            case "second" where next == "line", "previously" where next == "treated":
                found[.later] = found[.later] ?? "\(current) \(next)"
            case let text
            where ["progressed", "progressing", "recurred", "relapsing"].contains(text)
                && ["after", "on", "following", "despite"].contains(next):
                found[.later] = found[.later] ?? "\(current) \(next)"
            case "after" where ["prior", "previous", "earlier"].contains(next):
                found[.later] = found[.later] ?? "\(current) \(next)"
            case let text where ["come", "comes", "came"].contains(text) && next == "back":
                found[.later] = found[.later] ?? "\(current) back"
            case let text where ["returns", "returned"].contains(text) && position > 0:
                found[.later] = found[.later] ?? current
            default: continue
            }
        }
        guard found.count == 1, let (line, word) = found.first else { return nil }
        return (line, word)
    }

    /// For each population axis `words` name, the values named (with the first word naming one).
    static func populations(in words: [String]) -> [PopulationAxis: (values: Set<String>, word: String)] {
        var populations: [PopulationAxis: (values: Set<String>, word: String)] = [:]
        for word in words {
            guard let (axis, value) = PopulationAxis.byWord[word] else { continue }
            populations[axis, default: ([], word)].values.insert(value)
        }
        return populations
    }

    /// Drug endings (international nonproprietary names) that name a treatment.
    static let drugEndings = Affixes(endings: [
        "mab", "nib", "platin", "taxel", "rubicin", "mustine", "parib", "lisib", "ciclib", "trexed", "citabine",
        "relbine", "fosfamide", "poside", "tecan", "olimus", "statin", "sartan", "pril", "olol", "azole", "mycin",
        "cycline", "vir", "tretinoin", "dronate", "gliptin", "glitazone", "prazole", "semide", "oxacin", "cillin",
        "parin", "afil", "coxib", "grastim", "poetin", "setron",
    ])
    /// Common drugs whose names have no telling ending.
    static let drugNames: Set<String> = [
        "methotrexate", "fluorouracil", "5-fu", "vincristine", "vinblastine", "dexamethasone", "prednisone",
        "prednisolone", "hydrocortisone", "tamoxifen", "letrozole", "anastrozole", "exemestane", "metformin",
        "aspirin", "warfarin", "insulin", "ibuprofen", "paracetamol", "acetaminophen", "thalidomide",
        "lenalidomide", "interferon", "interleukin-2", "bleomycin", "temozolomide", "hydroxychloroquine",
        "ivermectin", "melatonin", "anakinra", "colchicine", "morphine",
    ]

    /// The treatments `words` name: drugs by their names, and CAR T-cell therapy. (Surgery and radiation are left
    /// out: sentences name them as what a patient cannot have as often as what acts.)
    static func treatments(in words: [String]) -> Set<String> {
        var treatments = Set<String>()
        for (position, word) in words.enumerated() {
            let next = position + 1 < words.count ? words[position + 1] : ""
            if word.utf8.count > 5, drugEndings.match(word) || drugNames.contains(word) {
                treatments.insert(word)
            } else if word == "car-t" || (word == "car" && ["t", "t-cell", "t-cells"].contains(next)) {
                treatments.insert("CAR T-cell therapy")
            }
        }
        return treatments
    }

    /// Words saying that a statement holds for everyone or always; a source has to say as much.
    static let universalWords: Set<String> = [
        "always", "every", "everyone", "everybody", "invariably", "guaranteed", "guarantees", "guarantee",
    ]
    /// Nouns after which "all" speaks of everyone ("all patients").
    static let populationNouns: Set<String> = [
        "patients", "people", "persons", "individuals", "cases", "adults", "children", "women", "men", "tumors",
        "tumours", "cancers", "types", "forms",
    ]
    /// Adverbs of certainty in a claim; a source has to give a firm finding (`firmWords`) to back one.
    static let certaintyWords: Set<String> = [
        "clearly", "conclusively", "definitively", "definitely", "certainly", "undoubtedly", "unquestionably",
    ]
    static let firmWords: Set<String> = [
        "clearly", "clear", "conclusively", "definitively", "significantly", "significant", "proven", "proved",
        "established", "demonstrated",
    ]

    /// The word by which `words` claim more certainty than a source may give: "always", "every", "all patients",
    /// "clearly"; nil when they claim none.
    static func certainty(in words: [String]) -> String? {
        for position in words.indices {
            let word = words[position]
            if universalWords.contains(word) || certaintyWords.contains(word) { return word }
            if speaksOfAll(words, at: position) { return "all \(words[position + 1])" }
        }
        return nil
    }

    /// Whether `words` give a certainty at least as firm as `claimed` (a word of `certainty(in:)`).
    static func backs(certainty claimed: String, in words: [String]) -> Bool {
        let firm = certaintyWords.contains(claimed) ? firmWords.union(certaintyWords) : universalWords
        return words.indices.contains { position in
            firm.contains(words[position]) || words[position] == "each" || speaksOfAll(words, at: position)
        }
    }

    /// Whether `words[position]` is "all" before a noun of people or cases ("all patients").
    private static func speaksOfAll(_ words: [String], at position: Int) -> Bool {
        words[position] == "all" && position + 1 < words.count && populationNouns.contains(words[position + 1])
    }

    /// Expansions of trial end points written as abbreviations, so that "median OS was similar" is about survival.
    static let endPointAbbreviations: [String: [String]] = [
        "os": ["overall", "survival"], "pfs": ["progression-free", "progression", "free", "survival"],
        "dfs": ["disease-free", "survival"], "efs": ["event-free", "survival"],
    ]

    /// Where `words` say that no effect was found ("not statistically significant", "similar", "unclear", "did
    /// not differ", "was not associated with", "no effect"): the phrase and the content words of its clause
    /// (between "but", "while", … and "however").
    static func noEffect(in words: [String]) -> (phrase: String, clause: Set<String>)? {
        func word(_ position: Int) -> String { position >= 0 && position < words.count ? words[position] : "" }
        let boundaries: Set<String> = ["but", "while", "whereas", "although", "though", "however"]
        for position in words.indices {
            let phrase: String? =
                switch words[position] {
                case "similar", "comparable", "unclear", "uncertain", "nonsignificant", "non-significant",
                    "unchanged":
                    words[position]
                case "significant" where ["not", "no", "nor"].contains(word(position - 1)):
                    "\(word(position - 1)) significant"
                case "significant" where word(position - 1) == "statistically" && word(position - 2) == "not":
                    "not statistically significant"
                case "differ" where ["not", "didn't"].contains(word(position - 1)): "did not differ"
                case let text
                where ["associated", "correlated", "linked", "related"].contains(text)
                    && ["not", "nor", "neither"].contains(word(position - 1)):
                    "not \(text)"
                case let text
                where ["association", "correlation", "relationship", "effect", "benefit"].contains(text)
                    && ["no", "without"].contains(word(position - 1)):
                    "no \(text)"
                case let text
                where ["difference", "differences"].contains(text)
                    && ["no", "without"].contains(word(position - 1)):
                    "no difference"
                default: nil
                }
            guard let phrase else { continue }
            let start = words[..<position].lastIndex(where: boundaries.contains).map { $0 + 1 } ?? 0
            let end = words[position...].firstIndex(where: boundaries.contains) ?? words.count
            var clause = Set<String>()
            for word in words[start..<end] {
                clause.insert(word)
                clause.formUnion(endPointAbbreviations[word] ?? [])
            }
            return (phrase, clause)
        }
        return nil
    }

    /// The contradictions on population, line of therapy, treatment and effect between a claim's and a source's
    /// words.
    static func clinicalConflicts(_ claim: ClaimWords, _ source: ClaimWords) -> [ClaimConflict] {
        var conflicts: [ClaimConflict] = []
        for (axis, claimed) in claim.populations.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard let given = source.populations[axis], given.values.isDisjoint(with: claimed.values) else { continue }
            conflicts.append(.population(claim: claimed.word, source: given.word))
        }
        if let claimed = claim.line, let given = source.line, claimed.line != given.line {
            conflicts.append(.lineOfTherapy(claim: claimed.word, source: given.word))
        }
        // A treatment the claim names that the source does not, where the source names another one: the claim
        // gives an effect to the wrong treatment or combination.
        let absent = claim.treatments.subtracting(source.treatments)
        let other = source.treatments.subtracting(claim.treatments)
        if !absent.isEmpty, !other.isEmpty {
            conflicts.append(
                .treatment(
                    claim: absent.sorted().joined(separator: ", "), source: other.sorted().joined(separator: ", ")))
        }
        // The claim gives an effect where the source found none, in a clause about what the claim speaks of.
        if let direction = claim.direction, let (phrase, clause) = source.noEffect,
            claim.effectObject.contains(where: clause.contains)
        {
            conflicts.append(.noEffect(claim: direction.word, source: phrase))
        }
        return conflicts
    }

    /// What the claim's effect is on: the first four content words after its word of direction ("improves
    /// overall survival in recurrent …"), trial end points spelled out.
    var effectObject: Set<String> {
        guard let direction, let position = words.firstIndex(of: direction.word) else { return [] }
        var object = Set<String>()
        for word in words[(position + 1)...] where object.count < 4 {
            if let expansion = Self.endPointAbbreviations[word] {
                object.formUnion(expansion)
            } else if word.count > 2, !Self.functionWords.contains(word), !Self.genericWords.contains(word) {
                object.insert(word)
            }
        }
        return object
    }

    /// Words too common in trial reports to tie a finding to a claim.
    static let genericWords: Set<String> = [
        "patients", "people", "median", "months", "years", "weeks", "group", "groups", "trial", "study", "rate",
        "rates", "who", "those", "from", "into", "over", "compared",
    ]

    /// Beginnings of words that state an effect, a comparison or an association.
    static let effectStems = Affixes(beginnings: [
        "increas", "decreas", "higher", "lower", "improv", "reduc", "raise", "longer", "shorter", "greater",
        "fewer", "elevat", "boost", "extend", "prolong", "lengthen", "better", "worse", "declin", "enhanc",
        "inhibit", "promot", "suppress", "attenuat", "impair", "induc", "block", "prevent", "protect", "associat",
        "correlat", "predict", "benefit", "effective", "efficac", "significant", "hazard", "respon", "activat",
        "accelerat", "delay", "stimulat", "restor", "abolish", "diminish", "augment", "amplif", "exacerbat",
        "alleviat", "mitigat", "cause", "causing", "result", "contribut", "regulat", "affect", "alters", "altered",
        "chang", "eliminat", "shrink", "compar", "differ", "similar", "unchanged",
    ])
    /// Short words that state an effect or a comparison.
    static let effectWords: Set<String> = [
        "vs", "versus", "than", "no", "not", "led", "rise", "rises", "fall", "falls", "drop", "gain", "loss",
        "lose", "lost", "kill", "kills", "cure", "cures", "slow", "slows", "odds", "risk", "risks", "more", "less",
        "ratio",
    ]

    /// Whether `words` state an effect at all (a direction, a comparison, an association, a cause): a sentence
    /// that only describes a trial's design does not back a claim that a treatment works.
    static func statesEffect(_ words: [String]) -> Bool {
        words.contains { word in
            effectWords.contains(word) || effectStems.match(word) || up.contains(word)
                || down.contains(word)
        }
    }
}

/// Word beginnings or endings, grouped by the byte they begin or end with, so that a word is compared with the few
/// that could match it rather than with all (every word of every candidate sentence is read against them).
struct Affixes: Sendable {
    private let byByte: [UInt8: [[UInt8]]]
    private let atEnd: Bool

    init(beginnings: [String]) { self.init(beginnings, atEnd: false) }
    init(endings: [String]) { self.init(endings, atEnd: true) }

    private init(_ affixes: [String], atEnd: Bool) {
        self.atEnd = atEnd
        var byByte: [UInt8: [[UInt8]]] = [:]
        for affix in affixes where !affix.isEmpty {
            let bytes = Array(affix.utf8)
            byByte[atEnd ? bytes[bytes.count - 1] : bytes[0], default: []].append(bytes)
        }
        self.byByte = byByte
    }

    /// Whether `word` begins (or ends) with one of the affixes.
    func match(_ word: String) -> Bool {
        let utf8 = word.utf8
        guard let key = atEnd ? utf8.last : utf8.first, let candidates = byByte[key] else { return false }
        return candidates.contains { affix in
            affix.count <= utf8.count
                && (atEnd
                    ? utf8.suffix(affix.count).elementsEqual(affix) : utf8.prefix(affix.count).elementsEqual(affix))
        }
    }
}
