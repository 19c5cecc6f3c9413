import EvidentTestSupport
import Foundation
import Testing

@testable import Evident
@testable import EvidentBenchmarking

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite(.offThePool) struct SVGChartTests {
    static let operations = ["lexical", "dense fp32", "hybrid", "ask", "ground 20"]
    static let percentiles = ["p50", "p95", "p99", "max"]
    static let latencies: [[Double]] = [
        [0.4, 3.1, 4.2, 9.5, 120],
        [0.9, 4.0, 6.3, 14, 180],
        [1.3, 5.2, 8.8, 19, 260],
        [2.5, 7.7, 12, 35, 410],
    ]
    static let scalingSeries = [
        ChartSeries(
            name: "fp32, 1 thread",
            points: [.init(x: 10_000, y: 0.8), .init(x: 100_000, y: 7.9), .init(x: 1_000_000, y: 81)]),
        ChartSeries(
            name: "int8, 2 threads",
            points: [.init(x: 1_000_000, y: 22), .init(x: 10_000, y: 0.3), .init(x: 100_000, y: 2.4)]),
        ChartSeries(
            name: "FAISS IndexFlatIP",
            points: [.init(x: 10_000, y: 0.5), .init(x: 100_000, y: 4.6), .init(x: 1_000_000, y: 47)]),
    ]

    static func latencyBars(logarithmicY: Bool = true) -> String {
        SVGChart.barChart(
            title: "Query latency", categories: operations, seriesNames: percentiles, values: latencies,
            yLabel: "latency (ms)", logarithmicY: logarithmicY)
    }

    static func scalingLines(logarithmicY: Bool = true) -> String {
        SVGChart.lineChart(
            title: "Dense search scaling", xLabel: "corpus size (vectors)", yLabel: "latency (ms)",
            series: scalingSeries, logarithmicY: logarithmicY)
    }

    @Test func barChartIsAStandaloneSVGNamingEverything() throws {
        let svg = Self.latencyBars()
        let document = try ParsedSVG(svg)
        let root = try #require(document.elements.first)
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["width"] == "800")
        #expect(root.attributes["height"] == "450")
        #expect(root.attributes["viewBox"] == "0 0 800 450")
        #expect(root.attributes["font-family"] == "sans-serif")
        let texts = document.texts
        for expected in ["Query latency", "latency (ms)"] + Self.operations + Self.percentiles {
            #expect(texts.contains(expected), "missing text \(expected)")
        }
        #expect(!svg.contains("<script"))
        #expect(!svg.contains("href"))
        #expect(document.elements(withClass: "bar").count == 20)
        #expect(document.elements(withClass: "legend-label").map(\.text) == Self.percentiles)
    }

    @Test func lineChartIsAStandaloneSVGNamingEverything() throws {
        let document = try ParsedSVG(Self.scalingLines())
        #expect(document.elements.first?.name == "svg")
        let texts = document.texts
        let names = Self.scalingSeries.map(\.name)
        for expected in ["Dense search scaling", "corpus size (vectors)", "latency (ms)"] + names {
            #expect(texts.contains(expected), "missing text \(expected)")
        }
        #expect(document.elements(withClass: "legend-label").map(\.text) == names)
        #expect(document.elements(withClass: "legend-marker").count == 3)
        #expect(document.elements(withClass: "line").count == 3)
    }

    @Test func logarithmicXAxisIsLabelledAtPowersOfTen() throws {
        let document = try ParsedSVG(Self.scalingLines())
        let labels = document.elements(withClass: "x-tick-label").map(\.text)
        for expected in ["10k", "100k", "1M"] {
            #expect(labels.contains(expected), "x tick labels \(labels) lack \(expected)")
        }
        #expect(!labels.contains("10000"))
        #expect(!labels.contains("1000000"))
        let yLabels = document.elements(withClass: "y-tick-label").map(\.text)
        for expected in ["0.1", "1", "10", "100"] {
            #expect(yLabels.contains(expected), "y tick labels \(yLabels) lack \(expected)")
        }
    }

    @Test func powerOfTenTicksAreEvenlySpacedOnALogarithmicAxis() throws {
        let document = try ParsedSVG(Self.scalingLines())
        let columns = ["10k", "100k", "1M"].compactMap { label in
            document.elements(withClass: "x-tick-label").first { $0.text == label }?.number("x")
        }
        try #require(columns.count == 3)
        #expect(columns[0] < columns[1] && columns[1] < columns[2])
        #expect(abs((columns[1] - columns[0]) - (columns[2] - columns[1])) < 0.05)
    }

    @Test func linearAxisTicksAreNiceSteps() throws {
        let svg = SVGChart.barChart(
            title: "Throughput", categories: ["a", "b"], seriesNames: ["qps"], values: [[87, 31]],
            yLabel: "queries per second", logarithmicY: false)
        let labels = try ParsedSVG(svg).elements(withClass: "y-tick-label").map(\.text)
        #expect(labels == ["0", "20", "40", "60", "80", "100"])
    }

    @Test(arguments: [true, false])
    func everyMarkerLiesInsideThePlotArea(logarithmicY: Bool) throws {
        let document = try ParsedSVG(Self.scalingLines(logarithmicY: logarithmicY))
        let plot = try #require(document.plotArea)
        let markers = document.elements(withClass: "marker")
        #expect(markers.count == 9)
        for marker in markers {
            let center = try #require(marker.markerCenter, "marker without a position: \(marker.attributes)")
            #expect(plot.contains(center), "marker at \(center) outside \(plot)")
        }
        // The three markers of a series rise from left to right, as the latencies do.
        // Each series' markers (the second one given out of order) rise from left to right, as the latencies do.
        for series in 0..<3 {
            let centers = markers[(series * 3)..<(series * 3 + 3)].compactMap(\.markerCenter)
            #expect(centers.map(\.x) == centers.map(\.x).sorted())
            #expect(centers.map(\.y) == centers.map(\.y).sorted(by: >))
        }
        // Markers of one series share a shape; the three series use three shapes.
        #expect(Set(markers.map(\.name)).count == 3)
    }

    @Test func crowdedCategoryLabelsAreSlanted() throws {
        let categories = (1...12).map { "operation number \($0)" }
        let svg = SVGChart.barChart(
            title: "Many", categories: categories, seriesNames: ["p50"], values: [categories.map { _ in 1.0 }],
            yLabel: "ms")
        let labels = try ParsedSVG(svg).elements(withClass: "category-label")
        #expect(labels.map(\.text) == categories)
        #expect(labels.allSatisfy { $0.attributes["transform"]?.hasPrefix("rotate(-30") == true })
        let roomy = try ParsedSVG(Self.latencyBars()).elements(withClass: "category-label")
        #expect(roomy.allSatisfy { $0.attributes["transform"] == nil })
    }

    @Test(arguments: [true, false])
    func everyBarLiesInsideThePlotArea(logarithmicY: Bool) throws {
        let document = try ParsedSVG(Self.latencyBars(logarithmicY: logarithmicY))
        let plot = try #require(document.plotArea)
        let bars = document.elements(withClass: "bar")
        #expect(bars.count == 20)
        for bar in bars {
            let frame = try #require(bar.rectangle)
            #expect(frame.height > 0)
            #expect(plot.contains(PixelPoint(x: frame.x, y: frame.y)))
            #expect(plot.contains(PixelPoint(x: frame.x + frame.width, y: frame.y + frame.height)))
        }
    }

    @Test(arguments: [true, false])
    func aBarIsTallerTheLargerItsValue(logarithmicY: Bool) throws {
        let svg = SVGChart.barChart(
            title: "Growth", categories: ["small", "medium", "large", "huge"], seriesNames: ["ms"],
            values: [[2, 30, 45, 900]], yLabel: "latency (ms)", logarithmicY: logarithmicY)
        let bars = try ParsedSVG(svg).elements(withClass: "bar")
        let heights = bars.compactMap { $0.rectangle?.height }
        try #require(heights.count == 4)
        #expect(zip(heights, heights.dropFirst()).allSatisfy { $0 < $1 }, "heights \(heights)")
        let bottoms = bars.compactMap { bar in bar.rectangle.map { $0.y + $0.height } }
        #expect((bottoms.max() ?? 0) - (bottoms.min() ?? 0) < 0.02, "bars share a baseline: \(bottoms)")
    }

    @Test func barsOfDifferentSeriesHaveDifferentColours() throws {
        let bars = try ParsedSVG(Self.latencyBars()).elements(withClass: "bar")
        let fills = Dictionary(grouping: bars, by: { $0.attributes["data-series"] ?? "" })
            .mapValues { Set($0.compactMap { $0.attributes["fill"] }) }
        #expect(fills.count == 4)
        #expect(fills.values.allSatisfy { $0.count == 1 })
        #expect(Set(fills.values.flatMap { $0 }).count == 4)
    }

    @Test func nonPositiveAndNonFiniteValuesAreLeftOutOfALogarithmicBarChart() throws {
        let svg = SVGChart.barChart(
            title: "Odd values", categories: ["lexical", "dense", "ask"], seriesNames: ["p50", "p99"],
            values: [[0, 1.5, -3], [.nan, 12, .infinity]], yLabel: "latency (ms)")
        let document = try ParsedSVG(svg)
        #expect(document.elements(withClass: "bar").count == 2)
        expectFiniteGeometry(document)
        let description = try #require(document.elements.first { $0.name == "desc" }?.text)
        #expect(description.contains("p50 for lexical"))
        #expect(description.contains("p50 for ask"))
        #expect(description.contains("p99 for lexical"))
        #expect(description.contains("p99 for ask"))
        #expect(!description.contains("p50 for dense"))
    }

    @Test func nonPositivePointsAreLeftOutOfALogarithmicLineChart() throws {
        let series = [
            ChartSeries(name: "fp32", points: [.init(x: 0, y: 5), .init(x: 1000, y: 0), .init(x: 10_000, y: 3)]),
            ChartSeries(name: "int8", points: [.init(x: -10, y: -1), .init(x: 5000, y: 2), .init(x: 50_000, y: 9)]),
        ]
        let svg = SVGChart.lineChart(title: "t", xLabel: "x", yLabel: "y", series: series)
        let document = try ParsedSVG(svg)
        #expect(document.elements(withClass: "marker").count == 3)
        expectFiniteGeometry(document)
        let description = try #require(document.elements.first { $0.name == "desc" }?.text)
        #expect(description.contains("a point of fp32"))
        #expect(description.contains("a point of int8"))
    }

    @Test func onlyUndrawableValuesGiveANoDataChart() throws {
        let charts = [
            SVGChart.barChart(
                title: "Nothing", categories: ["a"], seriesNames: ["p50"], values: [[0]], yLabel: "ms"),
            SVGChart.barChart(title: "Nothing", categories: [], seriesNames: [], values: [], yLabel: "ms"),
            SVGChart.lineChart(title: "Nothing", xLabel: "n", yLabel: "ms", series: []),
            SVGChart.lineChart(
                title: "Nothing", xLabel: "n", yLabel: "ms",
                series: [ChartSeries(name: "s", points: [.init(x: -1, y: 1)]), ChartSeries(name: "e", points: [])]),
        ]
        for svg in charts {
            let document = try ParsedSVG(svg)
            #expect(document.elements.first?.name == "svg")
            #expect(document.texts.contains("no data"))
            #expect(document.texts.contains("Nothing"))
            #expect(document.elements(withClass: "bar").isEmpty)
            #expect(document.elements(withClass: "marker").isEmpty)
        }
    }

    @Test func extremeInputsGiveWellFormedFiniteCharts() throws {
        let charts = [
            SVGChart.barChart(
                title: "Extremes", categories: ["tiny", "huge"], seriesNames: ["v"], values: [[1e-300, 1e300]],
                yLabel: "y"),
            SVGChart.barChart(
                title: "Extremes", categories: ["low", "high"], seriesNames: ["v"],
                values: [[-.greatestFiniteMagnitude, .greatestFiniteMagnitude]], yLabel: "y", logarithmicY: false),
            SVGChart.barChart(
                title: "Tiny drawing", categories: ["a", "b"], seriesNames: ["v"], values: [[1, 2]], yLabel: "y",
                width: 10, height: 10),
            SVGChart.lineChart(
                title: "One point", xLabel: "x", yLabel: "y",
                series: [ChartSeries(name: "s", points: [.init(x: 5, y: 5)])],
                logarithmicX: false, logarithmicY: false),
            SVGChart.lineChart(
                title: "Constant", xLabel: "x", yLabel: "y",
                series: [ChartSeries(name: "s", points: [.init(x: 1000, y: 0), .init(x: 1000, y: 0)])],
                logarithmicX: true, logarithmicY: false),
        ]
        for svg in charts {
            let document = try ParsedSVG(svg)
            #expect(document.elements.first?.name == "svg")
            expectFiniteGeometry(document)
        }
    }

    @Test func specialCharactersInTextAreEscaped() throws {
        let title = #"Q&A <fast> "quoted" 'single'"#
        let svg = SVGChart.barChart(
            title: title, categories: ["a<b"], seriesNames: ["p50 & p95"], values: [[1]], yLabel: "time > 0 (ms)")
        #expect(svg.contains("Q&amp;A &lt;fast&gt; &quot;quoted&quot; &apos;single&apos;"))
        #expect(!svg.contains(title))
        #expect(!svg.contains("a<b"))
        let texts = try ParsedSVG(svg).texts
        for expected in [title, "a<b", "p50 & p95", "time > 0 (ms)"] {
            #expect(texts.contains(expected))
        }
        let lines = SVGChart.lineChart(
            title: "control\u{1}character", xLabel: "x & y", yLabel: "y", series: [ChartSeries(name: "<s>", points: [])]
        )
        #expect(throws: Never.self) { try ParsedSVG(lines) }
    }

    @Test func coordinatesCarryAtMostTwoDecimals() throws {
        for svg in [Self.latencyBars(), Self.scalingLines(), Self.latencyBars(logarithmicY: false)] {
            let document = try ParsedSVG(svg)
            for element in document.elements {
                for name in ParsedSVG.geometryAttributes {
                    guard let value = element.attributes[name] else { continue }
                    for number in numbers(in: value) {
                        let decimals = number.split(separator: ".").dropFirst().first?.count ?? 0
                        #expect(decimals <= 2, "\(element.name) \(name)=\"\(value)\"")
                    }
                }
            }
        }
    }

    @Test(
        "compact number labels",
        arguments: [
            (0.0, "0"), (1, "1"), (10, "10"), (100, "100"), (999, "999"), (1000, "1k"), (1500, "1.5k"),
            (12_345, "12.3k"), (100_000, "100k"), (999_999, "1M"), (2_000_000, "2M"), (1_250_000_000, "1.25G"),
            (3e12, "3T"), (0.05, "0.05"), (0.1, "0.1"), (0.1 + 0.2, "0.3"), (0.125, "0.125"), (2.5, "2.5"),
            (123.456, "123"), (12.345, "12.3"), (-1500, "-1.5k"), (-0.25, "-0.25"), (0.001, "0.001"),
            (0.00002, "2e-5"), (0.000_099_996, "1e-4"), (0.000_015, "1.5e-5"), (3e20, "3e20"), (-2.5e300, "-2.5e300"),
            (1e-300, "1e-300"),
            (Double.leastNormalMagnitude / 1000, "2.23e-311"), (.nan, "not a number"), (.infinity, "∞"),
        ])
    func compactNumberLabels(value: Double, expected: String) {
        #expect(SVGChart.compactString(for: value) == expected)
    }

    @Test func compactLabelsCanCarryMoreDigits() {
        #expect(SVGChart.compactString(for: 12_345, significantDigits: 5) == "12.345k")
        #expect(SVGChart.compactString(for: 0.123_456, significantDigits: 4) == "0.1235")
    }

    private func expectFiniteGeometry(_ document: ParsedSVG, sourceLocation: SourceLocation = #_sourceLocation) {
        for element in document.elements {
            for name in ParsedSVG.geometryAttributes {
                guard let value = element.attributes[name] else { continue }
                let lowered = value.lowercased()
                #expect(
                    !lowered.contains("nan") && !lowered.contains("inf"), "\(element.name) \(name)=\"\(value)\"",
                    sourceLocation: sourceLocation)
                #expect(
                    numbers(in: value).allSatisfy { Double($0)?.isFinite == true }, "\(element.name) \(name)",
                    sourceLocation: sourceLocation)
            }
        }
    }
}

/// The numbers written in an attribute value such as "12.5,30 14,2" or "rotate(-90 20 210)".
private func numbers(in text: String) -> [String] {
    var result: [String] = []
    var current = ""
    for character in text {
        if character.isNumber || character == "." || (character == "-" && current.isEmpty) {
            current.append(character)
        } else {
            if !current.isEmpty && current != "-" { result.append(current) }
            current = ""
        }
    }
    if !current.isEmpty && current != "-" { result.append(current) }
    return result
}

/// A point in SVG pixel coordinates.
private struct PixelPoint: CustomStringConvertible {
    let x: Double
    let y: Double
    var description: String { "(\(x), \(y))" }
}

/// An axis-aligned rectangle in SVG pixel coordinates.
private struct Frame: CustomStringConvertible {
    let x: Double
    let y: Double
    let width: Double
    let height: Double
    var description: String { "x \(x)…\(x + width), y \(y)…\(y + height)" }

    /// Whether `point` lies inside, edges included, allowing for coordinates rounded to two decimals.
    func contains(_ point: PixelPoint) -> Bool {
        let slack = 0.011
        return point.x >= x - slack && point.x <= x + width + slack && point.y >= y - slack
            && point.y <= y + height + slack
    }
}

/// An SVG document read back with `XMLParser`: every element in document order, with its attributes and text.
private struct ParsedSVG {
    static let geometryAttributes = [
        "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height", "points", "transform",
    ]

    struct Element {
        let name: String
        let attributes: [String: String]
        var text: String

        var classes: [Substring] { (attributes["class"] ?? "").split(separator: " ") }

        func number(_ attribute: String) -> Double? {
            attributes[attribute].flatMap(Double.init)
        }

        var rectangle: Frame? {
            guard let x = number("x"), let y = number("y"), let width = number("width"), let height = number("height")
            else { return nil }
            return Frame(x: x, y: y, width: width, height: height)
        }

        /// The centre of a marker: a circle's centre, a square's middle, or the mean of a polygon's corners.
        var markerCenter: PixelPoint? {
            switch name {
            case "circle":
                guard let x = number("cx"), let y = number("cy") else { return nil }
                return PixelPoint(x: x, y: y)
            case "rect":
                return rectangle.map { PixelPoint(x: $0.x + $0.width / 2, y: $0.y + $0.height / 2) }
            case "polygon":
                let values = numbers(in: attributes["points"] ?? "").compactMap(Double.init)
                guard values.count >= 6, values.count.isMultiple(of: 2) else { return nil }
                let xs = stride(from: 0, to: values.count, by: 2).map { values[$0] }
                let ys = stride(from: 1, to: values.count, by: 2).map { values[$0] }
                return PixelPoint(x: xs.reduce(0, +) / Double(xs.count), y: ys.reduce(0, +) / Double(ys.count))
            default:
                return nil
            }
        }
    }

    struct NotWellFormed: Error, CustomStringConvertible {
        let description: String
    }

    let elements: [Element]

    /// Parses `svg`, throwing when it is not well-formed XML.
    init(_ svg: String) throws {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = ElementCollector()
        parser.delegate = collector
        guard parser.parse() else {
            throw NotWellFormed(description: parser.parserError.map { "\($0)" } ?? "unknown parse error")
        }
        elements = collector.elements
    }

    /// The text of every element that has some.
    var texts: [String] { elements.map(\.text).filter { !$0.isEmpty } }

    func elements(withClass name: String) -> [Element] {
        elements.filter { $0.classes.contains(Substring(name)) }
    }

    var plotArea: Frame? { elements(withClass: "plot-area").first?.rectangle }
}

/// Collects the elements `XMLParser` reports, each with the text directly inside it.
private final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [ParsedSVG.Element] = []
    private var open: [Int] = []

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        open.append(elements.count)
        elements.append(ParsedSVG.Element(name: elementName, attributes: attributes, text: ""))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard let index = open.last else { return }
        elements[index].text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard let index = open.popLast() else { return }
        elements[index].text = elements[index].text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
