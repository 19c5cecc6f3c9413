internal import CPoppler
public import EvidentCorpus
public import Foundation

/// Draws one page of a PDF as a PNG image, through poppler and cairo, with the boxes of a quote painted over it:
/// what the page of `evident serve` shows beside a PDF citation.
public enum PDFPageRenderer {
    /// Why a page cannot be drawn.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The PDF cannot be opened (missing, encrypted or damaged).
        case unreadable(path: String, reason: String)
        /// The PDF has no such page.
        case noSuchPage(Int, pageCount: Int)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "\(path): \(reason)"
            case .noSuchPage(let page, let count): "the PDF has \(count) pages; there is no page \(page)"
            }
        }
    }

    /// The largest image side drawn, in pixels: a bound on memory whatever the page's size.
    public static let largestSide = 3_000.0

    /// A PNG of page `number` (physical, from 1) of the PDF at `url`, `scale` pixels per point, with `highlights`
    /// (boxes in points from the page's top-left corner, on that page) painted in translucent yellow.
    ///
    /// - Throws: ``Failure`` when the file cannot be opened or has no such page.
    public static func png(
        of url: URL, page number: Int, scale: Double = 1.5, highlights: [WordBox] = []
    ) throws -> [UInt8] {
        var error: UnsafeMutablePointer<GError>?
        guard let document = poppler_document_new_from_file(url.absoluteURL.absoluteString, nil, &error) else {
            let reason = error.map { String(cString: $0.pointee.message) } ?? "cannot be opened"
            if let error { g_error_free(error) }
            throw Failure.unreadable(path: url.path, reason: reason)
        }
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }
        let pageCount = Int(poppler_document_get_n_pages(document))
        guard number >= 1, number <= pageCount, let page = poppler_document_get_page(document, Int32(number - 1))
        else { throw Failure.noSuchPage(number, pageCount: pageCount) }
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        var width = 0.0
        var height = 0.0
        poppler_page_get_size(page, &width, &height)
        let factor = min(scale, largestSide / max(width, height, 1))
        let surface = cairo_image_surface_create(
            CAIRO_FORMAT_RGB24, Int32((width * factor).rounded(.up)), Int32((height * factor).rounded(.up)))
        defer { cairo_surface_destroy(surface) }
        let context = cairo_create(surface)
        defer { cairo_destroy(context) }
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
        cairo_scale(context, factor, factor)
        poppler_page_render(page, context)
        cairo_set_source_rgba(context, 1, 0.8, 0, 0.35)
        for box in highlights where box.page == number {
            cairo_rectangle(
                context, Double(box.x) - 1, Double(box.y) - 1, Double(box.width) + 2, Double(box.height) + 2)
        }
        cairo_fill(context)
        cairo_surface_flush(surface)
        let sink = PNGSink()
        let status = cairo_surface_write_to_png_stream(
            surface,
            { closure, data, length in
                guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
                Unmanaged<PNGSink>.fromOpaque(closure).takeUnretainedValue().bytes
                    .append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else {
            throw Failure.unreadable(
                path: url.path, reason: "cairo could not write the PNG (status \(status.rawValue))")
        }
        return sink.bytes
    }

    /// Where cairo writes the PNG's bytes.
    private final class PNGSink {
        var bytes: [UInt8] = []
    }
}
