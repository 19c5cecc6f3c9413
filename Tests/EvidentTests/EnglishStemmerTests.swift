import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct EnglishStemmerTests {
    let stemmer = EnglishStemmer()

    /// The `word<TAB>stem` pairs PyStemmer produced (see `Scripts/make-stemmer-fixture.py`).
    static func referenceStems() throws -> [(word: String, stem: String)] {
        let url = try #require(
            Bundle.module.url(forResource: "english-stems", withExtension: "tsv", subdirectory: "Fixtures"))
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return fields.count == 2 ? (String(fields[0]), String(fields[1])) : nil
        }
    }

    @Test func everyFixtureWordStemsAsPyStemmerDoes() throws {
        let pairs = try Self.referenceStems()
        #expect(pairs.count >= 20_000)
        let mismatches = pairs.filter { stemmer.stem($0.word) != $0.stem }
        let examples = mismatches.prefix(10).map { "\($0.word) → \(stemmer.stem($0.word)), expected \($0.stem)" }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(pairs.count) words differ: \(examples)")
    }

    @Test(
        "special cases and step corners",
        arguments: [
            ("skies", "sky"), ("dying", "die"), ("lying", "lie"), ("news", "news"), ("only", "onli"),
            ("generously", "generous"), ("arsenal", "arsenal"), ("succeeded", "succeed"), ("inning", "inning"),
            ("hopping", "hop"), ("hoping", "hope"), ("luxuriated", "luxuri"), ("ties", "tie"), ("cries", "cri"),
            ("gas", "gas"), ("caresses", "caress"), ("geologist", "geolog"), ("saying", "say"),
            ("patient's", "patient"), ("at", "at"), ("1990s", "1990s"),
        ])
    func stemsKnownWords(word: String, expected: String) {
        #expect(stemmer.stem(word) == expected)
    }

    @Test func keepsNonASCIICharactersInPlace() {
        #expect(stemmer.stem("βlocking") == "βlock")
        #expect(stemmer.stem("naïvely") == "naïv")
    }
}
