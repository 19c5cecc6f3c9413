import Foundation

/// The lines of a page that stand on one baseline, left to right.
struct PDFBaseline {
    /// Positions of the lines in the page's lines, left to right.
    var members: [Int]
    /// The baseline: the bottom of the lines' boxes.
    var y: Double
    /// The top of the highest line.
    var top: Double
    var height: Double

    /// The page's lines grouped by baseline, top to bottom.
    static func grouping(_ lines: [PDFLine]) -> [PDFBaseline] {
        var rows: [PDFBaseline] = []
        for (position, line) in lines.enumerated() {
            guard let box = line.box else { continue }
            let height = max(box.y2 - box.y1, 1)
            if let match = rows.indices.first(where: { abs(rows[$0].y - box.y2) <= height * 0.4 }) {
                rows[match].members.append(position)
                rows[match].top = min(rows[match].top, box.y1)
                rows[match].height = max(rows[match].height, height)
            } else {
                rows.append(PDFBaseline(members: [position], y: box.y2, top: box.y1, height: height))
            }
        }
        for index in rows.indices {
            rows[index].members.sort { (lines[$0].box?.x1 ?? 0) < (lines[$1].box?.x1 ?? 0) }
        }
        return rows.sorted { $0.y < $1.y }
    }
}

/// A table found among a page's lines, rebuilt row by row: which lines it took, and its rows as lines whose
/// cells are joined with " | ".
///
/// poppler gives a table cell by cell. A table is three or more baselines that each hold two or more short lines
/// side by side (cells), with at most three baselines of a single line between them (a group's heading, or a
/// cell's text wrapping onto the next line). The cells of the widest rows give the columns. A cell that wraps
/// joins its row, column by column: a baseline just below a row with nothing in the first column continues it,
/// and so does one whose first cell goes on from the cell above (it starts in lower case, or the cell above ends
/// with a comma, a hyphen, a word such as "and", or an open parenthesis) without filling every column. Two columns
/// of prose are not a table: their lines are longer.
struct PDFTable {
    /// The positions of the lines the table took.
    var members: Set<Int>
    /// The table's rows, top to bottom.
    var rows: [PDFLine]

    /// The tables among `lines`, each with the lines it took.
    static func tables(in lines: [PDFLine]) -> [PDFTable] {
        guard lines.count >= 6 else { return [] }
        let baselines = PDFBaseline.grouping(lines)
        var tables: [PDFTable] = []
        var start = 0
        while start < baselines.count {
            guard let end = Self.end(ofTableFrom: start, in: baselines, lines: lines) else {
                start += 1
                continue
            }
            tables.append(PDFTable(baselines: baselines[start..<end], lines: lines))
            start = end
        }
        return tables
    }

    /// Whether the baseline holds a row of cells: two or more short lines side by side, none overlapping the next.
    static func isCellRow(_ row: PDFBaseline, lines: [PDFLine]) -> Bool {
        guard row.members.count >= 2 else { return false }
        let words = row.members.map { lines[$0].text.split(separator: " ").count }
        // Cells are short; the lines of two columns of prose average seven words or more.
        guard words.allSatisfy({ $0 <= 7 }), words.reduce(0, +) <= 4 * words.count else { return false }
        let boxes = row.members.compactMap { lines[$0].box }
        return zip(boxes, boxes.dropFirst()).allSatisfy { $0.x2 <= $1.x1 }
    }

    /// The end (exclusive) of the table whose first row is `baselines[start]`, or nil when no table starts there.
    static func end(ofTableFrom start: Int, in baselines: [PDFBaseline], lines: [PDFLine]) -> Int? {
        guard isCellRow(baselines[start], lines: lines) else { return nil }
        let boxes = baselines[start].members.compactMap { lines[$0].box }
        let left = boxes.map(\.x1).min() ?? 0
        let right = boxes.map(\.x2).max() ?? 0
        // A single short line within the table's width: a heading of a group of rows, or a cell that wraps.
        func isLoneLine(_ row: PDFBaseline) -> Bool {
            guard row.members.count == 1, let box = lines[row.members[0]].box else { return false }
            return lines[row.members[0]].text.split(separator: " ").count <= 12 && box.x1 >= left - row.height
                && box.x2 <= right + row.height
        }
        var cellRows = 1
        var lastCellRow = start
        var probe = start + 1
        while probe < baselines.count {
            if isCellRow(baselines[probe], lines: lines) {
                cellRows += 1
                lastCellRow = probe
                probe += 1
                continue
            }
            var next = probe
            while next < baselines.count, next - probe < 3, isLoneLine(baselines[next]) { next += 1 }
            guard next > probe, next < baselines.count, isCellRow(baselines[next], lines: lines) else { break }
            probe = next
        }
        guard cellRows >= 3 else { return nil }
        // The last row's first cell may wrap onto lone lines below it.
        var end = lastCellRow + 1
        var above = lines[baselines[lastCellRow].members[0]].text
        while end < baselines.count, end - lastCellRow <= 3, isLoneLine(baselines[end]),
            baselines[end].top - baselines[end - 1].y <= baselines[end - 1].height,
            Self.continues(lines[baselines[end].members[0]].text, after: above)
        {
            above = lines[baselines[end].members[0]].text
            end += 1
        }
        return end
    }

    /// Whether a cell's `text` on the next line goes on from the cell's text `above`.
    static func continues(_ text: String, after above: String) -> Bool {
        if text.first?.isLowercase == true { return true }
        let trimmed = above.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix(",") || trimmed.hasSuffix("-") || trimmed.hasSuffix("/") { return true }
        if trimmed.filter({ $0 == "(" }).count > trimmed.filter({ $0 == ")" }).count { return true }
        let last = trimmed.split(separator: " ").last.map { $0.lowercased() } ?? ""
        return ["and", "or", "of", "with", "the", "to", "in", "for", "by", "on", "a", "an", "at", "from", "than"]
            .contains(last)
    }

    /// The table of the lines on `baselines`, its wrapped cells joined to their rows.
    init(baselines: ArraySlice<PDFBaseline>, lines: [PDFLine]) {
        members = Set(baselines.flatMap(\.members))
        // The columns: the spans of the cells of the rows with the most cells.
        let widest = baselines.map(\.members.count).max() ?? 1
        var columns: [(x1: Double, x2: Double)] = Array(repeating: (.infinity, -.infinity), count: widest)
        for row in baselines where row.members.count == widest {
            for (column, position) in row.members.enumerated() {
                guard let box = lines[position].box else { continue }
                columns[column] = (min(columns[column].x1, box.x1), max(columns[column].x2, box.x2))
            }
        }
        func column(of box: PDFBox) -> Int {
            let overlaps = columns.map { Swift.min($0.x2, box.x2) - Swift.max($0.x1, box.x1) }
            if let best = overlaps.indices.max(by: { overlaps[$0] < overlaps[$1] }), overlaps[best] > 0 { return best }
            let middle = (box.x1 + box.x2) / 2
            return columns.indices.min {
                abs((columns[$0].x1 + columns[$0].x2) / 2 - middle)
                    < abs((columns[$1].x1 + columns[$1].x2) / 2 - middle)
            } ?? 0
        }
        let fontSize = baselines.first.map { lines[$0.members[0]].fontSize } ?? 0
        func space(_ text: String) -> [PDFCharacter] {
            text.unicodeScalars.map { PDFCharacter(space: $0, fontSize: fontSize) }
        }
        func text(_ characters: [PDFCharacter]) -> String {
            String(String.UnicodeScalarView(characters.map(\.scalar)))
        }

        var built: [[Int: [PDFCharacter]]] = []
        var pages: [Int] = []
        var previous: PDFBaseline?
        for row in baselines {
            var cells: [Int: [PDFCharacter]] = [:]
            for position in row.members {
                guard let box = lines[position].box else { continue }
                let index = column(of: box)
                cells[index] = (cells[index].map { $0 + space(" ") } ?? []) + lines[position].characters
            }
            defer { previous = row }
            if let above = previous, var last = built.last, row.top - above.y <= above.height {
                let wraps =
                    if let first = cells[0].map(text) {
                        cells.count < widest && Self.continues(first, after: last[0].map(text) ?? "")
                    } else {
                        true
                    }
                if wraps {
                    for (index, characters) in cells {
                        if let earlier = last[index] {
                            last[index] = earlier + (text(earlier).hasSuffix("-") ? [] : space(" ")) + characters
                        } else {
                            last[index] = characters
                        }
                    }
                    built[built.count - 1] = last
                    continue
                }
            }
            built.append(cells)
            pages.append(lines[row.members[0]].page)
        }
        rows = zip(built, pages).map { cells, page in
            var characters: [PDFCharacter] = []
            for (_, cell) in cells.sorted(by: { $0.key < $1.key }) {
                if !characters.isEmpty { characters += space(" | ") }
                characters += cell
            }
            var line = PDFLine(characters: characters, page: page)
            line.isTableRow = true
            return line
        }
    }
}

extension PDFContent {
    /// Characters that mark a list's items.
    static let listMarkers: Set<Character> = ["•", "◦", "▪", "▫", "■", "□", "●", "○", "‣", "⁃", "∙", "➢", "►"]

    /// The page's lines with each line that is only a list's marker (poppler gives a bullet as a line of its own,
    /// often out of order) put in front of the line just right of it on its baseline, where it stands on the page.
    static func attachingListMarkers(_ lines: [PDFLine]) -> [PDFLine] {
        let markers = lines.indices.filter { position in
            let text = lines[position].text.trimmingCharacters(in: .whitespaces)
            return text.count == 1 && text.first.map(listMarkers.contains) == true
        }
        guard !markers.isEmpty else { return lines }
        var output = lines
        var attached = Set<Int>()
        for marker in markers {
            guard let box = lines[marker].box else { continue }
            let height = max(box.y2 - box.y1, 1)
            // The nearest line to the right on the same baseline, within a few letters' width.
            let item = lines.indices.filter { position in
                guard position != marker, !markers.contains(position), let other = lines[position].box else {
                    return false
                }
                return abs(other.y2 - box.y2) <= height * 0.6 && other.x1 >= box.x2 - 1
                    && other.x1 <= box.x2 + 6 * height
            }.min { (lines[$0].box?.x1 ?? 0) < (lines[$1].box?.x1 ?? 0) }
            guard let item else { continue }
            output[item].characters =
                lines[marker].characters.filter { !$0.scalar.properties.isWhitespace }
                + [PDFCharacter(space: " ", fontSize: lines[item].fontSize)] + output[item].characters
            attached.insert(marker)
        }
        return output.indices.filter { !attached.contains($0) }.map { output[$0] }
    }

    /// The page's lines with each table's lines replaced by its rows (see `PDFTable`), put where the table's first
    /// line stood.
    static func joiningTableRows(_ lines: [PDFLine]) -> [PDFLine] {
        let tables = PDFTable.tables(in: lines)
        guard !tables.isEmpty else { return lines }
        var replacement: [Int: [PDFLine]] = [:]
        var taken = Set<Int>()
        for table in tables {
            replacement[table.members.min() ?? 0] = table.rows
            taken.formUnion(table.members)
        }
        var output: [PDFLine] = []
        for (position, line) in lines.enumerated() {
            if let rows = replacement[position] {
                output += rows
            } else if !taken.contains(position) {
                output.append(line)
            }
        }
        return output
    }
}
