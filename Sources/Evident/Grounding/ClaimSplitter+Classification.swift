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
        let lowercased = sentence.lowercased()
        if boilerplatePhrases.contains(where: { lowercased.contains($0) }) { return .boilerplate }
        if isCallToAction(lowercased) { return .callToAction }
        return nil
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
        "bring", "share", "let", "request",
    ]

    /// Whether a sentence, in lowercase, is an imperative addressed to the reader.
    static func isCallToAction(_ sentence: String) -> Bool {
        var words = sentence.split(whereSeparator: { $0.isWhitespace }).map { word in
            String(word.drop { !$0.isLetter }.reversed().drop { !$0.isLetter }.reversed())
        }
        guard !words.isEmpty else { return false }
        if words[0] == "please" { words.removeFirst() }
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
