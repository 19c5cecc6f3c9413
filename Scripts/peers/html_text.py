#!/usr/bin/env python3
"""Checks Evident's HTML reading against libxml2's HTML parser (through lxml): for each page, every paragraph
that Evident extracted (from `evident show INDEX DOC --json`) must appear, white space aside, in the visible text
libxml2 parses out of the same bytes (scripts, styles, templates and the head left out). Table rows, which
Evident writes with " | " between the cells, are compared cell by cell. A paragraph that is not found is text
that the two parsers read differently (an element closed elsewhere, a reference decoded otherwise), or text
that libxml2 glues to its neighbour where Evident keeps a line break.

Robustness: for a damaged copy of a page (NAME-damaged-N.html beside NAME.html), the paragraphs Evident reads
from the undamaged page are looked for in Evident's text of the copy and in libxml2's text of the copy: the share
each parser still recovers after the same damage.

Usage: html_text.py PAGE.html SHOWN.json [PAGE.html SHOWN.json ...]
Prints one line per page (paragraphs found / paragraphs), a total and the recovery of both parsers on the damaged
copies; exits 1 when libxml2 cannot parse a page.
"""
import glob
import json
import re
import sys

import lxml.html


def words(text):
    return " ".join(re.sub(r"\s+", " ", text).split())


def libxml2_text(path):
    with open(path, "rb") as file:
        data = file.read()
    if not data.strip():
        return ""
    root = lxml.html.fromstring(data)
    for element in root.xpath("//script|//style|//noscript|//template|//head"):
        element.drop_tree()
    return words(root.text_content())


def main(arguments):
    if len(arguments) < 2 or len(arguments) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    found_total = checked_total = 0
    read = {}
    for page, shown in zip(arguments[0::2], arguments[1::2]):
        text = libxml2_text(page)
        paragraphs = evident_paragraphs(shown)
        read[page] = (paragraphs, text)
        found = sum(1 for paragraph in paragraphs if contains(text, paragraph))
        found_total += found
        checked_total += len(paragraphs)
        print(f"{page}: {found}/{len(paragraphs)} paragraphs found in libxml2's text")
    share = found_total / checked_total if checked_total else 1.0
    print(f"total: {found_total}/{checked_total} ({share:.1%})")
    # Recovery after damage: the undamaged page's paragraphs, in each parser's text of the damaged copy. A copy
    # that Evident refused (no content left) is not in `read` and counts as nothing recovered for Evident.
    clean = {page: read[page][0] for page in read if "-damaged-" not in page}
    recovered = {"evident": 0, "libxml2": 0}
    wanted = 0
    for page, original in clean.items():
        stem = page[: -len(".html")]
        for copy in sorted(glob.glob(f"{stem}-damaged-*.html")):
            wanted += len(original)
            ours = " ".join(words(p) for p in read.get(copy, ([], ""))[0])
            theirs = read[copy][1] if copy in read else libxml2_text(copy)
            recovered["evident"] += sum(1 for paragraph in original if contains(ours, paragraph))
            recovered["libxml2"] += sum(1 for paragraph in original if contains(theirs, paragraph))
    if wanted:
        print(
            f"recovered after damage: Evident {recovered['evident']}/{wanted} "
            f"({recovered['evident'] / wanted:.1%}), libxml2 {recovered['libxml2']}/{wanted} "
            f"({recovered['libxml2'] / wanted:.1%}) of the undamaged pages' paragraphs"
        )
    return 0


def evident_paragraphs(shown):
    """The paragraphs of the sections Evident read (from `evident show --json`)."""
    with open(shown) as file:
        document = json.load(file)["document"]
    scalars = list(document["source"])
    paragraphs = []
    for section in document["sections"]:
        start, end = section["range"]
        paragraphs += [line for line in "".join(scalars[start:end]).split("\n\n") if line.strip()]
    return paragraphs


def contains(text, paragraph):
    """Whether `paragraph` is in `text`; a table row cell by cell (empty cells left out)."""
    parts = [part for part in paragraph.split("|") if part.strip()] if "|" in paragraph else [paragraph]
    return all(words(part) in text for part in parts)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
