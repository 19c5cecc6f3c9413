#!/usr/bin/env python3
"""Writes Tests/EvidentTests/Fixtures/verifier-parity.json: for a dozen claim/evidence pairs, the token ids and
segments of "[CLS] claim [SEP] evidence [SEP]" (cut to 48 tokens, longest first) and the probabilities that
Scripts/verifier/train.py's PyTorch cross-encoder gives them, built from all-MiniLM-L6-v2 with a classifier whose
weights follow a fixed formula (weight[i][j] = 0.05 sin(0.37 (i·384 + j) + 1), bias 0.1, -0.2, 0.05), so that the
Swift test can build the same verifier without any trained weights and must get the same numbers.

Usage: Scripts/train-verifier.sh makes the virtual environment; then
    Scripts/.venv-train/bin/python Scripts/verifier/make-parity-fixture.py
"""
import json
import math
import pathlib
import sys

import torch
from safetensors.torch import load_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from train import LABELS, CrossEncoder, PairEncoder  # noqa: E402

PROJECT = pathlib.Path(__file__).resolve().parent.parent.parent
BASE = PROJECT / "Models" / "all-MiniLM-L6-v2"
FIXTURE = PROJECT / "Tests" / "EvidentTests" / "Fixtures" / "verifier-parity.json"
LIMIT = 48
BIAS = [0.1, -0.2, 0.05]

PAIRS = [
    ("Pemetrexed with cisplatin is a first-line treatment for pleural mesothelioma.",
     "The combination of pemetrexed and cisplatin is standard first-line chemotherapy for unresectable mesothelioma."),
    ("Aspirin does not reduce the risk of colorectal cancer.",
     "Daily aspirin reduced the incidence of colorectal cancer by 24% over 20 years."),
    ("CAR T-cell therapy is approved for mesothelioma.",
     "CAR T-cell therapy for mesothelioma is available only in clinical trials."),
    ("Smoking increases lung cancer risk.", "Tea is a popular drink in many countries."),
    ("", "An empty claim still makes a pair."),
    ("A claim with an empty evidence text.", ""),
    ("Naïve T cells — CD4⁺ and CD8⁺ — respond to 10 µg/mL of antigen (p < 0.05).",
     "Ångström-scale résumé: 3.14 ± 0.5 and “quoted” text, 中文 too."),
    ("Radiation therapy after surgery lowers the chance that the cancer comes back in the chest, and it is often "
     "given together with chemotherapy for patients who are fit enough to have both treatments at once.",
     "Short evidence."),
    ("Short claim.",
     "Adjuvant radiotherapy to the hemithorax after extrapleural pneumonectomy has been studied in several trials, "
     "with local control rates that varied widely between centres and with toxicity that limited its use in "
     "patients with poor lung function or other serious illnesses."),
    ("Immunotherapy with nivolumab and ipilimumab improves overall survival in mesothelioma compared with "
     "chemotherapy in the first line setting for most patients",
     "In CheckMate 743, nivolumab plus ipilimumab improved overall survival versus platinum plus pemetrexed "
     "chemotherapy in previously untreated unresectable malignant pleural mesothelioma patients"),
    ("Vitamin D supplements prevent cancer.", "Vitamin D supplementation did not reduce the incidence of invasive cancer."),
    ("BRCA1 mutations raise breast cancer risk.", "Women with BRCA1 mutations have a higher lifetime risk of breast cancer."),
]


def main():
    config = json.loads((BASE / "config.json").read_text())
    hidden = config["hidden_size"]
    model = CrossEncoder(config, load_file(str(BASE / "model.safetensors")), config["num_hidden_layers"], len(LABELS))
    with torch.no_grad():
        for i in range(len(LABELS)):
            for j in range(hidden):
                model.params["classifier__weight"][i, j] = 0.05 * math.sin(0.37 * (i * hidden + j) + 1)
        model.params["classifier__bias"].copy_(torch.tensor(BIAS))
    model.eval()
    encoder = PairEncoder(BASE, LIMIT)
    cases = []
    with torch.no_grad():
        for claim, evidence in PAIRS:
            ids, types = encoder.encode(claim, evidence)
            logits = model(torch.tensor([ids]), torch.tensor([types]), torch.ones(1, len(ids), dtype=torch.long))
            probabilities = logits.softmax(-1)[0].tolist()
            cases.append({"claim": claim, "evidence": evidence, "ids": ids, "segments": types,
                          "logits": dict(zip(LABELS, logits[0].tolist())),
                          "probabilities": dict(zip(LABELS, probabilities))})
    FIXTURE.write_text(json.dumps({"limit": LIMIT, "bias": BIAS, "labels": LABELS, "cases": cases}, indent=1,
                                  ensure_ascii=False) + "\n")
    print(f"wrote {FIXTURE} ({len(cases)} pairs)")


if __name__ == "__main__":
    main()
