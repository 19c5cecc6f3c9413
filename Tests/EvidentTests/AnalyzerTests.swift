import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct AnalyzerTests {
    let analyzer = Analyzer()

    @Test func foldsDiacriticsAndLowercases() {
        #expect(analyzer.terms(in: "Café Naïve") == ["cafe", "naiv"])
        #expect(analyzer.terms(in: "ﬁbrosis STRAßE Ørsted") == ["fibrosi", "strass", "orst"])
    }

    @Test func foldsOnlyScriptsWhereMarksAreAccents() {
        let plain = Analyzer(configuration: AnalyzerConfiguration(stemming: false))
        #expect(plain.terms(in: "Ἀθῆναι ÉCOLE ａｂｃ 1½") == ["αθηναι", "ecole", "abc", "1"])
        #expect(plain.terms(in: "がん 癌 हिंदी") == ["がん", "癌", "हिंदी"])
    }

    @Test func keepsDiacriticsWhenFoldingIsOff() {
        let plain = Analyzer(configuration: AnalyzerConfiguration(stemming: false, foldsDiacritics: false))
        #expect(plain.terms(in: "Café NAÏVE") == ["café", "naïve"])
    }

    @Test func removesPossessivesWithEitherApostrophe() {
        #expect(analyzer.terms(in: "the patient's doctor") == ["patient", "doctor"])
        #expect(analyzer.terms(in: "the patient’s doctor") == ["patient", "doctor"])
        #expect(analyzer.terms(in: "the patients' doctors") == ["patient", "doctor"])
    }

    @Test func elidesApostrophesInsideWords() {
        let plain = Analyzer(configuration: AnalyzerConfiguration(stemming: false))
        #expect(plain.terms(in: "Don't call O’Brien 'now'") == ["dont", "call", "obrien", "now"])
    }

    @Test func dropsStopwords() {
        #expect(
            analyzer.terms(in: "The treatment of the disease is not such a risk") == ["treatment", "diseas", "risk"])
        let keepAll = Analyzer(configuration: AnalyzerConfiguration(stopwords: [], stemming: false))
        #expect(keepAll.terms(in: "the cat") == ["the", "cat"])
    }

    @Test func keepsDigitsAndSplitsHyphens() {
        #expect(analyzer.terms(in: "PD-1 in 2025, stage 5") == ["pd", "1", "2025", "stage", "5"])
        #expect(analyzer.terms(in: "anti-PD-L1/CTLA-4 (IL-6)") == ["anti", "pd", "l1", "ctla", "4", "il", "6"])
    }

    @Test func splitsOnMixedPunctuation() {
        #expect(
            analyzer.terms(in: "cells;tumors...growth!!(fast)—slow_down\ttired\nrunning") == [
                "cell", "tumor", "growth", "fast", "slow", "down", "tire", "run",
            ])
    }

    @Test func rangesPointAtTheSourceScalars() throws {
        let text = "🧬 Café—naïve patient’s 5 x"
        let tokens = analyzer.tokens(in: text)
        let scalars = Array(text.unicodeScalars)
        let sources = tokens.map { String(String.UnicodeScalarView(scalars[$0.range])) }
        #expect(tokens.map(\.term) == ["cafe", "naiv", "patient", "5", "x"])
        #expect(sources == ["Café", "naïve", "patient’s", "5", "x"])
        let first = try #require(tokens.first)
        #expect(first.range == 2..<6)
    }

    @Test func rangesCoverDecomposedLetters() {
        let text = "cafe\u{301} ok"
        let tokens = analyzer.tokens(in: text)
        #expect(tokens.map(\.term) == ["cafe", "ok"])
        #expect(tokens.map(\.range) == [0..<5, 6..<8])
    }

    @Test("empty and blank input", arguments: ["", " ", "\n\t  ", "— … !?", "the a of"])
    func emptyInputGivesNoTerms(text: String) {
        #expect(analyzer.terms(in: text).isEmpty)
        #expect(analyzer.tokens(in: text).isEmpty)
    }

    @Test func termsEqualTokenTermsOnAGuidelineParagraph() throws {
        let folder = try #require(SharedData.nciPDQ, Comment(rawValue: SharedData.missingMessage))
        let page = folder.appendingPathComponent("pdq/types-mesothelioma-hp-mesothelioma-treatment-pdq.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        // A long paragraph with non-ASCII characters (≥, µ, …) so that scalar offsets are exercised too.
        let paragraph = try #require(
            text.components(separatedBy: "\n\n").first { paragraph in
                paragraph.count > 400 && !paragraph.hasPrefix("#") && !paragraph.unicodeScalars.allSatisfy(\.isASCII)
            })
        let terms = analyzer.terms(in: paragraph)
        #expect(terms.count > 40)
        #expect(terms == analyzer.tokens(in: paragraph).map(\.term))
        let scalars = Array(paragraph.unicodeScalars)
        for token in analyzer.tokens(in: paragraph) {
            let source = String(String.UnicodeScalarView(scalars[token.range]))
            #expect(token.term == analyzer.terms(in: source).first, "\(source) → \(token.term)")
        }
    }
}
