import EvidentTestSupport
import Foundation
import Testing

@testable import Evident
@testable import EvidentCorpus

/// A page in the shape cancer information sites use: a cookie banner, a skip link, a header with navigation, a
/// breadcrumb, the article in `<main>` with end tags left out, a table, a script, a share bar and a footer. The
/// text restates facts of the public-domain NCI PDQ mesothelioma summary in our words.
private let guidelinePage = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>Mesothelioma Treatment &ndash; Health Professional Version</title>
    <meta property="og:url" content="https://www.example.org/mesothelioma/hp">
    <link rel="canonical" href="https://www.example.org/types/mesothelioma/hp/treatment">
    <meta name="description" content="Treatment of malignant mesothelioma.">
    <style>body { font: 12px serif } .x:before { content: "<p>not text</p>" }</style>
    <script>window.dataLayer = [{"page": "<h2>not a heading</h2>"}];</script>
    </head>
    <body>
    <div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve this site. <button>Accept</button></p></div>
    <a class="skip-link" href="#main">Skip to main content</a>
    <header class="site-header"><nav><ul><li><a href="/">Home</a><li><a href="/types">Cancer types</a></ul></nav></header>
    <div class="breadcrumbs"><a href="/">Home</a> › Mesothelioma</div>
    <main id="main">
    <h1>Mesothelioma Treatment</h1>
    <p>Last reviewed: March 2025</p>
    <h2>First-line systemic therapy</h2>
    <p>Nivolumab plus ipilimumab extended median overall survival to 18.1 months, against 14.1 months with
    chemotherapy, in CheckMate&nbsp;743.
    <p>Options include:
    <ul>
    <li>nivolumab with ipilimumab
    <li>pemetrexed with cisplatin &amp; bevacizumab
    </ul>
    <h3>Results by arm</h3>
    <table>
    <tr><th>Arm<th>Median OS
    <tr><td>Nivolumab + ipilimumab<td>18.1 months
    <tr><td>Chemotherapy<td>14.1 months
    </table>
    <div class="share-bar"><a href="#">Share on social media</a></div>
    <h2>Surgery</h2>
    <p>Surgery is <em>rarely</em> curative.<br>It may be offered within a trial.</p>
    <p hidden>Draft text that the page hides.</p>
    </main>
    <aside><p>Related: clinical trials near you.</p></aside>
    <footer><p>&copy; 2025 Example Cancer Institute. All rights reserved.</p></footer>
    <script>track("end");</script>
    </body>
    </html>
    """

@Suite struct HTMLPageTests {
    @Test func theMainContentIsReadWithItsHeadingsListsAndTables() throws {
        let folder = try TemporaryFolder()
        let read = try CorpusReader().read(at: try folder.write(guidelinePage, to: "site/mesothelioma.html"))
        let page = try #require(read.documents.first)
        #expect(page.format == .html)
        #expect(page.title == "Mesothelioma Treatment – Health Professional Version")
        #expect(page.url == "https://www.example.org/types/mesothelioma/hp/treatment")
        #expect(page.metadata["description"] == "Treatment of malignant mesothelioma.")
        let scalars = Array(page.source.unicodeScalars)
        let outline = page.sections.map { section in
            section.path.joined(separator: " › ") + ": "
                + String(String.UnicodeScalarView(scalars[section.range]))
        }
        #expect(
            outline == [
                ": Last reviewed: March 2025",
                "First-line systemic therapy: Nivolumab plus ipilimumab extended median overall survival to 18.1 "
                    + "months, against 14.1 months with chemotherapy, in CheckMate 743.\n\nOptions include:\n\n"
                    + "nivolumab with ipilimumab\n\npemetrexed with cisplatin & bevacizumab",
                "First-line systemic therapy › Results by arm: Arm | Median OS\n\nNivolumab + ipilimumab | 18.1 months"
                    + "\n\nChemotherapy | 14.1 months",
                "Surgery: Surgery is rarely curative.\n\nIt may be offered within a trial.",
            ])
        for furniture in [
            "cookies", "Skip to", "Cancer types", "Share on", "Related:", "All rights", "not text",
            "not a heading", "Draft text", "track(",
        ] {
            #expect(!page.source.contains(furniture), "\(furniture)")
        }
        // The review date stays in the source, but no passage holds it.
        let passages = Chunker().passages(of: page)
        #expect(!passages.isEmpty)
        #expect(passages.allSatisfy { !$0.text.contains("Last reviewed") })
        #expect(passages.first?.sectionPath == ["First-line systemic therapy"])
    }

    @Test func aPageWithoutContentIsABadFile() throws {
        let folder = try TemporaryFolder()
        let empty = """
            <html><head><title>Sign in</title></head><body><nav><a href="/">Home</a></nav>
            <form><label>Password</label><input type="password"></form><script>app()</script></body></html>
            """
        let file = try folder.write(empty, to: "login.html")
        let error = issue { _ = try CorpusReader().read(at: file) }
        #expect(error?.kind == .empty)
        #expect(error?.reason.contains("no main content") == true)
        let skipped = try CorpusReader(configuration: .init(skipsBadInput: true)).read(at: file)
        #expect(skipped.skipped.count == 1)
    }

    @Test func brokenMarkupStillParses() {
        let tree = HTMLParser.parse(Array("<div><p>one<p>two</span></div><p>a < b &amp c<b>bold".utf8))
        #expect(tree.descendants(named: ["p"]).map(\.text) == ["one", "two", "a < b &amp cbold"])
        #expect(
            HTMLParser.parse(Array("<p class=lead id='x'>text".utf8)).descendants(named: ["p"]).first?.attributes
                == ["class": "lead", "id": "x"])
    }

    @Test(.enabled(if: SharedData.ingest != nil, Comment(rawValue: SharedData.missingMessage)))
    func theClinicalTrialsPageReadsItsRecord() throws {
        let file = try #require(SharedData.ingest?.appendingPathComponent("html/clinicaltrials.gov.html"))
        let page = try #require(try CorpusReader().read(at: file).documents.first)
        #expect(page.url == "https://clinicaltrials.gov/ct2/show/NCT03746262")
        #expect(page.title.hasPrefix("Changes in Circulating Tumor-Specific DNA"))
        #expect(page.source.contains("The purpose of this research study is to evaluate a blood test"))
        #expect(!page.source.contains("function("))
        #expect(!Chunker().passages(of: page).isEmpty)
    }
}
