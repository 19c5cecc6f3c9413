#!/usr/bin/env python3
"""Writes Corpus/guidelines/mesothelioma-symptom-care.pdf, the demo corpus's PDF: a short guideline-style text of
our own (facts restated from the public-domain NCI PDQ mesothelioma summaries), laid out as guideline PDFs are — a
cover page numbered "i", pages numbered from 1, a title, numbered headings, a running footer with the page
number, and a word hyphenated at a line's end — so that `make demo` shows a page citation and the PDF reader's
work can be seen with `evident show`. Plain PDF 1.4 with the standard Helvetica fonts, no dependencies.

Usage: Scripts/make-demo-pdf.py [OUTPUT]
"""
import sys
import textwrap
import zlib

OUTPUT = sys.argv[1] if len(sys.argv) > 1 else "Corpus/guidelines/mesothelioma-symptom-care.pdf"
FOOTER = "Evident demo guideline - Mesothelioma symptom care - not medical advice"

# (kind, text): kind is "title", "heading" or "body"; a body "-" at a line's end is kept as written.
PAGES = [
    [("title", "Caring for Symptoms of Pleural Mesothelioma"),
     ("body", "A short guideline written for the Evident demo corpus in our own words. Its facts are restated "
              "from the National Cancer Institute's PDQ summaries on malignant mesothelioma, which are in the "
              "public domain.")],
    [("heading", "1. Fluid around the lungs"),
     ("body", "Fluid that builds up in the space around the lungs, a pleural effusion, causes symptoms in at "
              "least two of every three people with pleural mesothelioma. The fluid presses on the lung and "
              "makes breathing hard."),
     ("body", "Draining the fluid with a needle or a small tube brings relief within hours, but the fluid "
              "tends to return. For that reason drainage is often followed by pleuro-"),
     ("body", "desis, in which a drug such as talc is placed in the space so that the two layers of the pleura "
              "stick together and no room is left for fluid."),
     ("heading", "1.1 Catheters that stay in place"),
     ("body", "An indwelling pleural catheter lets the fluid be drained at home, as often as it collects, and "
              "spares some people a stay in hospital.")],
    [("heading", "2. Pain"),
     ("body", "Radiation therapy given to ease pain from a tumor in the chest wall relieves pain in most "
              "patients, although the relief often lasts only a few months."),
     ("body", "Surgery that removes the pleura and the tumor on it, pleurectomy with decortication, can also "
              "ease pain and discomfort caused by the bulk of the tumor."),
     ("heading", "3. Follow-up"),
     ("body", "During treatment some of the tests used to find and stage the cancer are repeated to see whether "
              "the treatment works. After treatment, regular visits check for a return of the disease.")],
]

SIZES = {"title": 20, "heading": 14, "body": 11}
FONTS = {"title": "F2", "heading": "F2", "body": "F1"}


def escape(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def page_stream(blocks, label):
    lines = ["BT"]
    y = 760
    for kind, text in blocks:
        size = SIZES[kind]
        width = 90 if kind == "body" else 60
        wrapped = [text] if text.endswith("-") and len(text) < 40 else textwrap.wrap(text, width)
        if kind == "body" and text.endswith("-"):
            wrapped = textwrap.wrap(text[:-1], width)
            wrapped[-1] += "-"
        for line in wrapped:
            lines.append(f"/{FONTS[kind]} {size} Tf 1 0 0 1 72 {y} Tm ({escape(line)}) Tj")
            y -= size + 4
        y -= 4 if kind == "body" and text.endswith("-") else 10
        if kind == "body" and text.endswith("-"):
            y += 10  # the hyphenated paragraph goes on in the next block, on the next line
    lines.append(f"/F1 8 Tf 1 0 0 1 72 40 Tm ({escape(FOOTER)}) Tj")
    lines.append(f"/F1 8 Tf 1 0 0 1 520 40 Tm ({label}) Tj")
    lines.append("ET")
    return "\n".join(lines).encode("latin-1")


def main():
    objects = []

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    pages = add(None)
    regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    kids = []
    labels = ["i", "1", "2"]
    for blocks, label in zip(PAGES, labels):
        stream = zlib.compress(page_stream(blocks, label))
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>" % (pages, content, regular, bold)))
    outline_items = []
    outline = add(None)
    headings = [(page, text) for page, blocks in enumerate(PAGES) for kind, text in blocks if kind == "heading"]
    for position, (page, text) in enumerate(headings):
        outline_items.append(add(None))
    for position, (page, text) in enumerate(headings):
        fields = [b"/Title (%s)" % escape(text).encode("latin-1"), b"/Parent %d 0 R" % outline,
                  b"/Dest [%d 0 R /XYZ 0 792 0]" % kids[page]]
        if position > 0:
            fields.append(b"/Prev %d 0 R" % outline_items[position - 1])
        if position + 1 < len(headings):
            fields.append(b"/Next %d 0 R" % outline_items[position + 1])
        objects[outline_items[position] - 1] = b"<< " + b" ".join(fields) + b" >>"
    objects[outline - 1] = b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (
        outline_items[0], outline_items[-1], len(headings))
    objects[pages - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids), len(kids))
    objects[catalog - 1] = (
        b"<< /Type /Catalog /Pages %d 0 R /Outlines %d 0 R "
        b"/PageLabels << /Nums [0 << /S /r >> 1 << /S /D /St 1 >>] >> >>" % (pages, outline))
    info = add(b"<< /Title (Caring for Symptoms of Pleural Mesothelioma) /Producer (Evident Scripts/make-demo-pdf.py) >>")

    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        output += b"%010d 00000 n \n" % offset
    output += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, info, xref)
    with open(OUTPUT, "wb") as file:
        file.write(output)
    print(f"make-demo-pdf: wrote {OUTPUT} ({len(output)} bytes, {len(kids)} pages)")


if __name__ == "__main__":
    main()
