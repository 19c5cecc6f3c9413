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
    /// Left, top, right, bottom in the page's reading frame: in points from the page's top-left corner, or, on a
    /// page whose text runs up or down, turned so that it runs left to right. Lines, columns and tables are
    /// found in this frame.
    var box: PDFBox
    /// The box on the page as printed (what a viewer highlights).
    var pageBox: PDFBox
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
        let direction = boxes.map { TextDirection(of: scalars, boxes: $0) } ?? .rightward
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
                    current.characters.append(PDFCharacter(space: " ", fontSize: sizes[position]))
                }
                continue
            }
            let rectangle = boxes?[position]
            let box = (rectangle?.x1 ?? 0, rectangle?.y1 ?? 0, rectangle?.x2 ?? 0, rectangle?.y2 ?? 0)
            let character = PDFCharacter(
                scalar: scalar, box: direction.turning(box), pageBox: box, fontSize: sizes[position],
                isBold: bold[position])
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
}

extension PDFCharacter {
    /// A space or separator that the reader writes: no box on the page.
    init(space scalar: Unicode.Scalar, fontSize: Double) {
        self.init(scalar: scalar, box: (0, 0, 0, 0), pageBox: (0, 0, 0, 0), fontSize: fontSize, isBold: false)
    }
}

/// Which way a page's text runs: left to right, or (a page printed turned, a landscape table on a portrait page)
/// down or up. Poppler gives such a page's text in reading order but with boxes on the page as printed, where one
/// line's characters stand one below the other.
enum TextDirection {
    case rightward, downward, upward

    /// The direction most of the page's neighbouring characters (within a line of poppler's text) advance in.
    init(of scalars: [Unicode.Scalar], boxes: UnsafeMutablePointer<PopplerRectangle>) {
        var counts: [TextDirection: Int] = [:]
        var previous: PopplerRectangle?
        for (position, scalar) in scalars.enumerated() {
            if scalar == "\n" { previous = nil }
            guard !scalar.properties.isWhitespace else { continue }
            let box = boxes[position]
            guard box.x2 > box.x1 || box.y2 > box.y1 else { continue }
            if let last = previous {
                let dx = (box.x1 + box.x2 - last.x1 - last.x2) / 2
                let dy = (box.y1 + box.y2 - last.y1 - last.y2) / 2
                if abs(dy) > 2 * abs(dx) {
                    counts[dy > 0 ? .downward : .upward, default: 0] += 1
                } else if abs(dx) > 2 * abs(dy) {
                    counts[.rightward, default: 0] += 1
                }
            }
            previous = box
        }
        self =
            counts.max { ($0.value, $0.key == .rightward ? 1 : 0) < ($1.value, $1.key == .rightward ? 1 : 0) }?.key
            ?? .rightward
    }

    /// `box` turned so that this direction's text runs left to right, and its lines follow each other downwards.
    func turning(_ box: PDFBox) -> PDFBox {
        switch self {
        case .rightward: box
        // Text running down: its lines follow each other from right to left.
        case .downward: (box.y1, -box.x2, box.y2, -box.x1)
        // Text running up: its lines follow each other from left to right.
        case .upward: (-box.y2, box.x1, -box.y1, box.x2)
        }
    }
}
