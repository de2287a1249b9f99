#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Print candidate mutants of C files, in the format of tests/mutants/mutants.txt.

Usage: candidates.py [--map tests/mutants/map.txt] [--start N] FILE...

The output is raw material: pick the lines whose change alters a verdict, a
secret's protection or a written file (not a log line), renumber them, and
append them to tests/mutants/mutants.txt (docs/testing.md).  Kinds:
  comparison  == <-> !=, < <-> <=, > <-> >=
  constant    a file mode loses or gains a bit (0600 -> 0640), a number +1
  branch      if (COND) -> if (1) and if (0)
  call        a call statement -> (void)0
"""

import argparse
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutate  # noqa: E402  (map parsing)

CMP = [(" == ", " != "), (" != ", " == "), (" < ", " <= "), (" <= ", " < "),
       (" > ", " >= "), (" >= ", " > ")]
MODE = re.compile(r"\b0[0-7]{3,4}\b")
NUM = re.compile(r"(?<![\w.])([1-9][0-9]*)(?![\w.])")
IF = re.compile(r"^(\s*(?:\}\s*else\s+)?if\s*)\((.*)\)\s*(\{?)\s*$")
CALL = re.compile(r"^\s*(?:\(void\)\s*)?[a-z_][a-z0-9_]*\s*\(.*\);\s*$")
NOISE = re.compile(r"\b(fprintf|printf|warnx?|errx?|log_\w+|msg_\w+|debug|snprintf|"
                   r"buf_\w*printf|perror|assert)\b")


def flip_mode(tok):
    """0600 -> 0640 (group read), 0700 -> 0750, 077 -> 070 style: one bit."""
    v = int(tok, 8)
    if v & 0o040:
        nv = v & ~0o040
    else:
        nv = v | 0o040
    return "0%o" % nv if len(tok) <= 4 else "0%04o" % nv


def balanced(s):
    d = 0
    for c in s:
        d += c == "("
        d -= c == ")"
        if d < 0:
            return False
    return d == 0


def candidates(path):
    out = []
    in_comment = False
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if in_comment:
            if "*/" in s:
                in_comment = False
            continue
        if s.startswith("/*"):
            in_comment = "*/" not in s
            continue
        if not s or s.startswith("*") or s.startswith("#") or NOISE.search(s):
            continue
        for a, b in CMP:
            if line.count(a) == 1:
                out.append((n, "comparison", a.strip(), b.strip(), s))
        for m in MODE.finditer(line):
            if line.count(m.group(0)) == 1:
                out.append((n, "constant", m.group(0), flip_mode(m.group(0)), s))
        if re.search(r"[<>]=?\s*\(?\w*\s*[0-9]", line) or "MAX" in line or "max" in line:
            for m in NUM.finditer(line):
                t = m.group(1)
                if line.count(t) == 1 and not MODE.fullmatch(t):
                    out.append((n, "constant", t, str(int(t) + 1), s))
        mi = IF.match(line)
        if mi and balanced(mi.group(2)):
            cond = "(%s)" % mi.group(2)
            if line.count(cond) == 1:
                out.append((n, "branch", cond, "(1)", s))
                out.append((n, "branch", cond, "(0)", s))
        if CALL.match(line) and not s.startswith(("return", "if", "while", "for")):
            out.append((n, "call", s, "(void)0;", s))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--map", default="tests/mutants/map.txt")
    ap.add_argument("--start", type=int, default=1)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    rules = mutate.parse_map(a.map)
    i = a.start
    for path in a.files:
        tests = mutate.map_tests(rules, path) or []
        for n, kind, orig, repl, s in candidates(path):
            print("C%04d %s:%d %s %s %s tests=%s" % (
                i, path, n, kind, shlex.quote(orig), shlex.quote(repl), ",".join(tests)))
            i += 1


if __name__ == "__main__":
    main()
