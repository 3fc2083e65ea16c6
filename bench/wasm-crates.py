#!/usr/bin/env python3
"""Bytes of a wasm module's code and data by crate, from its name section.

Usage: python3 bench/wasm-crates.py target/wasm32-unknown-unknown/release/speech-annotator.wasm [rows]

Reads the module cargo writes before wasm-bindgen and wasm-opt (it keeps the
`name` custom section), sums each function body's size under the crate its
(legacy or v0) mangled name starts with, and prints the largest crates. Data
segments are reported as one row: they cannot be attributed by name. Sizes
are before wasm-opt, so they overstate the shipped bytes by about a third,
but the differences between two builds are what a crate costs.
"""
import re
import sys
from collections import Counter


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def crate_of(name):
    m = re.match(r"_ZN(\d+)", name)
    if m:
        n = int(m.group(1))
        start = m.end()
        seg = name[start:start + n]
        if seg.startswith("_$LT$"):  # <T as crate::Trait>: the first path named
            p = re.search(r"([a-z_][a-z0-9_]*)\.\.", seg)
            return p.group(1) if p else "(impl)"
        return seg
    m = re.match(r"_R[A-Za-z]*?C(?:s[0-9a-zA-Z_]*_)?(\d+)", name)
    if m:
        n = int(m.group(1))
        return name[m.end():m.end() + n]
    return "(other: " + name.split("(")[0][:24] + ")" if not name.startswith("_") else "(unmangled)"


def main(path):
    b = open(path, "rb").read()
    assert b[:4] == b"\0asm", "not a wasm module"
    i = 8
    bodies, names, data, imports = [], {}, 0, 0
    while i < len(b):
        sid = b[i]
        size, j = leb(b, i + 1)
        end = j + size
        if sid == 2:  # imports: count imported functions (they shift indices)
            n, k = leb(b, j)
            for _ in range(n):
                l, k = leb(b, k); k += l
                l, k = leb(b, k); k += l
                kind = b[k]; k += 1
                if kind == 0:
                    _, k = leb(b, k); imports += 1
                elif kind == 1:
                    k += 1; lim = b[k]; k += 1; _, k = leb(b, k)
                    if lim & 1: _, k = leb(b, k)
                elif kind == 2:
                    lim = b[k]; k += 1; _, k = leb(b, k)
                    if lim & 1: _, k = leb(b, k)
                elif kind == 3:
                    k += 2
        elif sid == 10:
            n, k = leb(b, j)
            for _ in range(n):
                l, k2 = leb(b, k)
                bodies.append(l + (k2 - k))
                k = k2 + l
        elif sid == 11:
            data += size
        elif sid == 0:
            l, k = leb(b, j)
            if b[k:k + l] == b"name":
                k += l
                while k < end:
                    sub = b[k]
                    ssize, k2 = leb(b, k + 1)
                    if sub == 1:
                        n, q = leb(b, k2)
                        for _ in range(n):
                            idx, q = leb(b, q)
                            l2, q = leb(b, q)
                            names[idx] = b[q:q + l2].decode("utf8", "replace")
                            q += l2
                    k = k2 + ssize
        i = end
    by = Counter()
    for n, size in enumerate(bodies):
        by[crate_of(names.get(n + imports, "?"))] += size
    total = sum(bodies) + data
    print(f"{'crate':32} {'bytes':>10}")
    for crate, size in by.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 25):
        print(f"{crate:32} {size:>10}")
    print(f"{'(data segments)':32} {data:>10}")
    print(f"{'total code + data':32} {total:>10}")


if __name__ == "__main__":
    main(sys.argv[1])
