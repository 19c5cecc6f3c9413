#!/usr/bin/env python3
"""Writes Tests/EvidentTests/Fixtures/wordpiece-cases.jsonl: `{"text", "ids"}` lines, the token ids Hugging Face's
`tokenizers` (the fast BertTokenizer behind sentence-transformers) gives for all-MiniLM-L6-v2, truncated to 256
tokens, no padding. Our Swift `WordPieceTokenizer` must give the same ids.

The texts are hand-picked corner cases (control characters, Unicode whitespace, accents, CJK, emoji, special
tokens written in the text, long words, punctuation of every kind), then, when ../shared/data is present, lines
sampled from the NCI PDQ pages and SciFact abstracts.

Usage: Scripts/make-wordpiece-fixture.py [--shared ../shared] [--venv /tmp/evident-tokenizers-venv]
`tokenizers` is installed into a temporary virtual environment (created on first use); the project needs no Python
packages of its own.
"""
import argparse
import json
import os
import pathlib
import random
import subprocess
import sys

PROJECT = pathlib.Path(__file__).resolve().parent.parent
FIXTURE = PROJECT / "Tests" / "EvidentTests" / "Fixtures" / "wordpiece-cases.jsonl"
MODEL = PROJECT / "Models" / "all-MiniLM-L6-v2" / "tokenizer.json"

CASES = [
    "", " ", "\t\n\r ", "a", "A", "[CLS]", "[SEP] x [SEP]", "a[UNK]b", "[cls] [Sep] [MASK]", "[PAD][PAD]", "[",
    "Hello, World!", "don't stop", "e.g. i.e. etc.", "U.S.A.", "3.14159 1,000,000 10^6 2e-5 ±0.5",
    "Café naïve Müller résumé façade São Paulo Ångström Øresund Œuvre Straße ǅemal ﬁne ﬀ",
    "İstanbul ΣΑΣ ΟΔΥΣΣΕΥΣ Ǆ ǅ ǆ ẞ ß ı", "e\u0301 a\u0300\u0323 n\u0303o\u0308",
    "\u0000a\u0000b \ufffdc \u0007d \u001be \u007ff \u0085g \u000bh \u000ci \u001cj \u001fk",
    "a\u2028b a\u2029c a\u00a0d a\u1680e a\u2000f a\u200ag a\u202fh a\u205fi a\u3000j a\u200bk a\u2060l a\ufeffm",
    "soft\u00adhyphen zero\u200bwidth joiner\u200dhere rtl\u200fmark lrm\u200e",
    "private \ue000use \U000f0000 unassigned \u0378 \U0001fae0 \U0001fabf \U0001f9ec",
    "中文字符测试 日本語のテキスト 한국어 텍스트 ｶﾀｶﾅ ＡＢＣ１２３",
    "\u3400\u4dbf \U00020000 \U0002a6df \U0002a700 \U0002b740 \U0002b820 \U0002b830 \U0002b91f \U0002b920 "
    "\U0002ceaf \uf900 \ufaff \U0002f800 \U0002fa1d",
    "Ⅱ期 ① ⅷ ㈱ ㎏ ℃ ℉ № ™ © ® ° µ Ω Å K",
    "«quotes» „low“ ‘single’ ‹angle› 「corner」 『white』 【lenticular】 〈angle〉 ¿qué? ¡sí!",
    "dash-hyphen–en—em―bar ‐ ‑ ‒ ⁓ ⸺ ⸻ 〜 ゠ ־ ᐀",
    "under_score a*b a+b a=b a<b>c a|b a~b a^b a`b a$b a%b a&b a#b a@b a\\b a/b",
    "§ ¶ † ‡ • ‣ ․ ‥ … ‧ ‰ ‱ ′ ″ ‴ ‵ ※ ‼ ⁇ ⁈ ⁉ ⁂ ⁎ ⁑ · ¦ ¨ ¬ ¯ ´ ¸ ¹ ² ³ ¼ ½ ¾ × ÷",
    "€100 £50 ¥1000 ₹20 ₿1 $5 ¢5 ← → ↑ ↓ ⇒ ∀ ∃ ∈ ∑ ∏ √ ∞ ≈ ≠ ≤ ≥ ⊂ ⊕ ⋅ ⌘ ⏎ ☺ ★ ♠ ✓ ✗ ❤",
    "emoji 😀😃 👍🏽 👨‍👩‍👧 🇺🇸 🏳️‍🌈 1️⃣ ©️",
    "Ελληνικά κείμενα και кириллица тоже; עברית; العربية مع التشكيل: مَرْحَبًا; हिन्दी; ไทย; ქართული",
    "x" * 100, "x" * 101, "é" * 100, "é" * 101, "a" * 99 + "é", "abc" + "é" * 98,
    "supercalifragilisticexpialidocious " * 3, "pneumonoultramicroscopicsilicovolcanoconiosis",
    "ALL CAPS SHOUTING WITH NUMBERS 123ABC ABC123 a1b2c3", "camelCaseWord PascalCase snake_case kebab-case",
    "http://example.com/path?query=1&x=y#frag email@example.org @handle #tag",
    "a  b\t\tc\n\nd \r\n e", "   leading and trailing   ", "\n",
    "word" * 30, " ".join(["tok"] * 300), " ".join(["x"] * 254), " ".join(["x"] * 255), " ".join(["xyz"] * 200),
    "x ≠ y ≮ z ∉ w “quoted” it’s naïve’s — café’s ‘Ω’ Å K ⇍ ℃", "a\u2000b\u2001c \u20d0d\u0338e \u0f39f \U0001d165g",
    "unaffable unbelievable unrecognizable immunohistochemistry lymphadenopathy",
]


def ensure_tokenizers(venv):
    python = pathlib.Path(venv) / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "tokenizers"], check=True)
    return python


def sampled_texts(shared):
    texts = []
    pdq = pathlib.Path(shared) / "data" / "nci-pdq"
    if pdq.is_dir():
        files = sorted(pdq.rglob("*.md"))
        rng = random.Random(7)
        for path in rng.sample(files, min(40, len(files))):
            lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            texts.extend(rng.sample(lines, min(5, len(lines))))
    corpus = pathlib.Path(shared) / "data" / "scifact" / "corpus.jsonl"
    if corpus.is_file():
        with corpus.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if number % 50 == 0:
                    record = json.loads(line)
                    texts.append(record.get("title", "") + " " + record.get("text", ""))
    return texts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(PROJECT.parent / "shared"))
    parser.add_argument("--venv", default="/tmp/evident-tokenizers-venv")
    arguments = parser.parse_args()
    if os.environ.get("EVIDENT_FIXTURE_CHILD") != "1":
        python = ensure_tokenizers(arguments.venv)
        environment = dict(os.environ, EVIDENT_FIXTURE_CHILD="1")
        command = [str(python), __file__, "--shared", arguments.shared, "--venv", arguments.venv]
        sys.exit(subprocess.run(command, env=environment).returncode)

    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(MODEL))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=256)
    texts = CASES + sampled_texts(arguments.shared)
    with FIXTURE.open("w", encoding="utf-8") as output:
        for text in texts:
            ids = tokenizer.encode(text).ids
            output.write(json.dumps({"text": text, "ids": ids}, ensure_ascii=False) + "\n")
    print(f"wrote {len(texts)} cases to {FIXTURE.relative_to(PROJECT)}")


if __name__ == "__main__":
    main()
