internal import CPoppler
import EvidentCorpus
import Foundation

/// One character of a page's text as poppler lays it out: the scalar, its box and its font.
struct PDFCharacter {
    var scalar: Unicode.Scalar
    /// Left, top, right, bottom in points from the page's top-left corner.
    var box: (x1: Double, y1: Double, x2: Double, y2: Double)
    var fontSize: Double
    var isBold: Bool
}

/// One line of a page: its characters in reading order.
struct PDFLine {
    var characters: [PDFCharacter]
    var page: Int

    var text: String {
        var output = String.UnicodeScalarView()
        for character in characters { output.append(character.scalar) }
        return String(output)
    }

    /// The line's box: the union of its characters' boxes (spaces, which poppler gives empty boxes, left out).
    var box: (x1: Double, y1: Double, x2: Double, y2: Double)? {
        var result: (x1: Double, y1: Double, x2: Double, y2: Double)?
        for character in characters where !character.scalar.properties.isWhitespace {
            let box = character.box
            result =
                result.map { (min($0.x1, box.x1), min($0.y1, box.y1), max($0.x2, box.x2), max($0.y2, box.y2)) } ?? box
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
            current.characters.append(
                PDFCharacter(
                    scalar: scalar,
                    box: (rectangle?.x1 ?? 0, rectangle?.y1 ?? 0, rectangle?.x2 ?? 0, rectangle?.y2 ?? 0),
                    fontSize: sizes[position], isBold: bold[position]))
        }
        if !current.characters.isEmpty { lines.append(current) }
        return lines.filter { line in line.characters.contains { !$0.scalar.properties.isWhitespace } }
    }
}
