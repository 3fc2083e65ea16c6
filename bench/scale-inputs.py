#!/usr/bin/env python3
"""Writes the inputs of bench/budget.mjs's scale rows into a folder:

- long.txt: a 15,000-paragraph speech (the first 40 characters of the
  built-in speech's paragraphs,
  numbered, under a title and a date line);
- project.qdpx: a REFI-QDA 1.0 project whose one text source is long.txt,
  with 300 codes and 1,000 codings by two users, spread over the text
  (positions in code points; the text is all in the BMP, so UTF-16 reads
  the same).

Usage: python3 bench/scale-inputs.py OUT_FOLDER [PARAGRAPHS] [CODES] [CODINGS]
"""
import sys
import zipfile
from pathlib import Path

out = Path(sys.argv[1])
paragraphs = int(sys.argv[2]) if len(sys.argv) > 2 else 15000
codes = int(sys.argv[3]) if len(sys.argv) > 3 else 300
codings = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
root = Path(__file__).resolve().parent.parent
speech = (root / "assets" / "speech-foreign-trade-2022-07-14.txt").read_text(encoding="utf-8")
source = [line for line in speech.split("\n") if len(line) > 60]

lines = ["一万五千段讲话", "时间:2022-07-14"]
for i in range(paragraphs):
    lines.append(f"{source[i % len(source)][:40]}（第{i}段）")
text = "\n".join(lines) + "\n"
out.mkdir(parents=True, exist_ok=True)
(out / "long.txt").write_text(text, encoding="utf-8")

# Code-point offset of each paragraph line.
starts, pos = [], 0
for line in lines:
    starts.append((pos, pos + len(line)))
    pos += len(line) + 1

src = "aaaaaaaa-0000-4000-8000-000000000001"
users = ["bbbbbbbb-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"]
code = lambda i: f"eeeeeeee-0000-4000-8000-{i:012d}"
parts = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<Project xmlns="urn:QDA-XML:project:1.0" name="budget" origin="bench/scale-inputs.py">',
    "<Users>",
    *(f'<User guid="{u}" name="Coder {n + 1}"/>' for n, u in enumerate(users)),
    "</Users><CodeBook><Codes>",
    *(f'<Code guid="{code(i)}" name="代码 {i} code {i}" isCodable="true"/>' for i in range(codes)),
    "</Codes></CodeBook><Sources>",
    f'<TextSource guid="{src}" name="一万五千段讲话" plainTextPath="internal://{src}.txt">',
]
step = max(1, paragraphs // codings)
for k in range(codings):
    line = 2 + (k * step) % paragraphs
    start, end = starts[line]
    user = users[k % 2]
    parts.append(
        f'<PlainTextSelection guid="cccccccc-0000-4000-8000-{k:012d}" startPosition="{start}" endPosition="{end}" creatingUser="{user}">'
        f'<Coding guid="dddddddd-0000-4000-8000-{k:012d}" creatingUser="{user}"><CodeRef targetGUID="{code(k % codes)}"/></Coding>'
        "</PlainTextSelection>"
    )
parts.append("</TextSource></Sources></Project>\n")
with zipfile.ZipFile(out / "project.qdpx", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("project.qde", "".join(parts))
    z.writestr(f"sources/{src}.txt", text)
print(f"{out}: long.txt ({paragraphs} paragraphs, {len(text)} chars), project.qdpx ({codes} codes, {codings} codings)")
