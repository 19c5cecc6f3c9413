internal import CPoppler
import EvidentCorpus
import Foundation

/// A box on a page: left, top, right, bottom in points from the page's top-left corner.
typealias PDFBox = (x1: Double, y1: Double, x2: Double, y2: Double)

/// The smallest box holding `box` and `other` (`box` alone when there is no `other`).
func union(_ other: PDFBox?, _ box: PDFBox) -> PDFBox {
    guard let other else { return box }
    return (min(other.x1, box.x1), min(other.y1, box.y1), max(other.x2, box.x2), max(other.y2, box.y2))
}

/// One character of a page's text as poppler lays it out: the scalar, its box and its font.
struct PDFCharacter {
    var scalar: Unicode.Scalar
    /// Left, top, right, bottom in points from the page's top-left corner.
    var box: PDFBox
    var fontSize: Double
    var isBold: Bool
}

/// One line of a page: its characters in reading order.
struct PDFLine {
    var characters: [PDFCharacter]
    var page: Int
    /// Whether the line is a table's row, its cells joined with " | ": a paragraph of its own.
    var isTableRow = false

    var text: String {
        var output = String.UnicodeScalarView()
        for character in characters { output.append(character.scalar) }
        return String(output)
    }

    /// The line's box: the union of its characters' boxes (spaces, which poppler gives empty boxes, left out).
    var box: PDFBox? {
        var result: PDFBox?
        for character in characters where !character.scalar.properties.isWhitespace {
            let box = character.box
            result = union(result, box)
        }
        return result
    }

    /// The font size most of the line's characters have.
    var fontSize: Double {
        var counts: [Double: Int] = [:]
        for character in characters where !character.scalar.properties.isWhitespace {
            counts[(character.fontSize * 2).rounded() / 2, default: 0] += 1
        }
        return counts.max { ($0.value, $0.key) < ($1.value, $1.key) }?.key ?? 0
    }

    var isBold: Bool {
        let visible = characters.filter { !$0.scalar.properties.isWhitespace }
        return !visible.isEmpty && visible.filter(\.isBold).count * 2 > visible.count
    }
}

/// What poppler reads from a PDF: its pages' lines, page labels, title and outline.
struct PDFContent {
    var lines: [[PDFLine]]
    var labels: [String?]
    var title: String?
    /// Outline entries: title and depth (from 1).
    var outline: [(title: String, depth: Int)]

    /// Reads `url` with poppler.
    ///
    /// - Throws: ``CorpusIssue`` when the file is encrypted, damaged or not a PDF.
    static func read(_ url: URL, file: String) throws -> PDFContent {
        var error: UnsafeMutablePointer<GError>?
        guard let document = poppler_document_new_from_file(url.absoluteURL.absoluteString, nil, &error) else {
            defer { if let error { g_error_free(error) } }
            if evident_is_encrypted_error(error) != 0 {
                throw CorpusIssue(
                    .unreadable, file: file, reason: "the PDF is encrypted (it needs a password)",
                    fix: "save a copy without the password (for example with qpdf --decrypt) and index that")
            }
            let message = error.map { String(cString: $0.pointee.message) } ?? "unknown error"
            throw CorpusIssue(
                .unreadable, file: file, reason: "the PDF cannot be read (poppler: \(message))",
                fix: "check that the file is a complete PDF (re-download it); a damaged file cannot be read")
        }
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }
        let pageCount = Int(poppler_document_get_n_pages(document))
        var content = PDFContent(lines: [], labels: [], title: nil, outline: [])
        if let title = poppler_document_get_title(document) {
            content.title = String(cString: title)
            g_free(title)
        }
        if let iterator = poppler_index_iter_new(document) {
            readOutline(iterator, depth: 1, into: &content.outline)
            poppler_index_iter_free(iterator)
        }
        for index in 0..<pageCount {
            guard let page = poppler_document_get_page(document, Int32(index)) else {
                content.lines.append([])
                content.labels.append(nil)
                continue
            }
            defer { g_object_unref(UnsafeMutableRawPointer(page)) }
            if let label = poppler_page_get_label(page) {
                content.labels.append(String(cString: label))
                g_free(label)
            } else {
                content.labels.append(nil)
            }
            content.lines.append(lines(of: page, number: index + 1))
        }
        return content
    }

    private static func readOutline(
        _ iterator: OpaquePointer, depth: Int, into outline: inout [(title: String, depth: Int)]
    ) {
        repeat {
            var page: Int32 = 0
            if let title = evident_outline_title(iterator, &page) {
                outline.append((String(cString: title), depth))
                g_free(title)
            }
            if let child = poppler_index_iter_get_child(iterator) {
                readOutline(child, depth: depth + 1, into: &outline)
                poppler_index_iter_free(child)
            }
        } while poppler_index_iter_next(iterator) != 0
    }

    /// A page's lines: poppler's text in its reading order, each character with its box and font.
    private static func lines(of page: OpaquePointer, number: Int) -> [PDFLine] {
        guard let textPointer = poppler_page_get_text(page) else { return [] }
        let scalars = Array(String(cString: textPointer).unicodeScalars)
        g_free(textPointer)
        var rectangles: UnsafeMutablePointer<PopplerRectangle>?
        var rectangleCount: UInt32 = 0
        let hasLayout = poppler_page_get_text_layout(page, &rectangles, &rectangleCount) != 0
        defer { g_free(rectangles) }
        var sizes = [Double](repeating: 0, count: scalars.count)
        var bold = [Bool](repeating: false, count: scalars.count)
        if let attributes = poppler_page_get_text_attributes(page) {
            var item: UnsafeMutablePointer<GList>? = attributes
            while let current = item {
                var size = 0.0
                var start: Int32 = 0
                var end: Int32 = 0
                var isBold: Int32 = 0
                evident_attribute(current, &size, &start, &end, &isBold)
                for position in max(0, Int(start))...max(0, min(Int(end), scalars.count - 1))
                where position < scalars.count {
                    sizes[position] = size
                    bold[position] = isBold != 0
                }
                item = current.pointee.next
            }
            poppler_page_free_text_attributes(attributes)
        }
        let boxes = hasLayout && Int(rectangleCount) == scalars.count ? rectangles : nil
        var lines: [PDFLine] = []
        var current = PDFLine(characters: [], page: number)
        for (position, scalar) in scalars.enumerated() {
            if scalar == "\n" {
                if !current.characters.isEmpty { lines.append(current) }
                current = PDFLine(characters: [], page: number)
                continue
            }
            // Zero-width and format characters (U+FEFF, soft joiners) are not text.
            if scalar.properties.generalCategory == .format || scalar.properties.generalCategory == .control {
                if scalar == "\t" {
                    current.characters.append(
                        PDFCharacter(scalar: " ", box: (0, 0, 0, 0), fontSize: sizes[position], isBold: false))
                }
                continue
            }
            let rectangle = boxes?[position]
            let character = PDFCharacter(
                scalar: scalar, box: (rectangle?.x1 ?? 0, rectangle?.y1 ?? 0, rectangle?.x2 ?? 0, rectangle?.y2 ?? 0),
                fontSize: sizes[position], isBold: bold[position])
            // poppler writes the cells of a table one after another without a break ("UncommonCommon"): a
            // character that goes back to the left or to another baseline starts a line of its own.
            if boxes != nil, !scalar.properties.isWhitespace,
                let last = current.characters.last(where: {
                    !$0.scalar.properties.isWhitespace && $0.box.x2 > $0.box.x1
                }),
                Self.startsNewLine(character.box, after: last.box)
            {
                lines.append(current)
                current = PDFLine(characters: [], page: number)
            }
            current.characters.append(character)
        }
        if !current.characters.isEmpty { lines.append(current) }
        return lines.filter { line in line.characters.contains { !$0.scalar.properties.isWhitespace } }
    }

    /// Whether a character at `box` cannot go on the line whose last character is at `previous`: it sits on
    /// another baseline, well to the left of it, or past a gap wider than a letter is tall (the next cell).
    static func startsNewLine(
        _ box: PDFBox,
        after previous: PDFBox
    ) -> Bool {
        guard box.x2 > box.x1 else { return false }
        let height = max(previous.y2 - previous.y1, 1)
        return abs(box.y2 - previous.y2) > height * 0.6 || box.x1 < previous.x1 - height
            || box.x1 > previous.x2 + height
    }

    /// Rows of a table, which poppler gives cell by cell, joined into one line each with " | " between the cells:
    /// where three or more consecutive baselines each hold two or more short (at most 7 words, 4 on average),
    /// side-by-side lines. Two columns of prose are not a table: their lines are longer.
    static func joiningTableRows(_ lines: [PDFLine]) -> [PDFLine] {
        guard lines.count >= 6 else { return lines }
        struct Row {
            var members: [Int]
            var y: Double
        }
        // Group the lines by baseline.
        var rows: [Row] = []
        for (position, line) in lines.enumerated() {
            guard let box = line.box else { continue }
            let height = max(box.y2 - box.y1, 1)
            if let match = rows.indices.first(where: { abs(rows[$0].y - box.y2) <= height * 0.4 }) {
                rows[match].members.append(position)
            } else {
                rows.append(Row(members: [position], y: box.y2))
            }
        }
        func isCellRow(_ row: Row) -> Bool {
            guard row.members.count >= 2 else { return false }
            let cells = row.members.map { lines[$0] }
            // Cells are short; the lines of two columns of prose average seven words or more.
            let words = cells.map { $0.text.split(separator: " ").count }
            guard words.allSatisfy({ $0 <= 7 }), words.reduce(0, +) <= 4 * words.count else { return false }
            let boxes = cells.compactMap(\.box).sorted { $0.x1 < $1.x1 }
            return zip(boxes, boxes.dropFirst()).allSatisfy { $0.x2 <= $1.x1 }
        }
        rows.sort { $0.y < $1.y }
        var joined = Set<Int>()
        var replacement: [Int: [PDFLine]] = [:]
        var start = 0
        while start < rows.count {
            var end = start
            // A row of one cell (a group's heading inside the table) does not end it when cells follow.
            while end < rows.count
                && (isCellRow(rows[end]) || (end > start && end + 1 < rows.count && isCellRow(rows[end + 1])))
            {
                end += 1
            }
            if end - start >= 3 {
                // The table's rows top to bottom, each a line of its own, where its first line stood.
                var table: [PDFLine] = []
                for row in rows[start..<end] {
                    let ordered = row.members.sorted { (lines[$0].box?.x1 ?? 0) < (lines[$1].box?.x1 ?? 0) }
                    var merged = lines[ordered[0]]
                    for position in ordered.dropFirst() {
                        merged.characters += " | ".unicodeScalars.map {
                            PDFCharacter(scalar: $0, box: (0, 0, 0, 0), fontSize: merged.fontSize, isBold: false)
                        }
                        merged.characters += lines[position].characters
                    }
                    merged.isTableRow = true
                    table.append(merged)
                    joined.formUnion(row.members)
                }
                let first = rows[start..<end].flatMap(\.members).min() ?? 0
                replacement[first] = table
            }
            start = max(end, start + 1)
        }
        guard !joined.isEmpty else { return lines }
        var output: [PDFLine] = []
        for (position, line) in lines.enumerated() {
            if let table = replacement[position] {
                output += table
            } else if !joined.contains(position) {
                output.append(line)
            }
        }
        return output
    }
}
