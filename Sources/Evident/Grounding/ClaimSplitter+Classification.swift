import Foundation

extension ClaimSplitter {
    /// Why a sentence of an answer is not a claim, or `nil` when it is one.
    ///
    /// - a question ends with `?`;
    /// - a disclaimer holds one of ``boilerplatePhrases``;
    /// - a call to action opens (after "Please", or after an "If …," or "When …," clause) with one of
    ///   ``callToActionVerbs`` — "Ask your care team whether …", "If you have a fever, call your doctor." — or
    ///   with "You should" and such a verb, or with "Be sure to", "Make sure to" or "Don't hesitate to".
    static func nonClaimReason(of sentence: String) -> NonClaimReason? {
        var trimmed = Substring(sentence)
        while let last = trimmed.unicodeScalars.last, SentenceSplitter.closers.contains(last) {
            trimmed = trimmed.dropLast()
        }
        if trimmed.hasSuffix("?") { return .question }
        // "Here's the basic process:", "The main options include:": a short line that only announces a list.
        if trimmed.hasSuffix(":"), trimmed.split(separator: " ").count <= 12 { return .leadIn }
        let lowercased = sentence.lowercased()
        if boilerplatePhrases.contains(where: { lowercased.contains($0) }) { return .boilerplate }
        if isPleasantry(lowercased) { return .pleasantry }
        if isCallToAction(lowercased) {
            // "Always consult your healthcare team …" is the advice every answer ends with.
            return lowercased.hasPrefix("always ") ? .boilerplate : .callToAction
        }
        return nil
    }

    /// Openings of a sentence that only speaks to the reader, in lowercase.
    static let pleasantryOpenings: [String] = [
        "i appreciate", "i understand", "i'm sorry", "i am sorry", "i hope", "i'm glad", "i am glad", "thank you",
        "thanks for", "great question", "good question", "that's a great", "that's a good", "what a great",
        "this is an important question", "this is a great question", "i'd be happy", "i would be happy",
        "i'm happy to", "i am happy to", "happy to help", "let me explain", "let me walk you",
    ]

    /// Whether a sentence, in lowercase, is a pleasantry: it opens with one of ``pleasantryOpenings`` and is
    /// short (a long sentence that opens so may still go on to claim something).
    static func isPleasantry(_ sentence: String) -> Bool {
        let opening = sentence.drop { !$0.isLetter }.replacingOccurrences(of: "\u{2019}", with: "'")
        guard pleasantryOpenings.contains(where: { opening.hasPrefix($0) }) else { return false }
        return sentence.split(separator: " ").count <= 16
    }

    /// Phrases that make a sentence a disclaimer, in lowercase.
    static let boilerplatePhrases: [String] = [
        "for informational purposes", "for information purposes", "for educational purposes",
        "for general education", "general educational purposes", "is general information",
        "this is general information", "general information only", "not medical advice",
        "not intended as medical advice", "not a substitute for", "does not replace professional",
        "does not constitute medical advice", "should not be used as a substitute",
    ]

    /// Verbs that open a call to action addressed to the reader, in lowercase.
    static let callToActionVerbs: Set<String> = [
        "ask", "talk", "speak", "call", "contact", "consult", "discuss", "tell", "see", "visit", "seek", "schedule",
        "reach", "learn", "find", "read", "check", "sign", "join", "explore", "click", "go", "watch", "write",
        "bring", "share", "let", "request", "upload", "download", "subscribe", "register", "book", "submit", "send",
        "email", "follow",
    ]

    /// Whether a sentence, in lowercase, is an imperative addressed to the reader.
    static func isCallToAction(_ sentence: String) -> Bool {
        var words = sentence.split(whereSeparator: { $0.isWhitespace }).map { word in
            String(word.drop { !$0.isLetter }.reversed().drop { !$0.isLetter }.reversed())
        }
        guard !words.isEmpty else { return false }
        if words[0] == "please" || words[0] == "always" { words.removeFirst() }
        guard !words.isEmpty else { return false }
        // "If you have a fever, call your doctor": the imperative follows the opening clause.
        if let first = words.first, first == "if" || first == "when" || first == "whenever",
            let comma = sentence.firstIndex(of: ",")
        {
            return isCallToAction(String(sentence[sentence.index(after: comma)...]))
        }
        guard let first = words.first else { return false }
        if callToActionVerbs.contains(first) { return true }
        let opening = words.prefix(4).joined(separator: " ")
        for phrase in ["be sure to", "make sure to", "make sure you", "don't hesitate", "do not hesitate"]
        where opening.hasPrefix(phrase) {
            return true
        }
        // "You should talk with your doctor", "You may want to ask your care team".
        if first == "you" {
            let modalWords: Set<String> = ["should", "can", "may", "might", "could", "will", "want", "to", "also"]
            var index = 1
            while index < words.count && index <= 4 && modalWords.contains(words[index]) { index += 1 }
            return index > 1 && index < words.count && communicationVerbs.contains(words[index])
        }
        return false
    }

    /// Verbs of asking and telling, which after "You should" or "You may want to" make a call to action.
    static let communicationVerbs: Set<String> = [
        "ask", "talk", "speak", "call", "contact", "consult", "discuss", "tell", "reach", "request",
    ]
}

// MARK: - Plain text

extension ClaimSplitter {
    /// Whether an answer reads as plain text rather than Markdown: no line opens with a Markdown block marker
    /// (`#`, a list bullet or number, `>`, `|`, a code fence, `<!--`) and no emphasis, link or code markup appears.
    static func isPlainText(_ scalars: [Unicode.Scalar]) -> Bool {
        var lineStart = true
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" {
                lineStart = true
                index += 1
                continue
            }
            if lineStart {
                if scalar == " " || scalar == "\t" {
                    index += 1
                    continue
                }
                lineStart = false
                let next = index + 1 < scalars.count ? scalars[index + 1] : "\n"
                switch scalar {
                case "#", ">", "|", "`": return false
                case "-", "*", "+",
                    "•" where next == " ":
                    return false
                case "<" where next == "!": return false
                default: break
                }
                if ("0"..."9").contains(scalar) {
                    var end = index
                    while end < scalars.count, ("0"..."9").contains(scalars[end]) { end += 1 }
                    if end + 1 < scalars.count, scalars[end] == "." || scalars[end] == ")", scalars[end + 1] == " " {
                        return false
                    }
                }
            }
            if scalar == "*" || scalar == "`" { return false }
            if scalar == "]", index + 1 < scalars.count, scalars[index + 1] == "(" { return false }
            if scalar == "_", index + 1 < scalars.count, scalars[index + 1] == "_" { return false }
            index += 1
        }
        return true
    }

    /// The lines of plain text, blank ones left out, with a line that runs on mid-sentence joined to the next:
    /// one that ends with a comma, a hyphen or a word such as "the", "and", "of", or that is followed by a line
    /// opening in lowercase.
    static func lineGroups(of scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        for index in 0...scalars.count where index == scalars.count || scalars[index] == "\n" {
            var end = index
            while end > start, scalars[end - 1].properties.isWhitespace { end -= 1 }
            var first = start
            while first < end, scalars[first].properties.isWhitespace { first += 1 }
            if first < end { lines.append(first..<end) }
            start = index + 1
        }
        var groups: [Range<Int>] = []
        for line in lines {
            if let last = groups.last, runsOn(scalars[last], into: scalars[line]) {
                groups[groups.count - 1] = last.lowerBound..<line.upperBound
            } else {
                groups.append(line)
            }
        }
        return groups
    }

    /// Words after which a line cannot end a sentence.
    static let continuationWords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as",
        "that", "which", "who", "whose", "than", "into", "onto", "is", "are", "was", "were", "be", "been", "has",
        "have", "had", "not", "such", "its", "their", "your", "our", "this", "these", "those", "very", "more",
        "most", "less", "if", "when", "while", "because", "although",
    ]

    private static func runsOn(_ line: ArraySlice<Unicode.Scalar>, into next: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let last = line.last, let opening = next.first else { return false }
        if last == "," || last == "-" || last == "\u{2010}" { return true }
        if opening.properties.isLowercase { return true }
        let lastWord = String(
            String.UnicodeScalarView(line.reversed().prefix { $0.properties.isAlphabetic }.reversed()))
        return continuationWords.contains(lastWord.lowercased())
    }

    /// Whether a line of plain text is a bare heading: at most 10 words, no sentence punctuation at its end, and
    /// most of its words capitalised ("How CAR-T Cell Therapy Works (General Mechanism)", "Current Status for
    /// Mesothelioma").
    static func isBareHeading(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard let last = trimmed.unicodeScalars.last, !".!?;:,".unicodeScalars.contains(last) else { return false }
        let words = trimmed.split(whereSeparator: { $0.isWhitespace }).map {
            $0.drop { !$0.isLetter && !$0.isNumber }
        }.filter { !$0.isEmpty }
        guard !words.isEmpty, words.count <= 10, let firstWord = words.first, firstWord.first?.isUppercase == true
        else { return false }
        let minor: Set<String> = [
            "a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "with", "vs", "at", "by",
        ]
        let major = words.filter { !minor.contains($0.lowercased()) }
        let capitalised = major.filter { $0.first?.isUppercase == true || $0.first?.isNumber == true }
        return capitalised.count * 4 >= major.count * 3
    }

    /// `sentence` without a short label that opens it ("Extraction: ", "Step 2: "): at most three words, then a
    /// colon and a capitalised word. The sentence itself when it has none.
    static func withoutLabel(_ sentence: Range<Int>, in scalars: [Unicode.Scalar]) -> Range<Int> {
        var words = 1
        var index = sentence.lowerBound
        while index < sentence.upperBound && index - sentence.lowerBound <= 40 {
            let scalar = scalars[index]
            if scalar == " " {
                words += 1
                if words > 3 { return sentence }
            } else if scalar == ":" {
                var next = index + 1
                while next < sentence.upperBound, scalars[next] == " " { next += 1 }
                guard next > index + 1, next < sentence.upperBound, scalars[next].properties.isUppercase else {
                    return sentence
                }
                return next..<sentence.upperBound
            } else if scalar == "." || scalar == "," || scalar == ";" {
                return sentence
            }
            index += 1
        }
        return sentence
    }
}
