#!/usr/bin/env python3
"""Builds the pruned jieba dictionary (with IDF) the key-term worker loads.

jieba-rs ships a 349,046-word dictionary (5.1 MB) and a 270,131-word IDF
table (6.2 MB): 5.4 MB of gzip together. Words seen fewer than MIN_FREQ
times in jieba's corpus are dropped (rare names and compounds, which the
cut splits into known parts). Each kept line is `word freq tag [idf]`: jieba
reads the first three columns and ignores the fourth; the IDF (two decimals)
is kept only for parts of speech a key term can have. The first line records
the median IDF of the *full* table, which words without one get, so that
rankings match the full data. Policy phrases are added by the app at
start-up.

Usage: python3 scripts/prune-dictionary.py [path/to/jieba-rs/src/data]
Without a path it finds jieba-rs through `cargo metadata`.
"""
import json
import os
import statistics
import subprocess
import sys

MIN_FREQ = 5
OUT = os.path.join(os.path.dirname(__file__), "..", "assets", "jieba")


def jieba_data_dir():
    meta = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1"]))
    for p in meta["packages"]:
        if p["name"] == "jieba-rs":
            return os.path.join(os.path.dirname(p["manifest_path"]), "src", "data")
    sys.exit("jieba-rs not found in cargo metadata")


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else jieba_data_dir()
    kept = []
    with open(os.path.join(data, "dict.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and int(parts[1]) >= MIN_FREQ:
                kept.append(parts)
    keyword_pos = {"n", "nr", "ns", "nt", "nz", "nrt", "vn", "an", "v", "l", "i", "j", "eng"}
    words = {p[0] for p in kept if len(p) > 2 and p[2] in keyword_pos}
    idf_all, idf_kept = [], {}
    with open(os.path.join(data, "idf.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                value = float(parts[1])
                idf_all.append(value)
                if parts[0] in words:
                    idf_kept[parts[0]] = value
    median = sorted(idf_all)[(len(idf_all) - 1) // 2]  # jieba-rs's lower median
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "dict.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(f"#median-idf {median:.2f}\n")
        for p in kept:
            idf = idf_kept.get(p[0])
            f.write(" ".join(p[:3]) + (f" {idf:.2f}" if idf is not None else "") + "\n")
    print(f"dict: {len(kept)} of {sum(1 for _ in open(os.path.join(data, 'dict.txt'), encoding='utf-8'))} words; "
          f"idf: {len(idf_kept)} of {len(idf_all)}; median {median:.2f}")


if __name__ == "__main__":
    main()
