#!/usr/bin/env python3
"""The committed enhanced-code table matches IANA's registry (the CSV kept beside it): every
code of the CSV is in help-enhanced-table.c with its IANA title and a meaning of ours, and
the table has nothing else. Run help/gen-enhanced.py when the registry changes.

usage: check_enhanced.py SOURCE_ROOT
"""
import csv
import os
import re
import sys

root = sys.argv[1]
with open(os.path.join(root, "help", "iana-smtp-enhanced-status-codes.csv"), newline="",
          encoding="utf-8") as f:
    iana = {}
    for r in csv.DictReader(f):
        m = re.fullmatch(r"X\.(\d+)\.(\d+)", r["Code"].strip())
        iana[(int(m.group(1)), int(m.group(2)))] = re.sub(r"\s+", " ", r["Sample Text"]).strip()
with open(os.path.join(root, "help", "help-enhanced-table.c"), encoding="utf-8") as f:
    text = f.read()
# Rows: {subject, detail, N_("title" "..."), N_("meaning" ...), "basic", "refs"},
rows = {}
for m in re.finditer(r'\{(\d+), (\d+),\s*N_\(((?:\s*"(?:[^"\\]|\\.)*")+)\),\s*N_\(((?:\s*"(?:[^"\\]|\\.)*")+)\)',
                     text):
    join = lambda s: "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', s)).replace('\\"', '"')
    rows[(int(m.group(1)), int(m.group(2)))] = (join(m.group(3)), join(m.group(4)))
fail = []
for code, title in sorted(iana.items()):
    if code not in rows:
        fail.append("X.%d.%d missing from the table" % code)
    elif title and rows[code][0] != title:
        fail.append("X.%d.%d title %r, IANA says %r" % (code + (rows[code][0], title)))
    elif len(rows[code][1]) < 20:
        fail.append("X.%d.%d has no real meaning" % code)
for code in sorted(set(rows) - set(iana)):
    fail.append("X.%d.%d is not in the registry" % code)
print("IANA codes: %d, table rows: %d" % (len(iana), len(rows)))
for f in fail:
    print("FAIL:", f)
sys.exit(1 if fail else 0)
