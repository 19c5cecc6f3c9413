import Foundation

/// One point of a line chart, in data units.
public struct ChartPoint: Sendable, Hashable, Codable {
    /// The horizontal position, such as a corpus size in vectors.
    public var x: Double
    /// The vertical position, such as a latency in milliseconds.
    public var y: Double

    /// Creates a point at (`x`, `y`).
    ///
    /// - Parameters:
    ///   - x: The horizontal position in data units.
    ///   - y: The vertical position in data units.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A named sequence of points, drawn as one line with markers in a line chart.
public struct ChartSeries: Sendable, Hashable, Codable {
    /// The name shown in the legend, such as "int8, 2 threads".
    public var name: String
    /// The points of the line; they are drawn in order of increasing `x`.
    public var points: [ChartPoint]

    /// Creates a series.
    ///
    /// - Parameters:
    ///   - name: The name shown in the legend.
    ///   - points: The points of the line, in any order.
    public init(name: String, points: [ChartPoint]) {
        self.name = name
        self.points = points
    }
}

/// Standalone SVG charts for benchmark reports: grouped bars, and lines with markers.
///
/// Each chart is a complete SVG document with a title, both axes with ticks and tick labels, axis labels, light
/// horizontal grid lines and a legend, coloured from the Okabe–Ito palette (distinguishable with the common forms
/// of colour blindness); line charts also tell series apart by marker shape. Logarithmic axes put major ticks at
/// powers of ten, labelled compactly ("10k", "1M", "0.1"); linear axes get about five ticks at 1, 2 or 5 × 10ᵏ steps.
///
/// Values a chart cannot place (not finite, or not positive on a logarithmic axis) are left out and listed in the
/// document's `<desc>`; when nothing is left to draw, the chart says "no data". The output has no scripts and no
/// external assets, all text is XML-escaped, and coordinates carry at most two decimals.
public enum SVGChart {
    /// Draws a grouped bar chart: one group per category, one bar per series inside each group.
    ///
    /// For a latency report the categories could be the operations ("lexical", "dense fp32", "hybrid") and the
    /// series the percentiles ("p50", "p95", "p99", "max"). On a logarithmic y axis, bars rise from the power of ten
    /// below the smallest value.
    ///
    /// - Parameters:
    ///   - title: The heading drawn above the chart.
    ///   - categories: The group names along the x axis, left to right.
    ///   - seriesNames: The legend names of the bars in every group, left to right.
    ///   - values: `values[s][c]` is the value of series `s` in category `c`; a missing value leaves a gap.
    ///   - yLabel: The y-axis label with its unit, such as "latency (ms)".
    ///   - logarithmicY: Whether the y axis is logarithmic.
    ///   - width: The drawing width in pixels.
    ///   - height: The drawing height in pixels.
    /// - Returns: A standalone SVG document.
    public static func barChart(
        title: String, categories: [String], seriesNames: [String], values: [[Double]],
        yLabel: String, logarithmicY: Bool = true, width: Int = 800, height: Int = 450
    ) -> String {
        var omissions = OmissionList()
        var bars: [Bar] = []
        for (seriesIndex, seriesName) in seriesNames.enumerated() {
            let row = seriesIndex < values.count ? values[seriesIndex] : []
            for (categoryIndex, category) in categories.enumerated() {
                let place = "\(seriesName) for \(category)"
                guard categoryIndex < row.count else {
                    omissions.add("\(place) (no value given)")
                    continue
                }
                let value = row[categoryIndex]
                if let reason = reasonToLeaveOut(value, onLogarithmicAxis: logarithmicY) {
                    omissions.add("\(place) (value \(reason))")
                } else {
                    bars.append(Bar(seriesIndex: seriesIndex, categoryIndex: categoryIndex, value: value))
                }
            }
            if row.count > categories.count {
                omissions.add("\(row.count - categories.count) values of \(seriesName) beyond the last category")
            }
        }
        if values.count > seriesNames.count {
            omissions.add("\(values.count - seriesNames.count) rows of values without a series name")
        }
        let summary =
            "Grouped bar chart: \(categories.count) categories, \(seriesNames.count) series, "
            + "\(logarithmicY ? "logarithmic" : "linear") y axis."
        guard !bars.isEmpty else {
            return noDataDocument(title: title, summary: summary, omissions: omissions, width: width, height: height)
        }

        let barValues = bars.map(\.value)
        let yAxis =
            logarithmicY
            ? ChartAxis.logarithmic(covering: barValues, padsLowerEnd: false)
            : ChartAxis.linear(covering: barValues + [0])
        let layout = ChartLayout(
            width: width, height: height, yTickLabels: yAxis.ticks.compactMap(\.label),
            xTickLabels: categories, xCategoryCount: categories.count, hasXAxisLabel: false,
            legendNames: seriesNames)
        var canvas = ChartCanvas(layout: layout, title: title, description: omissions.describe(after: summary))
        canvas.drawGrid(yAxis: yAxis)
        canvas.drawYAxis(yAxis, label: yLabel)
        canvas.drawCategoryAxis(categories)

        let groupWidth = layout.plotWidth / Double(categories.count)
        let slotWidth = groupWidth * 0.8 / Double(seriesNames.count)
        let baseline = ((logarithmicY ? layout.plotBottom : layout.y(0, on: yAxis)) * 100).rounded() / 100
        canvas.writer.open("g", [("class", "bars")])
        for bar in bars {
            let left =
                layout.plotLeft + groupWidth * Double(bar.categoryIndex) + groupWidth * 0.1
                + slotWidth * Double(bar.seriesIndex)
            let top = (layout.y(bar.value, on: yAxis) * 100).rounded() / 100
            let tooltip = "\(seriesNames[bar.seriesIndex]), \(categories[bar.categoryIndex]): "
            canvas.writer.open(
                "rect",
                [
                    ("class", "bar"), ("data-series", String(bar.seriesIndex)),
                    ("data-category", String(bar.categoryIndex)),
                    ("x", coordinate(left + slotWidth * 0.05)), ("y", coordinate(min(top, baseline))),
                    ("width", coordinate(slotWidth * 0.9)), ("height", coordinate(abs(baseline - top))),
                    ("fill", ChartPalette.color(at: bar.seriesIndex)),
                ])
            canvas.writer.element("title", [], text: tooltip + compactString(for: bar.value, significantDigits: 4))
            canvas.writer.close("rect")
        }
        canvas.writer.close("g")
        canvas.drawLegend(names: seriesNames, showsLines: false)
        return canvas.document()
    }

    /// Draws a line chart with a marker at every point, such as latency against corpus size, one series per
    /// configuration ("fp32, 1 thread", "int8, 2 threads", "FAISS IndexFlatIP").
    ///
    /// - Parameters:
    ///   - title: The heading drawn above the chart.
    ///   - xLabel: The x-axis label with its unit, such as "corpus size (vectors)".
    ///   - yLabel: The y-axis label with its unit, such as "latency (ms)".
    ///   - series: The lines; each gets its own colour and marker shape.
    ///   - logarithmicX: Whether the x axis is logarithmic.
    ///   - logarithmicY: Whether the y axis is logarithmic.
    ///   - width: The drawing width in pixels.
    ///   - height: The drawing height in pixels.
    /// - Returns: A standalone SVG document.
    public static func lineChart(
        title: String, xLabel: String, yLabel: String, series: [ChartSeries],
        logarithmicX: Bool = true, logarithmicY: Bool = true, width: Int = 800, height: Int = 450
    ) -> String {
        var omissions = OmissionList()
        var plotted: [[ChartPoint]] = []
        for line in series {
            var kept: [ChartPoint] = []
            for point in line.points {
                let reason =
                    reasonToLeaveOut(point.x, onLogarithmicAxis: logarithmicX).map { "x \($0)" }
                    ?? reasonToLeaveOut(point.y, onLogarithmicAxis: logarithmicY).map { "y \($0)" }
                if let reason {
                    omissions.add("a point of \(line.name) (\(reason))")
                } else {
                    kept.append(point)
                }
            }
            plotted.append(kept.sorted { $0.x < $1.x })
        }
        let summary =
            "Line chart: \(series.count) series, \(logarithmicX ? "logarithmic" : "linear") x axis, "
            + "\(logarithmicY ? "logarithmic" : "linear") y axis."
        let allPoints = plotted.flatMap { $0 }
        guard !allPoints.isEmpty else {
            return noDataDocument(title: title, summary: summary, omissions: omissions, width: width, height: height)
        }

        let xValues = allPoints.map(\.x)
        let yValues = allPoints.map(\.y)
        let xAxis =
            logarithmicX ? ChartAxis.logarithmic(covering: xValues, padsLowerEnd: true) : .linear(covering: xValues)
        let yAxis =
            logarithmicY ? ChartAxis.logarithmic(covering: yValues, padsLowerEnd: true) : .linear(covering: yValues)
        let names = series.map(\.name)
        let layout = ChartLayout(
            width: width, height: height, yTickLabels: yAxis.ticks.compactMap(\.label),
            xTickLabels: xAxis.ticks.compactMap(\.label), xCategoryCount: nil, hasXAxisLabel: !xLabel.isEmpty,
            legendNames: names)
        var canvas = ChartCanvas(layout: layout, title: title, description: omissions.describe(after: summary))
        canvas.drawGrid(yAxis: yAxis)
        canvas.drawYAxis(yAxis, label: yLabel)
        canvas.drawXAxis(xAxis, label: xLabel)

        for (seriesIndex, points) in plotted.enumerated() where !points.isEmpty {
            let color = ChartPalette.color(at: seriesIndex)
            let positions = points.map { (x: layout.x($0.x, on: xAxis), y: layout.y($0.y, on: yAxis)) }
            canvas.writer.open("g", [("class", "series"), ("data-series", String(seriesIndex))])
            if positions.count > 1 {
                let path = positions.map { "\(coordinate($0.x)),\(coordinate($0.y))" }.joined(separator: " ")
                canvas.writer.element(
                    "polyline",
                    [
                        ("class", "line"), ("points", path), ("fill", "none"), ("stroke", color),
                        ("stroke-width", "2"), ("stroke-linejoin", "round"),
                    ])
            }
            for (point, position) in zip(points, positions) {
                let shape = MarkerShape.shape(at: seriesIndex)
                var attributes = shape.attributes(centerX: position.x, centerY: position.y)
                attributes.insert(("class", "marker"), at: 0)
                attributes += [("fill", color), ("stroke", "white"), ("stroke-width", "1")]
                canvas.writer.open(shape.elementName, attributes)
                let tooltip =
                    "\(series[seriesIndex].name): \(compactString(for: point.y, significantDigits: 4)) at "
                    + compactString(for: point.x, significantDigits: 4)
                canvas.writer.element("title", [], text: tooltip)
                canvas.writer.close(shape.elementName)
            }
            canvas.writer.close("g")
        }
        canvas.drawLegend(names: names, showsLines: true)
        return canvas.document()
    }

    /// A short label for `value`: thousands and up get a suffix (k, M, G, T), magnitudes below 0.001 or from 10¹⁵
    /// an exponent.
    ///
    /// 1500 → "1.5k", 2 000 000 → "2M", 0.05 → "0.05", 123.456 → "123", 0.00002 → "2e-5", 3e20 → "3e20".
    /// Trailing zeros are dropped, and a value that rounds up to the next thousand takes the next suffix
    /// (999 999 → "1M").
    static func compactString(for value: Double, significantDigits: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "not a number" : (value < 0 ? "-∞" : "∞") }
        let digits = max(1, significantDigits)
        let rounded = roundedToSignificantDigits(value, digits)
        if rounded == 0 { return "0" }
        let magnitude = abs(rounded)
        if magnitude < 0.001 || magnitude >= 1e15 {
            var exponent = Int(floor(log10(magnitude) + 1e-9))
            // Scaled in two steps below 1e-300: 10 to the exponent underflows to zero for subnormal values, which
            // are also the ones `roundedToSignificantDigits` cannot round, so the mantissa is rounded here.
            let scaled =
                exponent < -300
                ? rounded * 1e100 / pow(10, Double(exponent + 100)) : rounded / pow(10, Double(exponent))
            var mantissa = roundedToSignificantDigits(scaled, digits)
            if abs(mantissa) >= 10 {
                mantissa /= 10
                exponent += 1
            }
            return plainDecimal(mantissa, significantDigits: digits) + "e\(exponent)"
        }
        let suffixes: [(scale: Double, suffix: String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        if let unit = suffixes.first(where: { magnitude >= $0.scale }) {
            return plainDecimal(rounded / unit.scale, significantDigits: digits) + unit.suffix
        }
        return plainDecimal(rounded, significantDigits: digits)
    }
}

// MARK: - Number formatting

/// `value` rounded to `digits` significant digits.
private func roundedToSignificantDigits(_ value: Double, _ digits: Int) -> Double {
    guard value != 0, value.isFinite else { return value }
    let exponent = floor(log10(abs(value)))
    let scale = pow(10, Double(digits - 1) - exponent)
    let rounded = (value * scale).rounded() / scale
    return rounded.isFinite ? rounded : value
}

/// `value` (already rounded) in plain decimal notation with the decimals `significantDigits` digits need, trailing
/// zeros removed.
private func plainDecimal(_ value: Double, significantDigits: Int) -> String {
    guard value != 0 else { return "0" }
    let leadingExponent = Int(floor(log10(abs(value)) + 1e-9))
    let decimals = min(max(0, significantDigits - 1 - leadingExponent), 15)
    return trimmedDecimal(String(format: "%.\(decimals)f", value))
}

/// `text` without trailing zeros after the decimal point, without a bare point, and with "-0" as "0".
private func trimmedDecimal(_ text: String) -> String {
    var result = text
    if result.contains(".") {
        while result.hasSuffix("0") { result.removeLast() }
        if result.hasSuffix(".") { result.removeLast() }
    }
    return result == "-0" ? "0" : result
}

/// A pixel coordinate with at most two decimals ("12", "12.5", "12.25").
private func coordinate(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    return trimmedDecimal(String(format: "%.2f", value))
}

/// Why `value` cannot be drawn, or nil when it can.
private func reasonToLeaveOut(_ value: Double, onLogarithmicAxis logarithmic: Bool) -> String? {
    if value.isNaN { return "is not a number" }
    if value.isInfinite { return "is infinite" }
    if logarithmic && value <= 0 {
        return "= \(SVGChart.compactString(for: value)) is not positive, so a logarithmic axis cannot show it"
    }
    return nil
}

// MARK: - Axes and layout

/// The data range of one axis, the ticks that mark it, and where a value falls along it.
private struct ChartAxis {
    /// A tick mark; major ticks get a grid line on the y axis, labelled ticks a number.
    struct Tick {
        let value: Double
        let label: String?
        let isMajor: Bool
    }

    /// The ends of the axis: values for a linear axis, base-10 exponents for a logarithmic one.
    let lowerEnd: Double
    let upperEnd: Double
    let isLogarithmic: Bool
    let ticks: [Tick]

    /// Where `value` falls between the ends, from 0 at the lower end to 1 at the upper end.
    func fraction(of value: Double) -> Double {
        if isLogarithmic { return (log10(value) - lowerEnd) / (upperEnd - lowerEnd) }
        // Halved first, so that ends near ±Double.greatestFiniteMagnitude cannot overflow the differences.
        return (value / 2 - lowerEnd / 2) / (upperEnd / 2 - lowerEnd / 2)
    }

    /// A linear axis from a multiple of a 1, 2 or 5 × 10ᵏ step at or below the smallest value to one at or above the
    /// largest, ticked at every step (about five ticks). `values` must be finite and not empty.
    static func linear(covering values: [Double]) -> ChartAxis {
        var low = values.min() ?? 0
        var high = values.max() ?? 1
        if low == high {
            let margin = low == 0 ? 1 : abs(low) / 2
            low -= margin
            high += margin
        }
        let step = niceStep(near: (high / 2 - low / 2) / 2.5)
        let first = (low / step).rounded(.down)
        let last = (high / step).rounded(.up)
        guard step.isFinite, step > 0, (first * step).isFinite, (last * step).isFinite, last > first else {
            let ticks = [low, high].map { Tick(value: $0, label: SVGChart.compactString(for: $0), isMajor: true) }
            return ChartAxis(lowerEnd: low, upperEnd: high, isLogarithmic: false, ticks: ticks)
        }
        let count = Int(min(last - first, 20))
        let tickValues = (0...count).map { (first + Double($0)) * step }
        let labels = distinctLabels(for: tickValues)
        let ticks = zip(tickValues, labels).map { Tick(value: $0, label: $1, isMajor: true) }
        return ChartAxis(lowerEnd: first * step, upperEnd: last * step, isLogarithmic: false, ticks: ticks)
    }

    /// A logarithmic axis over the whole decades around `values`, which must be positive, finite and not empty.
    ///
    /// Major ticks sit at powers of ten (at every 2nd, 5th, 10th… power beyond ten decades); minor ticks at 2 and 5
    /// times a power of ten up to six decades, labelled up to two decades. The upper end is padded
    /// a little so the largest value clears the frame; the lower end too when `padsLowerEnd` (line charts), while bar
    /// charts start at a power of ten strictly below the smallest value so that every bar has height.
    static func logarithmic(covering values: [Double], padsLowerEnd: Bool) -> ChartAxis {
        let smallest = log10(values.min() ?? 1)
        let largest = log10(values.max() ?? 10)
        var lowerDecade = floor(smallest)
        if !padsLowerEnd && smallest - lowerDecade < 1e-9 { lowerDecade -= 1 }
        let upperDecade = max(ceil(largest), lowerDecade + 1)
        let padding = 0.03 * (upperDecade - lowerDecade)
        let lowerEnd = padsLowerEnd ? lowerDecade - padding : lowerDecade
        let upperEnd = upperDecade + padding

        let decadeCount = Int(upperDecade - lowerDecade)
        let decadeStride = decadeCount <= 10 ? 1 : Int(niceStep(near: Double(decadeCount) / 10))
        let showsMinorTicks = decadeCount <= 6
        let labelsMinorTicks = decadeCount <= 2
        var ticks: [Tick] = []
        for exponent in Int(lowerDecade)...Int(upperDecade) where exponent.isMultiple(of: decadeStride) {
            let power = pow(10, Double(exponent))
            ticks.append(Tick(value: power, label: SVGChart.compactString(for: power), isMajor: true))
            guard showsMinorTicks && exponent < Int(upperDecade) else { continue }
            for multiple in [2.0, 5.0] {
                let value = multiple * power
                let label = labelsMinorTicks ? SVGChart.compactString(for: value) : nil
                ticks.append(Tick(value: value, label: label, isMajor: false))
            }
        }
        ticks = ticks.filter { $0.value.isFinite && $0.value > 0 }
        return ChartAxis(lowerEnd: lowerEnd, upperEnd: upperEnd, isLogarithmic: true, ticks: ticks)
    }

    /// The 1, 2 or 5 × 10ᵏ step at or just above `rough`.
    private static func niceStep(near rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(rough)))
        let residual = rough / magnitude
        let factor: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        return factor * magnitude
    }

    /// Compact labels for `values` with the fewest significant digits (three at least) that keep them all apart.
    private static func distinctLabels(for values: [Double]) -> [String] {
        var labels: [String] = []
        for digits in 3...8 {
            labels = values.map { SVGChart.compactString(for: $0, significantDigits: digits) }
            if Set(labels).count == labels.count { break }
        }
        return labels
    }
}

/// Where the title, plot area, axis labels and legend sit in the drawing, and the mapping from axis fractions to
/// pixels inside the plot area.
private struct ChartLayout {
    static let titleFontSize = 16.0
    static let axisLabelFontSize = 13.0
    static let tickFontSize = 11.0
    static let legendFontSize = 12.0
    static let legendRowHeight = 20.0

    let width: Int
    let height: Int
    let plotLeft: Double
    let plotTop: Double
    let plotRight: Double
    let plotBottom: Double
    /// Whether category labels are too wide for their groups and are drawn slanted.
    let slantsXTickLabels: Bool
    let legendLeft: Double
    let legendWidth: Double
    /// The baseline column of the upright y-axis label, just left of the widest y tick label.
    let yAxisLabelX: Double

    var plotWidth: Double { plotRight - plotLeft }
    var plotHeight: Double { plotBottom - plotTop }

    /// Sizes the margins around the plot area to fit the tick labels, the axis labels and a legend of
    /// `legendNames` to the right. `xCategoryCount` is the number of category groups, or nil for a numeric x axis;
    /// category labels too wide for their groups are slanted.
    init(
        width: Int, height: Int, yTickLabels: [String], xTickLabels: [String], xCategoryCount: Int?,
        hasXAxisLabel: Bool, legendNames: [String]
    ) {
        self.width = max(width, 1)
        self.height = max(height, 1)
        let widestYTick = yTickLabels.map { estimatedWidth(of: $0, fontSize: Self.tickFontSize) }.max() ?? 0
        var left = (12 + Self.axisLabelFontSize + 12 + widestYTick + 10).rounded(.up)
        let widestName = legendNames.map { estimatedWidth(of: $0, fontSize: Self.legendFontSize) }.max() ?? 0
        legendWidth = legendNames.isEmpty ? 0 : (40 + widestName + 12).rounded(.up)
        let rightSpace = legendNames.isEmpty ? 16 : legendWidth + 32
        let right = (Double(self.width) - rightSpace).rounded(.down)

        var slants = false
        var tickLabelDepth = Self.tickFontSize
        if let count = xCategoryCount, count > 0 {
            let groupWidth = (right - left) / Double(count)
            let widestLabel = xTickLabels.map { estimatedWidth(of: $0, fontSize: Self.tickFontSize) }.max() ?? 0
            if widestLabel > groupWidth - 6 {
                // A label slanted by 30° ends under its group's middle, reaches back cos 30° of its width (the
                // first one must not leave the drawing) and down sin 30° of it.
                slants = true
                left = max(left, (widestLabel * 0.87 - groupWidth / 2 + 8).rounded(.up))
                tickLabelDepth += widestLabel * 0.5
            }
        }
        slantsXTickLabels = slants
        plotLeft = left
        yAxisLabelX = max(12 + Self.axisLabelFontSize, left - 10 - widestYTick - 12)
        plotRight = max(left + 20, right)
        legendLeft = plotRight + 16
        plotTop = 48
        let bottomSpace = 8 + tickLabelDepth + (hasXAxisLabel ? 12 + Self.axisLabelFontSize : 0) + 14
        plotBottom = max(plotTop + 20, (Double(self.height) - bottomSpace).rounded(.down))
    }

    /// The pixel column of `value` on a horizontal `axis`, kept inside the plot area.
    func x(_ value: Double, on axis: ChartAxis) -> Double {
        plotLeft + clampedFraction(axis.fraction(of: value)) * plotWidth
    }

    /// The pixel row of `value` on a vertical `axis`, kept inside the plot area.
    func y(_ value: Double, on axis: ChartAxis) -> Double {
        plotBottom - clampedFraction(axis.fraction(of: value)) * plotHeight
    }

    private func clampedFraction(_ fraction: Double) -> Double {
        fraction.isNaN ? 0.5 : min(max(fraction, 0), 1)
    }
}

/// A rough width of `text` in a sans-serif font, for sizing margins (no font metrics are available).
private func estimatedWidth(of text: String, fontSize: Double) -> Double {
    Double(text.count) * fontSize * 0.6
}

// MARK: - Drawing

/// The Okabe–Ito palette, ordered so the first colours contrast well on white; yellow comes last.
private enum ChartPalette {
    static let colors = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]

    static func color(at index: Int) -> String {
        colors[index % colors.count]
    }
}

/// The marker shapes that tell line series apart, cycled like the palette.
private enum MarkerShape: CaseIterable {
    case circle, square, triangle, diamond

    static func shape(at index: Int) -> MarkerShape {
        allCases[index % allCases.count]
    }

    var elementName: String {
        switch self {
        case .circle: "circle"
        case .square: "rect"
        case .triangle, .diamond: "polygon"
        }
    }

    /// The geometry attributes of the marker centred on (`centerX`, `centerY`); a triangle's centroid is the centre.
    func attributes(centerX: Double, centerY: Double) -> [(String, String)] {
        switch self {
        case .circle:
            return [("cx", coordinate(centerX)), ("cy", coordinate(centerY)), ("r", "4.5")]
        case .square:
            return [
                ("x", coordinate(centerX - 4)), ("y", coordinate(centerY - 4)), ("width", "8"), ("height", "8"),
            ]
        case .triangle:
            let radius = 5.5
            let corners = [
                (centerX, centerY - radius),
                (centerX + radius * 0.866, centerY + radius * 0.5),
                (centerX - radius * 0.866, centerY + radius * 0.5),
            ]
            return [("points", corners.map { "\(coordinate($0.0)),\(coordinate($0.1))" }.joined(separator: " "))]
        case .diamond:
            let radius = 5.5
            let corners = [
                (centerX, centerY - radius), (centerX + radius, centerY), (centerX, centerY + radius),
                (centerX - radius, centerY),
            ]
            return [("points", corners.map { "\(coordinate($0.0)),\(coordinate($0.1))" }.joined(separator: " "))]
        }
    }
}

/// A bar that will be drawn: its series, its category and its (drawable) value.
private struct Bar {
    let seriesIndex: Int
    let categoryIndex: Int
    let value: Double
}

/// The values a chart left out, with the reason for each, for the document's `<desc>`.
private struct OmissionList {
    private(set) var entries: [String] = []

    mutating func add(_ entry: String) {
        entries.append(entry)
    }

    /// `summary`, followed by the omissions (the first twenty, then a count) when there are any.
    func describe(after summary: String) -> String {
        guard !entries.isEmpty else { return summary }
        let shown = entries.prefix(20).joined(separator: "; ")
        let more = entries.count > 20 ? "; and \(entries.count - 20) more" : ""
        return "\(summary) Left out \(entries.count) value(s): \(shown)\(more)."
    }
}

/// Builds the element tree of an SVG document line by line, escaping every attribute value and text.
private struct SVGWriter {
    private(set) var lines: [String] = []
    private var depth = 1

    mutating func open(_ name: String, _ attributes: [(String, String)]) {
        lines.append(indentation + "<\(name)\(attributeText(attributes))>")
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        lines.append(indentation + "</\(name)>")
    }

    /// An element with only text inside, or with nothing when `text` is nil.
    mutating func element(_ name: String, _ attributes: [(String, String)], text: String? = nil) {
        if let text {
            lines.append(indentation + "<\(name)\(attributeText(attributes))>\(escapedXML(text))</\(name)>")
        } else {
            lines.append(indentation + "<\(name)\(attributeText(attributes))/>")
        }
    }

    private var indentation: String { String(repeating: "  ", count: depth) }

    private func attributeText(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escapedXML($0.1))\"" }.joined()
    }
}

/// `text` with the XML special characters as entities, and characters XML 1.0 forbids (most C0 controls) as spaces.
private func escapedXML(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&apos;"
        case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
        default:
            let isForbidden = scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF
            result.unicodeScalars.append(isForbidden ? " " : scalar)
        }
    }
    return result
}

/// The parts both charts share — title, grid, axes and legend — drawn into one SVG document.
private struct ChartCanvas {
    let layout: ChartLayout
    let title: String
    let description: String
    var writer = SVGWriter()

    init(layout: ChartLayout, title: String, description: String) {
        self.layout = layout
        self.title = title
        self.description = description
        writer.element("rect", [("class", "background"), ("width", "100%"), ("height", "100%"), ("fill", "white")])
        writer.element(
            "text",
            [
                ("class", "chart-title"), ("x", coordinate(Double(layout.width) / 2)), ("y", "28"),
                ("text-anchor", "middle"), ("font-size", coordinate(ChartLayout.titleFontSize)),
                ("font-weight", "bold"),
            ], text: title)
        writer.element(
            "rect",
            [
                ("class", "plot-area"), ("x", coordinate(layout.plotLeft)), ("y", coordinate(layout.plotTop)),
                ("width", coordinate(layout.plotWidth)), ("height", coordinate(layout.plotHeight)),
                ("fill", "none"),
            ])
    }

    /// Light horizontal lines at the major ticks of `yAxis`.
    mutating func drawGrid(yAxis: ChartAxis) {
        writer.open("g", [("class", "grid"), ("stroke", "#e3e3e3"), ("stroke-width", "1")])
        for tick in yAxis.ticks where tick.isMajor {
            let y = coordinate(layout.y(tick.value, on: yAxis))
            writer.element(
                "line",
                [("x1", coordinate(layout.plotLeft)), ("y1", y), ("x2", coordinate(layout.plotRight)), ("y2", y)])
        }
        writer.close("g")
    }

    /// The y axis line, its ticks and tick labels, and `label` turned upright along it.
    mutating func drawYAxis(_ axis: ChartAxis, label: String) {
        writer.open("g", [("class", "y-axis"), ("font-size", coordinate(ChartLayout.tickFontSize))])
        drawAxisLine(x1: layout.plotLeft, y1: layout.plotTop, x2: layout.plotLeft, y2: layout.plotBottom)
        for tick in axis.ticks {
            let y = layout.y(tick.value, on: axis)
            let length = tick.isMajor ? 6.0 : 3.0
            drawTickMark(x1: layout.plotLeft - length, y1: y, x2: layout.plotLeft, y2: y)
            if let text = tick.label {
                writer.element(
                    "text",
                    [
                        ("class", "tick-label y-tick-label"), ("x", coordinate(layout.plotLeft - 9)),
                        ("y", coordinate(y + 4)), ("text-anchor", "end"),
                    ], text: text)
            }
        }
        let labelX = layout.yAxisLabelX
        let labelY = (layout.plotTop + layout.plotBottom) / 2
        writer.element(
            "text",
            [
                ("class", "axis-label y-axis-label"), ("x", coordinate(labelX)), ("y", coordinate(labelY)),
                ("transform", "rotate(-90 \(coordinate(labelX)) \(coordinate(labelY)))"), ("text-anchor", "middle"),
                ("font-size", coordinate(ChartLayout.axisLabelFontSize)),
            ], text: label)
        writer.close("g")
    }

    /// The numeric x axis line, its ticks and tick labels, and `label` centred below.
    mutating func drawXAxis(_ axis: ChartAxis, label: String) {
        writer.open("g", [("class", "x-axis"), ("font-size", coordinate(ChartLayout.tickFontSize))])
        drawAxisLine(x1: layout.plotLeft, y1: layout.plotBottom, x2: layout.plotRight, y2: layout.plotBottom)
        for tick in axis.ticks {
            let x = layout.x(tick.value, on: axis)
            let length = tick.isMajor ? 6.0 : 3.0
            drawTickMark(x1: x, y1: layout.plotBottom, x2: x, y2: layout.plotBottom + length)
            if let text = tick.label {
                writer.element(
                    "text",
                    [
                        ("class", "tick-label x-tick-label"), ("x", coordinate(x)),
                        ("y", coordinate(layout.plotBottom + 8 + ChartLayout.tickFontSize)), ("text-anchor", "middle"),
                    ], text: text)
            }
        }
        drawXAxisLabel(label)
        writer.close("g")
    }

    /// The x axis of a bar chart: a tick and a label under the middle of every category group.
    mutating func drawCategoryAxis(_ categories: [String]) {
        writer.open("g", [("class", "x-axis"), ("font-size", coordinate(ChartLayout.tickFontSize))])
        drawAxisLine(x1: layout.plotLeft, y1: layout.plotBottom, x2: layout.plotRight, y2: layout.plotBottom)
        let groupWidth = layout.plotWidth / Double(max(categories.count, 1))
        for (index, category) in categories.enumerated() {
            let x = layout.plotLeft + groupWidth * (Double(index) + 0.5)
            drawTickMark(x1: x, y1: layout.plotBottom, x2: x, y2: layout.plotBottom + 6)
            let y = layout.plotBottom + 8 + ChartLayout.tickFontSize
            var attributes = [
                ("class", "tick-label x-tick-label category-label"), ("x", coordinate(x)), ("y", coordinate(y)),
            ]
            if layout.slantsXTickLabels {
                attributes += [("text-anchor", "end"), ("transform", "rotate(-30 \(coordinate(x)) \(coordinate(y)))")]
            } else {
                attributes.append(("text-anchor", "middle"))
            }
            writer.element("text", attributes, text: category)
        }
        writer.close("g")
    }

    /// A boxed legend right of the plot area: a colour swatch (bars) or a line with its marker (lines) per name.
    mutating func drawLegend(names: [String], showsLines: Bool) {
        guard !names.isEmpty else { return }
        let left = layout.legendLeft
        let top = layout.plotTop
        writer.open("g", [("class", "legend"), ("font-size", coordinate(ChartLayout.legendFontSize))])
        writer.element(
            "rect",
            [
                ("class", "legend-box"), ("x", coordinate(left)), ("y", coordinate(top)),
                ("width", coordinate(layout.legendWidth)),
                ("height", coordinate(12 + ChartLayout.legendRowHeight * Double(names.count))),
                ("fill", "white"), ("stroke", "#bbbbbb"),
            ])
        for (index, name) in names.enumerated() {
            let color = ChartPalette.color(at: index)
            let rowMiddle = top + 6 + ChartLayout.legendRowHeight * (Double(index) + 0.5)
            if showsLines {
                writer.element(
                    "line",
                    [
                        ("x1", coordinate(left + 8)), ("y1", coordinate(rowMiddle)), ("x2", coordinate(left + 32)),
                        ("y2", coordinate(rowMiddle)), ("stroke", color), ("stroke-width", "2"),
                    ])
                let shape = MarkerShape.shape(at: index)
                var attributes = shape.attributes(centerX: left + 20, centerY: rowMiddle)
                attributes.insert(("class", "legend-marker"), at: 0)
                attributes += [("fill", color), ("stroke", "white"), ("stroke-width", "1")]
                writer.element(shape.elementName, attributes)
            } else {
                writer.element(
                    "rect",
                    [
                        ("class", "legend-swatch"), ("x", coordinate(left + 14)), ("y", coordinate(rowMiddle - 6)),
                        ("width", "12"), ("height", "12"), ("fill", color),
                    ])
            }
            writer.element(
                "text",
                [("class", "legend-label"), ("x", coordinate(left + 40)), ("y", coordinate(rowMiddle + 4))],
                text: name)
        }
        writer.close("g")
    }

    /// The finished document: XML declaration, `<svg>` root with `<title>` and `<desc>`, then the drawing.
    func document() -> String {
        svgDocument(
            width: layout.width, height: layout.height, title: title, description: description, body: writer.lines)
    }

    private mutating func drawXAxisLabel(_ label: String) {
        guard !label.isEmpty else { return }
        writer.element(
            "text",
            [
                ("class", "axis-label x-axis-label"), ("x", coordinate((layout.plotLeft + layout.plotRight) / 2)),
                ("y", coordinate(Double(layout.height) - 14)), ("text-anchor", "middle"),
                ("font-size", coordinate(ChartLayout.axisLabelFontSize)),
            ], text: label)
    }

    private mutating func drawAxisLine(x1: Double, y1: Double, x2: Double, y2: Double) {
        writer.element(
            "line",
            [
                ("class", "axis-line"), ("x1", coordinate(x1)), ("y1", coordinate(y1)), ("x2", coordinate(x2)),
                ("y2", coordinate(y2)), ("stroke", "#333333"), ("stroke-width", "1"),
            ])
    }

    private mutating func drawTickMark(x1: Double, y1: Double, x2: Double, y2: Double) {
        writer.element(
            "line",
            [
                ("class", "tick"), ("x1", coordinate(x1)), ("y1", coordinate(y1)), ("x2", coordinate(x2)),
                ("y2", coordinate(y2)), ("stroke", "#333333"), ("stroke-width", "1"),
            ])
    }
}

/// The chart drawn when no value can be placed: the title, "no data", and why in `<desc>`.
private func noDataDocument(
    title: String, summary: String, omissions: OmissionList, width: Int, height: Int
) -> String {
    let width = max(width, 1)
    let height = max(height, 1)
    var writer = SVGWriter()
    writer.element("rect", [("class", "background"), ("width", "100%"), ("height", "100%"), ("fill", "white")])
    writer.element(
        "text",
        [
            ("class", "chart-title"), ("x", coordinate(Double(width) / 2)), ("y", "28"), ("text-anchor", "middle"),
            ("font-size", coordinate(ChartLayout.titleFontSize)), ("font-weight", "bold"),
        ], text: title)
    writer.element(
        "text",
        [
            ("class", "no-data"), ("x", coordinate(Double(width) / 2)), ("y", coordinate(Double(height) / 2)),
            ("text-anchor", "middle"), ("font-size", "14"), ("fill", "#666666"),
        ], text: "no data")
    let description = omissions.describe(after: summary + " No data to draw.")
    return svgDocument(width: width, height: height, title: title, description: description, body: writer.lines)
}

/// Wraps `body` (already indented element lines) in an XML declaration and the `<svg>` root element.
private func svgDocument(width: Int, height: Int, title: String, description: String, body: [String]) -> String {
    let header = [
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" role=\"img\">",
        "  <title>\(escapedXML(title))</title>",
        "  <desc>\(escapedXML(description))</desc>",
    ]
    return (header + body + ["</svg>"]).joined(separator: "\n") + "\n"
}
