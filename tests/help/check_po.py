#!/usr/bin/env python3
"""The Spanish catalogue is complete and current.

Fails when po/es.po has an untranslated or fuzzy entry, a format string that does not match
its msgid (msgfmt --check), a msgid the sources no longer have, or when the sources have a
msgid es.po lacks (xgettext to a temporary template, then msgcmp).

usage: check_po.py SOURCE_ROOT MSGFMT XGETTEXT MSGCMP
"""
import os
import re
import subprocess
import sys
import tempfile

# Must match the arguments in po/meson.build.
XGETTEXT_ARGS = ["--keyword=_", "--keyword=N_", "--keyword=help_tr", "--from-code=UTF-8",
                 "--flag=help_tr:1:c-format", "--flag=_:1:c-format", "--flag=N_:1:c-format"]


def msgids(path):
    """The msgids of a PO file (obsolete entries skipped), header excluded."""
    ids, cur, field = [], None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#~"):
                continue
            m = re.match(r'(msgid|msgstr|msgctxt|msgid_plural)\s+"(.*)"$', line)
            if m:
                field = m.group(1)
                if field == "msgid":
                    cur = m.group(2)
                    ids.append(cur)
                continue
            if line.startswith('"') and field == "msgid":
                ids[-1] += line[1:-1]
    return {i for i in ids if i}


def main():
    root, msgfmt, xgettext, msgcmp = sys.argv[1:5]
    po = os.path.join(root, "po", "es.po")
    failures = []
    r = subprocess.run([msgfmt, "--check", "--statistics", "-o", os.devnull, po],
                       capture_output=True, text=True, timeout=60)
    stats = (r.stdout + r.stderr).strip()
    print("msgfmt:", stats)
    if r.returncode != 0:
        failures.append("msgfmt --check failed: " + stats)
    if "untranslated" in stats or "fuzzy" in stats:
        failures.append("es.po has untranslated or fuzzy entries: " + stats)
    with open(os.path.join(root, "po", "POTFILES.in"), encoding="utf-8") as f:
        sources = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "ehlo.pot")
        r = subprocess.run([xgettext] + XGETTEXT_ARGS + ["-o", pot] + sources, cwd=root,
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            failures.append("xgettext failed: " + r.stderr)
        else:
            r = subprocess.run([msgcmp, po, pot], capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                failures.append("msgcmp: the sources have strings es.po lacks:\n" + r.stderr)
            stale = msgids(po) - msgids(pot)
            if stale:
                failures.append("es.po has %d msgids the sources no longer have, e.g. %r"
                                % (len(stale), sorted(stale)[0]))
            print("sources:", len(msgids(pot)), "msgids; es.po:", len(msgids(po)))
    if failures:
        for f in failures:
            print("FAIL:", f)
        sys.exit(1)
    print("ok: es.po is complete and matches the sources")


if __name__ == "__main__":
    main()
