#!/usr/bin/env python3
"""Checks Evident's HTML reading against libxml2's HTML parser (through lxml): for each page, every paragraph
that Evident extracted (from `evident show INDEX DOC --json`) must appear, white space aside, in the visible text
libxml2 parses out of the same bytes (scripts, styles, templates and the head left out). Table rows, which
Evident writes with " | " between the cells, are compared cell by cell. A paragraph that is not found is text
that the two parsers read differently (an element closed elsewhere, a reference decoded otherwise), or text
that libxml2 glues to its neighbour where Evident keeps a line break.

Usage: html_text.py PAGE.html SHOWN.json [PAGE.html SHOWN.json ...]
Prints one line per page (paragraphs found / paragraphs) and a total; exits 1 when libxml2 cannot parse a page.
"""
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
    for page, shown in zip(arguments[0::2], arguments[1::2]):
        text = libxml2_text(page)
        with open(shown) as file:
            document = json.load(file)["document"]
        source = document["source"]
        paragraphs = []
        for section in document["sections"]:
            start, end = section["range"]
            scalars = list(source)
            paragraphs += [line for line in "".join(scalars[start:end]).split("\n\n") if line.strip()]
        found = 0
        for paragraph in paragraphs:
            # A table row: its cells, empty ones (a row that starts or ends with "|") left out.
            parts = [part for part in paragraph.split("|") if part.strip()] if "|" in paragraph else [paragraph]
            if all(words(part) in text for part in parts):
                found += 1
        found_total += found
        checked_total += len(paragraphs)
        print(f"{page}: {found}/{len(paragraphs)} paragraphs found in libxml2's text")
    share = found_total / checked_total if checked_total else 1.0
    print(f"total: {found_total}/{checked_total} ({share:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
