#!/usr/bin/env python3
"""Reference figures for the corpus agreement test (core/src/corpus/tests.rs).

Reads agreement_fixture.json (3 coders x 5 documents) beside this script,
applies the status rules as docs/agreement.md states them, written here
independently of the Rust code, and computes the figures with other
people's implementations:

- Krippendorff's alpha (nominal) with the `krippendorff` package
  (PyPI `krippendorff`, `krippendorff.alpha(reliability_data=...,
  level_of_measurement="nominal")`);
- Cohen's kappa per pair with scikit-learn's `cohen_kappa_score`;
- percent agreement (the pooled share of agreeing pairs) by counting.

Writes agreement_expected.json beside this script, which the test reads.

    python3 -m pip install krippendorff scikit-learn
    python3 core/tests/reference/agreement_reference.py
"""

import itertools
import json
import math
import pathlib
from importlib.metadata import version

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

HERE = pathlib.Path(__file__).resolve().parent
fixture = json.loads((HERE / "agreement_fixture.json").read_text(encoding="utf-8"))
THEMES = fixture["themes"]
CODERS = sorted(c["id"] for c in fixture["coders"])  # corpus coders, by id


def values(doc, coder, rule):
    """One coder's values on a document: a list over paragraphs of None
    (missing) or the set of themes present, under `rule`: "done" (every
    paragraph counts; untagged is absent; a not-coded mark is missing) or
    "reading" (paragraphs up to the last one touched count)."""
    c = doc["coders"][coder]
    n = len(doc["paragraphs"])
    tags = {int(i): set(t) for i, t in c["tags"].items()}
    marked = set(c["uncoded"])
    if rule == "done":
        reach = n
    else:
        touched = set(tags) | marked
        reach = max(touched) + 1 if touched else 0
    return [None if (i >= reach or i in marked) else tags.get(i, set()) for i in range(n)]


def alpha(matrix):
    """Krippendorff's alpha (nominal) of a coders x units matrix of 0, 1
    and None, by the `krippendorff` package; None where it is undefined."""
    data = np.array([[np.nan if v is None else float(v) for v in row] for row in matrix])
    pairable = [u for u in range(data.shape[1]) if np.sum(~np.isnan(data[:, u])) >= 2]
    if not pairable or len(set(data[:, pairable][~np.isnan(data[:, pairable])])) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def kappa(a, b):
    """Cohen's kappa of two coders over the units both coded (scikit-learn);
    None without a shared unit or when both used one and the same value."""
    shared = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if not shared:
        return None
    xs, ys = zip(*shared)
    if len(set(xs) | set(ys)) < 2:
        return None
    k = cohen_kappa_score(xs, ys)
    return None if math.isnan(k) else float(k)


def percent(matrix):
    """(agreeing pairs, pairs) over units with two or more values."""
    agree = pairs = 0
    for u in range(len(matrix[0]) if matrix else 0):
        vals = [row[u] for row in matrix if row[u] is not None]
        for x, y in itertools.combinations(vals, 2):
            pairs += 1
            agree += x == y
    return agree, pairs


def pairable_units(matrix):
    return sum(1 for u in range(len(matrix[0]) if matrix else 0) if sum(row[u] is not None for row in matrix) >= 2)


def figures(matrix, coders):
    agree, pairs = percent(matrix)
    return {
        "alpha": alpha(matrix),
        "units": pairable_units(matrix),
        "agreeing_pairs": agree,
        "pairs": pairs,
        "kappa": {f"{coders[i]}|{coders[j]}": kappa(matrix[i], matrix[j])
                  for i, j in itertools.combinations(range(len(coders)), 2)},
    }


def theme_rows(doc, coders, rules, theme):
    """Coders x paragraphs matrix of one theme: 1 present, 0 absent, None missing."""
    rows = []
    for coder in coders:
        rule = rules.get(coder)
        vs = values(doc, coder, rule) if rule else [None] * len(doc["paragraphs"])
        rows.append([None if v is None else int(theme in v) for v in vs])
    return rows


def side_by_side(blocks):
    """Coders x units: the matrices of `blocks` joined column-wise."""
    return [sum((b[c] for b in blocks), []) for c in range(len(blocks[0]))] if blocks else []


# The corpus: documents at least two coders marked done, their done coders only.
corpus_docs = []
for doc in fixture["documents"]:
    done = [c for c in CODERS if doc["coders"][c]["status"] == "done"]
    if len(done) >= 2:
        corpus_docs.append((doc, {c: "done" for c in done}))

per_theme = {t: [theme_rows(d, CODERS, r, t) for d, r in corpus_docs] for t in THEMES}
themes_out = {}
for t in THEMES:
    f = figures(side_by_side(per_theme[t]), CODERS)
    f["documents"] = sum(1 for m in per_theme[t] if pairable_units(m) > 0)
    themes_out[t] = f
overall = figures(side_by_side([m for t in THEMES for m in per_theme[t]]), CODERS)

per_document = []
for doc, rules in corpus_docs:
    blocks = [theme_rows(doc, CODERS, rules, t) for t in THEMES]
    paragraphs = pairable_units(blocks[0])
    disagreeing = sum(
        1 for u in range(len(doc["paragraphs"]))
        if any(len({row[u] for row in b if row[u] is not None}) > 1 for b in blocks)
    )
    per_document.append({
        "title": doc["title"],
        "coders": sorted(rules),
        "units": paragraphs,
        "alpha": alpha(side_by_side(blocks)),
        "disagreements": disagreeing,
    })

# The per-document panel: every coder, each under the rule of their status.
panel = []
for doc in fixture["documents"]:
    rules = {c: ("done" if doc["coders"][c]["status"] == "done" else "reading") for c in CODERS}
    blocks = [theme_rows(doc, CODERS, rules, t) for t in THEMES]
    f = figures(side_by_side(blocks), CODERS)
    panel.append({"title": doc["title"], "alpha": f["alpha"], "units": f["units"],
                  "agreeing_pairs": f["agreeing_pairs"], "pairs": f["pairs"]})

expected = {
    "produced_by": f"core/tests/reference/agreement_reference.py with krippendorff {version('krippendorff')} "
                   f"and scikit-learn {version('scikit-learn')} (cohen_kappa_score)",
    "corpus": {
        "documents": len(corpus_docs),
        "units": sum(d["units"] for d in per_document),
        "coders": CODERS,
        "overall": overall,
        "themes": themes_out,
        "per_document": per_document,
    },
    "panel": panel,
}
(HERE / "agreement_expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(json.dumps({"corpus alpha": overall["alpha"], **{t: themes_out[t]["alpha"] for t in THEMES}}, indent=1))
