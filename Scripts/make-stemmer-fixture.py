#!/usr/bin/env python3
"""Writes Tests/EvidentTests/Fixtures/english-stems.tsv: `word<TAB>stem` lines produced by PyStemmer's
Snowball English stemmer (`Stemmer.Stemmer("english")`), the reference our Swift `EnglishStemmer` must match.

The word list is built from the data beside the project (../shared/data): every distinct lowercase token of
SciFact's corpus.jsonl and of a sample of the NCI PDQ Markdown pages, most frequent first, after a fixed list of
words that exercise the Snowball special cases. The list is capped so that the fixture stays under ~600 KB.

Usage: Scripts/make-stemmer-fixture.py [--shared ../shared] [--venv /tmp/evident-pystemmer-venv]
PyStemmer is installed into a temporary virtual environment (created on first use); the project needs no
Python packages of its own.
"""
import argparse
import collections
import json
import os
import pathlib
import re
import subprocess
import sys

PROJECT = pathlib.Path(__file__).resolve().parent.parent
FIXTURE = PROJECT / "Tests" / "EvidentTests" / "Fixtures" / "english-stems.tsv"
MAX_BYTES = 600_000
NCI_PDQ_SAMPLE = 400  # Markdown files, taken in sorted path order with a stride

# Words that hit the Snowball English special cases and each step's corner cases.
SPECIAL_WORDS = """
skis skies sky dying lying tying vying flying idly gently ugly early only singly news howe atlas cosmos bias andes
inning innings outing outings canning cannings herring herrings earring earrings evening evenings proceed proceeds
proceeded proceeding exceed exceeded exceeding succeed succeeded succeeding agreed feed feedly generously
generate general generic communism community communal arsenal arsenic emergency emerge emergent universal
university universe later lateral laterally organ organic organization past pasta paste pasted pastes
ties cries dies lies ied gas gases gaps kiwis caress caresses us bus ss sses hopping hoping hopped hoped
luxuriate luxuriated fluently fluentli happily hope hop filing filed fizzed fizzing tanned tanning
ability abilities geology geologist biologist archaeologist apology analogist
yes yelp yelping say saying sayyid boy boys toy toyed enjoy enjoying eyeing eyes y ys yy yyy
a an ab abc abs aed ing ed eds sing singing bled bleed bleeding bed beds fled
conditional rational rationalism valency hesitancy dependably differently realizer realization
operational predication operator feudalism duality ritually hopefulness callousness objectiveness
sensitivity sensibility sensibly analogy analogies criticality formalize complicate complication
electrical electricity hopeful goodness demonstrative revival allowance inference airliner gyroscopic
adjustable defensible irritant replacement adjustment dependent adoption communism activate angularity
homologous effective bowdlerize probate rate cease controll roll
o'brien don't patient's patients' 'tis 's ' ''
""".split()


def ensure_stemmer(venv: pathlib.Path):
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    check = subprocess.run([str(python), "-c", "import Stemmer"], capture_output=True)
    if check.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "PyStemmer"], check=True)
    return python


TOKEN = re.compile(r"[^\W_]+")  # letters and digits of any script; the analyzer splits on everything else


def count_words(shared: pathlib.Path):
    counts = collections.Counter()
    with open(shared / "data" / "scifact" / "corpus.jsonl", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            counts.update(TOKEN.findall((record.get("title", "") + " " + record.get("text", "")).lower()))
    pages = sorted((shared / "data" / "nci-pdq").rglob("*.md"))
    stride = max(1, len(pages) // NCI_PDQ_SAMPLE)
    for page in pages[::stride]:
        counts.update(TOKEN.findall(page.read_text(encoding="utf-8").lower()))
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=pathlib.Path, default=PROJECT.parent / "shared")
    parser.add_argument("--venv", type=pathlib.Path, default=pathlib.Path("/tmp/evident-pystemmer-venv"))
    arguments = parser.parse_args()

    python = ensure_stemmer(arguments.venv)
    counts = count_words(arguments.shared)
    ordered = list(dict.fromkeys(SPECIAL_WORDS))
    seen = set(ordered)
    for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if word not in seen:
            seen.add(word)
            ordered.append(word)

    # Stem in the venv's interpreter: one word per line in, one stem per line out.
    program = (
        "import sys, Stemmer\n"
        "stemmer = Stemmer.Stemmer('english')\n"
        "words = sys.stdin.read().split('\\n')\n"
        "sys.stdout.write('\\n'.join(stemmer.stemWords(words)))\n"
    )
    result = subprocess.run([str(python), "-c", program], input="\n".join(ordered), capture_output=True,
                            text=True, encoding="utf-8", check=True)
    stems = result.stdout.split("\n")
    assert len(stems) == len(ordered), (len(stems), len(ordered))

    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    written, size = 0, 0
    with open(FIXTURE, "w", encoding="utf-8", newline="\n") as output:
        for word, stem in zip(ordered, stems):
            line = f"{word}\t{stem}\n"
            if size + len(line.encode("utf-8")) > MAX_BYTES:
                break
            output.write(line)
            size += len(line.encode("utf-8"))
            written += 1
    print(f"wrote {written} of {len(ordered)} distinct words ({size} bytes) to {FIXTURE.relative_to(PROJECT)}")


if __name__ == "__main__":
    main()
