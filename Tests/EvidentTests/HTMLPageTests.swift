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

/// What a page of `Fixtures/html` (pages of our own in the shapes real sites use) must give: its title and URL, a
/// section path, sentences of its content, and none of its furniture.
struct SitePage: Sendable, CustomTestStringConvertible {
    var file: String
    var title: String
    var url: String
    var path: [String]
    var content: [String]
    var furniture: [String]
    var testDescription: String { file }

    static let all = [
        SitePage(
            file: "pdq-summary", title: "Soft Tissue Sarcoma Treatment (PDQ®) – Patient Version",
            url: "https://www.example.gov/types/soft-tissue-sarcoma/patient/treatment-pdq",
            path: ["Treatment Option Overview", "Radiation therapy"],
            content: [
                "more than half begin in an arm or a leg. The rest start in the trunk",
                "IB | larger than 5 cm | low (1)", "the grade of the tumour — how abnormal the cells look",
            ],
            furniture: [
                "official website", "Skip to", "Search", "Coping with", "On This Page", "Share on", "Print",
                "Contact Us", "Back To Top", "not text", "not content", "NCIAnalytics", "no</h2>",
            ]),
        SitePage(
            file: "health-topic", title: "Lymphedema | Health Topics | Example Library of Medicine",
            url: "https://www.example.gov/health/lymphedema.html", path: ["Summary"],
            content: [
                "massage that moves the fluid (manual lymphatic drainage)", "rings, watches or sleeves that feel tight",
            ],
            furniture: ["Drugs & Supplements", "GO", "Print", "Email", "Disclaimers", "Home →", "not content"]),
        SitePage(
            file: "guideline-recommendations",
            title: "Recommendations | Suspected cancer: recognition and referral | Guidance | Example Institute",
            url: "https://www.example.org.uk/guidance/ng000/chapter/recommendations",
            path: ["Recommendations", "1.1 Lung and pleural cancers", "Mesothelioma"],
            content: [
                "1.1.4 Refer people using a suspected cancer pathway referral for mesothelioma",
                "Dysphagia | any | Suspected cancer pathway referral (2 weeks)",
                "a low threshold for a chest X-ray is justified",
            ],
            furniture: [
                "cookies", "Standards and indicators", "Guideline chapters", "Hidden duplicate", "Printed from",
                "All rights reserved", "Privacy notice",
            ]),
        SitePage(
            file: "hospital-blog",
            title: "Five questions to ask before starting immunotherapy - Example Hospital Cancer Blog",
            url: "https://blog.example-hospital.org/2024/03/immunotherapy-questions/",
            path: ["2. Which side effects should I report at once?"],
            content: [
                "tiredness to your team straight away, even on a weekend.",
                "some are given every two weeks, others every three, four or six weeks.",
            ],
            furniture: [
                "Find a Doctor", "Posted on", "Share this", "Twitter", "What to eat", "thoughts on", "Thank you",
                "Leave a Reply", "Recent Posts", "newsletter", "Copyright", "jQuery", "html5shiv",
            ]),
    ]
}

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

    @Test(arguments: SitePage.all)
    func aSitesPageGivesItsContentWithoutItsFurniture(_ expected: SitePage) throws {
        let file = try #require(
            Bundle.module.url(forResource: expected.file, withExtension: "html", subdirectory: "Fixtures/html"))
        let page = try #require(try CorpusReader().read(at: file).documents.first)
        #expect(page.title == expected.title)
        #expect(page.url == expected.url)
        #expect(page.sections.contains { $0.path == expected.path }, "\(page.sections.map(\.path))")
        let passages = Chunker().passages(of: page)
        for sentence in expected.content {
            #expect(passages.contains { $0.text.contains(sentence) }, "\(sentence)")
        }
        for furniture in expected.furniture {
            #expect(!passages.contains { $0.text.contains(furniture) }, "\(furniture)")
        }
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
