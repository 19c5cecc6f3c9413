import EvidentTestSupport
import Testing

@testable import Evident

@Suite(.offThePool) struct MarkdownCleanerTests {
    func clean(_ markdown: String) -> String { MarkdownCleaner.clean(markdown[...]) }

    @Test func linksKeepTheirTextAndDropTheTarget() {
        #expect(
            clean("For more information, see [Cardiopulmonary Syndromes](/about-cancer/x-pdq).")
                == "For more information, see Cardiopulmonary Syndromes.")
        #expect(
            clean("([CheckMate743](/clinicaltrials/NCT02899299) [NCT02899299])")
                == "(CheckMate743 [NCT02899299])")
        #expect(clean("a [link (with parens)](/url_(x)) b") == "a link (with parens) b")
        #expect(clean("Brackets [ECOG] stay, [unclosed too.") == "Brackets [ECOG] stay, [unclosed too.")
    }

    @Test func citationAnchorsDisappearWithoutLeavingSpaces() {
        #expect(clean("were identified:[[1](#cit/section_1.1),[2](#cit/section_1.2)]") == "were identified:")
        #expect(clean("a period follows [[3](#cit/section_1.3)]. Next") == "a period follows. Next")
        #expect(clean("two [[3](#cit/section_1.3)] words") == "two words")
        #expect(clean("lives ([1](#r1), [2](#r2)). This") == "lives. This")
        #expect(clean("lone anchors[2](#cit/il.2), like this") == "lone anchors, like this")
    }

    @Test func evidenceMarkersDisappearAndAreCollected() {
        let markdown = """
            Survival was longer.[[7](#cit/section_1.7)-[9](#cit/section_1.9)][[Level of evidence C2](/Common/PopUps/popDefinition.aspx?id=810037&version=HealthProfessional)] Done.
            """
        let scalars = Array(markdown.unicodeScalars)
        let cleaned = MarkdownCleaner.cleanedText(of: scalars, in: 0..<scalars.count)
        #expect(cleaned.text == "Survival was longer. Done.")
        #expect(cleaned.evidenceLevels(in: 0..<scalars.count) == ["C2"])
        #expect(cleaned.references(in: 0..<scalars.count) == [7, 8, 9])
        #expect(clean("their [level of evidence](/Common/PopUps/x)). Not all") == "their level of evidence). Not all")
        let named = Array("Used.[[Level of evidence (retinoids): 2aii](/x)]".unicodeScalars)
        #expect(MarkdownCleaner.cleanedText(of: named, in: 0..<named.count).evidenceLevels.map(\.level) == ["2aii"])
        let lowercase = Array("Rare.[[level of evidence: I](/x)]".unicodeScalars)
        #expect(
            MarkdownCleaner.cleanedText(of: lowercase, in: 0..<lowercase.count).evidenceLevels.map(\.level)
                == ["I"])
    }

    @Test func emphasisMarkersAreDropped() {
        #expect(
            clean("high risk (*P* < .001) and **bold** and ***both*** and _under_ and __double__")
                == "high risk (P < .001) and bold and both and under and double")
        #expect(clean("snake_case_name and 2 * 3 stay") == "snake_case_name and 2 * 3 stay")
        #expect(clean("an escaped \\*star\\* stays") == "an escaped *star* stays")
        #expect(clean("- ***SMARCB1* gene testing** is a test") == "- SMARCB1 gene testing is a test")
        #expect(clean("**Targeting genes called *RAS***. After") == "Targeting genes called RAS. After")
        #expect(clean("*a **b** c*") == "a b c")
        #expect(clean("- Age****: Women and sensitizers****to kill") == "- Age: Women and sensitizers to kill")
    }

    @Test func imagesAndImageOnlyLinesAreDropped() {
        let markdown = """
            Before.

            ![Drawing of the chest](https://nci-media.cancer.gov/pdq/media/images/786385-750.jpg "Drawing")

            [Enlarge](https://nci-media.cancer.gov/pdq/media/images/786385.jpg)![Drawing](https://x/786385-750.jpg)

            [![Podosomes in cells](/sites/x.jpg?h=8619fdb5)](/types/skin/research)

            After.
            """
        #expect(clean(markdown) == "Before.\nAfter.")
    }

    @Test func headingMarkersAndHTMLTagsAreDropped() {
        #expect(clean("## Stage *II* Treatment ##\n\nText") == "Stage II Treatment\nText")
        #expect(clean("CO<sub>2</sub> level<br>next <!-- note --> end") == "CO2 level next end")
        #expect(clean("Updated <MM/DD/YYYY>, age <49 years") == "Updated <MM/DD/YYYY>, age <49 years")
        #expect(clean("see <https://smokefree.gov> now") == "see https://smokefree.gov now")
    }

    @Test func aCommentOpeningALineIsDroppedOverBlankLines() {
        let markdown = """
            Before.
            <!--
            Notes.

            - not an item
            # not a heading
            --> the rest of the closing line goes too
            After <!-- inline --> text.

            <!-- never closed

            Kept.
            """
        #expect(clean(markdown) == "Before.\nAfter text.\n<!-- never closed\nKept.")
        #expect(MarkdownCleaner.clean("<!--\n\n-->"[...], as: .text) == "<!--\n-->")
    }

    @Test func blocksAreRecordedWithTheirKindsAndTheTextAfterAListMarker() {
        let markdown = "# Title\n\nA paragraph.\n\n- **Item** one\n12. Item two\n\n| a | b |\n|---|---|\n| c | d |"
        let scalars = Array(markdown.unicodeScalars)
        let cleaned = MarkdownCleaner.cleanedText(of: scalars, in: 0..<scalars.count)
        #expect(cleaned.text == "Title\nA paragraph.\n- Item one\n12. Item two\na | b\nc | d")
        #expect(cleaned.blocks.map(\.kind) == [.heading, .paragraph, .listItem, .listItem, .tableRow, .tableRow])
        let texts = cleaned.blocks.map {
            String(decodingScalars: cleaned.scalars[$0.contentStart..<$0.range.upperBound])
        }
        #expect(texts == ["Title", "A paragraph.", "Item one", "Item two", "a | b", "c | d"])
        // The emphasis's opening "**" belongs to the item's text, not to its marker.
        let item = cleaned.blocks[2].contentStart
        #expect(
            cleaned.startBoundaries[item]
                == markdown.unicodeScalars.firstIndex(of: "*").map {
                    markdown.unicodeScalars.distance(from: markdown.unicodeScalars.startIndex, to: $0)
                })
    }

    @Test func aSpaceBeforePunctuationEndingAWordIsDropped() {
        #expect(
            clean("type 1 (NF1) . A study , with P < .001 and P = .04 .")
                == "type 1 (NF1). A study, with P < .001 and P = .04.")
    }

    @Test func hardLineBreaksInsideAParagraphBecomeSpaces() {
        #expect(
            clean("In large retrospective series of\npatients with pleural   mesothelioma,\n the factors")
                == "In large retrospective series of patients with pleural mesothelioma, the factors")
        #expect(clean("  First paragraph.  \n\n\n  Second paragraph.  \n") == "First paragraph.\nSecond paragraph.")
    }

    @Test func listItemsStayOnePerLineWithTheirMarkers() {
        let markdown = """
            Factors:

            - Stage.
            * Age.
            - Negative
            surgical margins.

            1. Multimodality clinical trials.[[7](#cit/section_6.7)]
            2) Symptomatic treatment, chest tube
               pleurodesis.
            """
        #expect(
            clean(markdown) == """
                Factors:
                - Stage.
                - Age.
                - Negative surgical margins.
                1. Multimodality clinical trials.
                2) Symptomatic treatment, chest tube pleurodesis.
                """)
    }

    @Test func tableRowsStayOnePerLineWithCellsSeparated() {
        let markdown = """
            | Cancer Type | Anti-PD-1 Trial | Anti-PD-L1 Trial |
            | --- | :---: | --- |
            | Melanoma | 26 of **94** patients | [9 of 52](/x) patients |
            | Ovarian | n/a |  |
            """
        #expect(
            clean(markdown) == """
                Cancer Type | Anti-PD-1 Trial | Anti-PD-L1 Trial
                Melanoma | 26 of 94 patients | 9 of 52 patients
                Ovarian | n/a
                """)
    }

    @Test func cardLinksRunningOverBlankLinesLoseTheirBrackets() {
        let markdown =
            "[![Drawing](/a.jpg)\n\nBreast Cancer Treatment\n\nLearn about treatments.](/types/breast/treatment)"
        #expect(clean(markdown) == "Breast Cancer Treatment\nLearn about treatments.")
        #expect(clean("a ] (b) and x](y z) stay") == "a ] (b) and x](y z) stay")
    }

    @Test func navigationOnlyParagraphsAreDropped() {
        #expect(clean("[Go to Patient Version](/types/x)\n\nText [with a link](/y).") == "Text with a link.")
    }

    @Test func offsetsPointBackIntoTheSource() {
        let markdown = "See **[Drug A](/a)** now.[[1](#cit/x.1)]"
        let scalars = Array(markdown.unicodeScalars)
        let cleaned = MarkdownCleaner.cleanedText(of: scalars, in: 0..<scalars.count)
        #expect(cleaned.text == "See Drug A now.")
        for (index, scalar) in cleaned.scalars.enumerated() where scalar != " " {
            #expect(scalars[cleaned.sourceOffsets[index]] == scalar)
        }
        // A range starting at "Drug" must take in the opening "**[", and one ending at "A" the closing "](/a)**".
        let drug = 4
        #expect(cleaned.startBoundaries[drug] == 4)
        #expect(cleaned.endBoundaries[drug + 5] == "See **[Drug A](/a)**".unicodeScalars.count)
        // The period's range takes in the anchor that follows it.
        #expect(cleaned.endBoundaries[cleaned.scalars.count - 1] == scalars.count)
    }

    @Test(
        "cleaning a cleaned range again gives the same text",
        arguments: [
            "A *b* c.[[1](#cit/x.1)] D [e](/f) g.",
            "- item one\n- item **two**\n\n1. first\n2. second",
        ])
    func cleaningIsIdempotentOnItsOwnOutput(markdown: String) {
        let once = clean(markdown)
        #expect(clean(once) == once)
    }

    @Test func inlineCleaningReadsNoBlocks() {
        #expect(MarkdownCleaner.cleanInline("* Corresponding author."[...], as: .beir) == "* Corresponding author.")
        #expect(MarkdownCleaner.cleanInline("[Hot flashes](/x)"[...], as: .markdown) == "Hot flashes")
        #expect(MarkdownCleaner.cleanInline("### *A*\n- b"[...], as: .markdown) == "### A - b")
        #expect(MarkdownCleaner.clean("[Hot flashes](/x)"[...], as: .markdown).isEmpty)
    }
}
