#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/scan-repos/score.py: precision and recall of `k3sguard scan` on the
labeled real repositories.

usage: score.py K3SGUARD TREE [LABELS]
  TREE    a directory holding one directory per repository (named as in
          repos.tsv): tests/fixtures/scan-repos, or the checkouts fetch.sh
          makes.  Each repository is given to scan as its own root.
  LABELS  bench/scan-repos/labels.tsv (default: beside this script):
          file, line, expected rule or "none", reason.
PER_REPO=1 in the environment adds one line of counts per repository;
SCORE_MIN_REPOS (default 10) is how many repositories TREE must hold.

A finding is a true positive when its (file, line, rule) is labeled with
that rule; every other finding, labeled "none" or not labeled at all, is a
false positive.  Exit 1 when precision < 0.95 or recall < 0.90.
"""
import json
import os
import subprocess
import sys

P_TARGET, R_TARGET = 0.95, 0.90


def read_labels(path):
    pos, neg = set(), set()
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 4 or not fields[3]:
                sys.exit("score.py: %s: a label needs file, line, rule and reason: %r" % (path, line))
            key = (fields[0], int(fields[1]))
            if fields[2] == "none":
                neg.add(key)
            else:
                pos.add(key + (fields[2],))
    return pos, neg


def scan(k3sguard, tree, repos):
    r = subprocess.run([k3sguard, "scan", "--format", "json"] + repos, cwd=tree,
                       stdout=subprocess.PIPE, text=True)
    if r.returncode not in (0, 1):
        sys.exit("score.py: k3sguard scan exited %d" % r.returncode)
    return {(f["file"], f["line"], f["rule"]) for f in json.loads(r.stdout)["findings"]}


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    k3sguard, tree = os.path.abspath(sys.argv[1]), sys.argv[2]
    labels = sys.argv[3] if len(sys.argv) == 4 else os.path.join(here, "labels.tsv")
    pos, neg = read_labels(labels)
    repos = sorted(d for d in os.listdir(tree) if os.path.isdir(os.path.join(tree, d)))
    need = int(os.environ.get("SCORE_MIN_REPOS", "10"))
    if len(repos) < need:
        sys.exit("score.py: %s holds %d repositories, the benchmark needs %d" % (tree, len(repos), need))
    got = scan(k3sguard, tree, repos)
    tp, fp, fn = got & pos, got - pos, pos - got
    precision = len(tp) / len(got) if got else 1.0
    recall = len(tp) / len(pos) if pos else 1.0
    for f in sorted(fp):
        why = "labeled none" if f[:2] in neg else "not labeled"
        print("false positive (%s): %s:%d %s" % (why, f[0], f[1], f[2]))
    for f in sorted(fn):
        print("missed: %s:%d %s" % f)
    if os.environ.get("PER_REPO"):
        for r in repos:
            rg = {f for f in got if f[0].split("/")[0] == r}
            rp = {f for f in pos if f[0].split("/")[0] == r}
            print("  %-45s findings %2d true %2d false %2d missed %2d" %
                  (r, len(rg), len(rg & rp), len(rg - rp), len(rp - rg)))
    print("repositories %d, labeled lines %d (%d findings expected, %d not)" %
          (len(repos), len(pos) + len(neg), len(pos), len(neg)))
    print("findings %d: true %d, false %d, missed %d" % (len(got), len(tp), len(fp), len(fn)))
    print("precision %.3f (target >= %.2f), recall %.3f (target >= %.2f)" %
          (precision, P_TARGET, recall, R_TARGET))
    return 0 if precision >= P_TARGET and recall >= R_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
