#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""k3sguard's own mutation run (docs/testing.md, `make mutate`).

Each mutant of tests/mutants/mutants.txt is applied to a COPY of the source
tree ($B-mutate/tree, never the checkout), the copy is rebuilt incrementally
(the changed object, the library, the binary and the unit tests it needs) and
the tests mapped to the mutant's file run, each under a timeout.  A mutant is
killed when one of its tests fails, timed out when one hangs (stopped), and it
survives when all pass.  Equivalent mutants (marked in the list) are not run.

Usage: mutate.py [--only PATTERN] [--report FILE] [--min PERCENT]
  B (environment, default "build"): the scratch dir is "$B-mutate".
  MUTATE_ONLY (environment) or --only: fnmatch pattern(s), space-separated,
  on the mutant id or its file ("M01*", "src/nft/*").
Exit: 0 when the kill ratio reaches --min (default 90), 1 below it, 2 when
the run cannot be made (a mutant's text is not found, the base build or a
test fails before any mutation).
"""

import argparse
import fnmatch
import os
import queue
import select
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

KINDS = ("comparison", "constant", "branch", "call")


class Mutant:
    def __init__(self, mid, path, line, kind, orig, repl, tests, equiv, src):
        self.id = mid
        self.path = path
        self.line = line
        self.kind = kind
        self.orig = orig
        self.repl = repl
        self.tests = tests
        self.equiv = equiv
        self.src = src			# the line of mutants.txt, for the report
        self.status = None
        self.detail = ""
        self.seconds = 0.0


def die(msg):
    print("mutate: " + msg, file=sys.stderr)
    sys.exit(2)


def parse_map(path):
    """tests/mutants/map.txt: 'SRC_GLOB TEST_GLOB...' per line, first match wins."""
    rules = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            if len(words) < 2:
                die("%s:%d: a source glob and at least one test glob" % (path, n))
            rules.append((words[0], words[1:]))
    return rules


def map_tests(rules, src):
    for glob, tests in rules:
        if fnmatch.fnmatch(src, glob):
            return tests
    return None


def parse_mutants(path, rules):
    """One mutant a line: ID FILE:LINE KIND ORIG REPL [tests=A,B] [equivalent=WHY]
    (shell quoting, so ORIG and REPL may hold spaces)."""
    out, seen = [], set()
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            where = "%s:%d" % (path, n)
            try:
                w = shlex.split(text)
            except ValueError as e:
                die("%s: %s" % (where, e))
            if len(w) < 5:
                die("%s: want ID FILE:LINE KIND ORIG REPL" % where)
            mid, loc, kind, orig, repl = w[:5]
            if mid in seen:
                die("%s: mutant id %s used twice" % (where, mid))
            seen.add(mid)
            if kind not in KINDS:
                die("%s: kind %r is not one of %s" % (where, kind, ", ".join(KINDS)))
            file_, _, ln = loc.rpartition(":")
            if not file_ or not ln.isdigit():
                die("%s: %r is not FILE:LINE" % (where, loc))
            if orig == repl or not orig:
                die("%s: the replacement must differ from a non-empty original" % where)
            tests, equiv = None, None
            for opt in w[5:]:
                if opt.startswith("tests="):
                    tests = [t for t in opt[6:].split(",") if t]
                elif opt.startswith("equivalent="):
                    equiv = opt[len("equivalent="):].strip()
                    if not equiv:
                        die("%s: equivalent= needs the reason" % where)
                else:
                    die("%s: unknown field %r" % (where, opt))
            if tests is None:
                tests = map_tests(rules, file_)
            if not tests:
                die("%s: no tests for %s (tests= or a map.txt line)" % (where, file_))
            out.append(Mutant(mid, file_, int(ln), kind, orig, repl, tests, equiv, text))
    return out


def source_files(top):
    """The files of the checkout (tracked and new, not ignored)."""
    if os.path.isdir(os.path.join(top, ".git")) or os.path.isfile(os.path.join(top, ".git")):
        r = subprocess.run(["git", "-C", top, "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], stdout=subprocess.PIPE, check=True)
        return [p for p in r.stdout.decode().split("\0") if p]
    die("%s is not a git checkout (run it from a clone)" % top)


def sync_tree(top, tree):
    """Copy the checkout into the scratch tree; a file is rewritten only when
    its bytes differ, so make's timestamps stay right for the next build."""
    files = source_files(top)
    for rel in files:
        src = os.path.join(top, rel)
        dst = os.path.join(tree, rel)
        if not os.path.isfile(src) or os.path.islink(src):
            if os.path.islink(src):
                if os.path.lexists(dst):
                    os.remove(dst)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                os.symlink(os.readlink(src), dst)
            continue
        with open(src, "rb") as f:
            data = f.read()
        try:
            with open(dst, "rb") as f:
                same = f.read() == data
        except FileNotFoundError:
            same = False
        if not same:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(data)
            shutil.copymode(src, dst)


def unit_names(tests):
    return [t for t in tests if t.startswith("u-")]


def build(tree, bdir, units, log, jobs=1):
    targets = [os.path.join(bdir, "k3sguard")]
    for u in units:
        if u == "u-gate-walk":
            targets.append(os.path.join(bdir, "tests", "u-gate"))
        targets.append(os.path.join(bdir, "tests", u))
    # two cores in all: -j2 for one build, -j1 each when copies build side by side
    # -Wno-error: a mutant may leave a variable unused, which -Werror would
    # turn into a build failure; the base build gets the same flags
    cmd = ["nice", "make", "-s", "-C", tree, "-j%d" % (2 if jobs == 1 else 1),
           "B=" + bdir, "CFLAGS=-Wno-error"] + targets
    with open(log, "ab") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    return r.returncode == 0


def run_one(tree, bdir, test, limit, log, stop_early=False):
    """Run one test file; returns ('pass'|'fail'|'timeout', seconds).
    stop_early: the first TAP "not ok" line is the verdict; the rest of the
    file is not waited for (its process group is stopped)."""
    if test.startswith("u-"):
        argv = [os.path.join(bdir, "tests", test)]
    else:
        argv = ["bash", os.path.join(tree, "tests", test)]
    env = dict(os.environ, B=bdir, K3SGUARD=os.path.join(bdir, "k3sguard"), TOP=tree)
    t0 = time.monotonic()
    with open(log, "ab") as f:
        f.write(("== %s\n" % test).encode())
        f.flush()
        p = subprocess.Popen(["nice"] + argv, cwd=tree, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        verdict = read_tap(p, f, t0 + limit, stop_early)
        if verdict in (None, "fail"):
            stop_group(p)
            if not p.stdout.closed:
                p.stdout.close()
            return ("timeout" if verdict is None else "fail"), time.monotonic() - t0
        rc = p.wait()
        # a test's leftover children (servers) must not outlive it
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return ("pass" if rc == 0 else "fail"), time.monotonic() - t0


def read_tap(p, f, deadline, stop_early):
    """Copy p's output to f until it ends ('done'), a "not ok" line when
    stop_early ('fail'), or the deadline (None)."""
    fd = p.stdout.fileno()
    pending = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not r:
            if p.poll() is not None:
                # exited; a child it left may hold the pipe open
                p.stdout.close()
                return "done"
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            p.stdout.close()
            return "done"
        f.write(chunk)
        f.flush()
        pending += chunk
        lines = pending.split(b"\n")
        pending = lines.pop()
        if stop_early and any(ln.startswith(b"not ok") for ln in lines):
            return "fail"


def stop_group(p):
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            return
        try:
            p.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def resolve_tests(tree, globs):
    """Test globs (u-*, tNNNN-*.sh) to test names that exist in the tree."""
    names = sorted(os.listdir(os.path.join(tree, "tests")))
    units = sorted("u-" + n[2:-2] for n in os.listdir(os.path.join(tree, "tests", "unit"))
                   if n.startswith("u-") and n.endswith(".c"))
    units.append("u-gate-walk")
    out = []
    for g in globs:
        pool = units if g.startswith("u-") else [n for n in names if n.endswith(".sh")]
        hit = [n for n in pool if fnmatch.fnmatch(n, g)]
        if not hit:
            die("test glob %r matches no test" % g)
        for h in hit:
            if h not in out:
                out.append(h)
    return out


def locate(lines, m):
    """The index of the line holding m.orig once: the given line, else the
    nearest within 30 lines (the file moved under the list)."""
    for d in range(0, 31):
        for i in (m.line - 1 - d, m.line - 1 + d) if d else (m.line - 1,):
            if 0 <= i < len(lines) and lines[i].count(m.orig) == 1:
                return i
    return -1


def apply(tree, m):
    path = os.path.join(tree, m.path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    i = locate(lines, m)
    if i < 0:
        return None
    lines[i] = lines[i].replace(m.orig, m.repl, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return text, i + 1


def restore(tree, m, text):
    with open(os.path.join(tree, m.path), "w", encoding="utf-8") as f:
        f.write(text)


def run_mutant(tree, bdir, m, limit, logs, jobs, stale):
    """Apply m to this copy, rebuild, run its tests (first failure stops), restore."""
    mt0 = time.monotonic()
    log = os.path.join(logs, m.id + ".log")
    open(log, "w").close()
    got = apply(tree, m)
    if got is None:
        m.status, m.detail = "unbuildable", "text not found"
        stale.append("%s: %r not found once at %s:%d (or within 30 lines); update the list"
                     % (m.id, m.orig, m.path, m.line))
        return
    text, at = got
    m.line = at
    try:
        if not build(tree, bdir, unit_names(m.tests), log, jobs):
            m.status, m.detail = "unbuildable", "build failed"
        else:
            m.status = "survived"
            for t in m.tests:
                st, _ = run_one(tree, bdir, t, limit[t], log, stop_early=True)
                if st != "pass":
                    m.status = "killed" if st == "fail" else "timeout"
                    m.detail = t
                    break
    finally:
        restore(tree, m, text)
    m.seconds = time.monotonic() - mt0


def write_report(path, muts, elapsed, commit, only, jobs):
    run = [m for m in muts if m.status is not None]
    count = {k: sum(1 for m in run if m.status == k)
             for k in ("killed", "survived", "timeout", "equivalent", "unbuildable")}
    judged = count["killed"] + count["survived"] + count["timeout"]
    # nothing judged (only equivalent mutants selected): nothing missed
    ratio = 100.0 * (count["killed"] + count["timeout"]) / judged if judged else 100.0
    kinds = {}
    for m in run:
        if m.status in ("killed", "survived", "timeout"):
            k = kinds.setdefault(m.kind, [0, 0])
            k[0] += 1
            k[1] += m.status != "survived"
    L = ["# Mutation run report", "",
         "Written by `make mutate` (scripts/mutate/mutate.py); how to run it and add a mutant:",
         "docs/testing.md.", "",
         "- commit: %s%s" % (commit, " (uncommitted changes)" if commit.endswith("+") else ""),
         "- selection: %s" % (only or "all mutants of tests/mutants/mutants.txt"),
         "- wall time: %d min %02d s (nice; %d mutant%s at a time, each in its own copy)"
         % (elapsed // 60, elapsed % 60, jobs, "" if jobs == 1 else "s"),
         "",
         "| mutants | killed | survived | timeout | equivalent | unbuildable |",
         "|---|---|---|---|---|---|",
         "| %d | %d | %d | %d | %d | %d |" % (len(run), count["killed"], count["survived"],
                                              count["timeout"], count["equivalent"],
                                              count["unbuildable"]),
         "",
         "Kill ratio of non-equivalent mutants: **%.1f %%** ((killed + timeout) / "
         "(killed + survived + timeout) = %d / %d; a timeout is a hang the tests "
         "turned into a failure).  Unbuildable mutants are errors of the list, "
         "not counted." % (ratio, count["killed"] + count["timeout"], judged),
         "",
         "By kind (detected / run, equivalent ones left out): "
         + ", ".join("%s %d/%d" % (k, v[1], v[0]) for k, v in sorted(kinds.items())),
         ""]
    surv = [m for m in run if m.status == "survived"]
    L += ["## Survivors", ""]
    if surv:
        L += ["Each needs a test that kills it or an `equivalent=` reason:", ""]
        L += ["    " + m.src for m in surv]
    else:
        L += ["None."]
    bad = [m for m in run if m.status == "unbuildable"]
    if bad:
        L += ["", "## Unbuildable (fix the list)", ""] + ["    " + m.src for m in bad]
    L += ["", "## Every mutant", "",
          "| id | file:line | kind | change | status | by | s |", "|---|---|---|---|---|---|---|"]
    for m in run:
        chg = ("`%s` -> `%s`" % (m.orig, m.repl)).replace("|", "\\|")
        L.append("| %s | %s:%d | %s | %s | %s | %s | %.0f |"
                 % (m.id, m.path, m.line, m.kind, chg, m.status,
                    m.detail.replace("|", "\\|"), m.seconds))
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")
    os.replace(path + ".tmp", path)
    return ratio, count


def git_commit(top):
    r = subprocess.run(["git", "-C", top, "rev-parse", "--short=12", "HEAD"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    c = r.stdout.decode().strip() or "unknown"
    d = subprocess.run(["git", "-C", top, "status", "--porcelain", "--untracked-files=no"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return c + ("+" if d.stdout.strip() else "")


def main():
    ap = argparse.ArgumentParser(description="k3sguard mutation run")
    ap.add_argument("--only", default=os.environ.get("MUTATE_ONLY", ""))
    ap.add_argument("--list", default="tests/mutants/mutants.txt")
    ap.add_argument("--map", default="tests/mutants/map.txt")
    ap.add_argument("--report", default=None,
                    help="default: tests/mutants/REPORT.md for a whole run, "
                         "$B-mutate/REPORT.md for a selection")
    ap.add_argument("--min", type=float, default=90.0)
    ap.add_argument("--timeout-floor", type=float, default=30.0)
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", "2")),
                    help="mutants at a time, each in its own copy (MUTATE_JOBS, default 2)")
    a = ap.parse_args()

    top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    b = os.environ.get("B", "build")
    base = b if os.path.isabs(b) else os.path.join(top, b)
    scratch = base.rstrip("/") + "-mutate"
    # copies tree, tree2, ...; each builds inside itself ("build"), where the
    # binary finds its data files (<exe dir>/../data)
    logs = os.path.join(scratch, "logs")
    os.makedirs(logs, exist_ok=True)
    if a.jobs < 1:
        die("--jobs must be at least 1")

    rules = parse_map(os.path.join(top, a.map))
    muts = parse_mutants(os.path.join(top, a.list), rules)
    if a.only:
        pats = a.only.split()
        muts = [m for m in muts if any(fnmatch.fnmatch(m.id, p) or fnmatch.fnmatch(m.path, p)
                                       for p in pats)]
        if not muts:
            die("MUTATE_ONLY=%r selects no mutant" % a.only)
    report = a.report or (os.path.join(scratch, "REPORT.md") if a.only
                          else os.path.join(top, "tests", "mutants", "REPORT.md"))

    t0 = time.monotonic()
    trees = [os.path.join(scratch, "tree" if i == 0 else "tree%d" % (i + 1))
             for i in range(a.jobs)]
    for tr in trees:
        os.makedirs(tr, exist_ok=True)
        sync_tree(top, tr)
    tree, bdir = trees[0], os.path.join(trees[0], "build")
    for m in muts:
        m.tests = resolve_tests(tree, m.tests)
        if not os.path.isfile(os.path.join(tree, m.path)):
            die("%s: no file %s" % (m.id, m.path))
    run = [m for m in muts if not m.equiv]
    all_units = sorted({u for m in run for u in unit_names(m.tests)})
    blog = os.path.join(logs, "base-build.log")
    open(blog, "w").close()
    for tr in trees:
        print("mutate: base build in %s" % os.path.join(tr, "build"), flush=True)
        if not build(tr, os.path.join(tr, "build"), all_units, blog, a.jobs):
            die("the unmutated tree does not build (see %s)" % blog)

    # The baseline: every test used must pass on the unmutated tree, or each
    # mutant it covers would count as killed for nothing.  Its time sets the
    # test's timeout.
    limit = {}
    needed = []
    for m in run:
        for t in m.tests:
            if t not in needed:
                needed.append(t)
    print("mutate: baseline of %d test files" % len(needed), flush=True)
    base_todo = queue.Queue()
    for t in needed:
        base_todo.put(t)
    base_bad = []

    def base_worker(i, tr):
        blog_i = os.path.join(logs, "baseline%s.log" % ("" if i == 0 else i + 1))
        while True:
            try:
                t = base_todo.get_nowait()
            except queue.Empty:
                return
            st, secs = run_one(tr, os.path.join(tr, "build"), t, 600, blog_i)
            with open(blog_i, "a") as f:
                f.write("== %s: %s in %.1f s\n" % (t, st, secs))
            if st != "pass":
                base_bad.append("test %s does not pass on the unmutated tree (%s, see %s)"
                                % (t, st, blog_i))
            limit[t] = max(a.timeout_floor, 4 * secs)

    for i in range(len(trees)):
        open(os.path.join(logs, "baseline%s.log" % ("" if i == 0 else i + 1)), "w").close()
    threads = [threading.Thread(target=base_worker, args=(i, tr)) for i, tr in enumerate(trees)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if base_bad:
        die("; ".join(base_bad))

    for m in muts:
        if m.equiv:
            m.status = "equivalent"
    todo = queue.Queue()
    for n, m in enumerate(run, 1):
        todo.put((n, m))
    stale = []

    stop = threading.Event()

    def worker(tr):
        bd = os.path.join(tr, "build")
        while not stop.is_set():
            try:
                n, m = todo.get_nowait()
            except queue.Empty:
                return
            run_mutant(tr, bd, m, limit, logs, a.jobs, stale)
            print("mutate: [%d/%d] %s %s:%d %s: %s %s (%.0f s)"
                  % (n, len(run), m.id, m.path, m.line, m.kind, m.status, m.detail,
                     m.seconds), flush=True)

    threads = [threading.Thread(target=worker, args=(tr,)) for tr in trees]
    for th in threads:
        th.start()
    try:
        for th in threads:
            while th.is_alive():
                th.join(1.0)
    except KeyboardInterrupt:
        # the mutants under way finish and are restored; no new one starts
        stop.set()
        for th in threads:
            th.join()
        die("interrupted; the copies are restored (no report written)")
    if stale:
        die("; ".join(stale))

    # leave the scratch builds matching their trees again
    for tr in trees:
        build(tr, os.path.join(tr, "build"), all_units, blog, a.jobs)
    elapsed = int(time.monotonic() - t0)
    ratio, count = write_report(report, muts, elapsed, git_commit(top), a.only, a.jobs)
    print("mutate: %d killed, %d survived, %d timeout, %d equivalent, %d unbuildable; "
          "kill ratio %.1f %%; %d s; report %s"
          % (count["killed"], count["survived"], count["timeout"], count["equivalent"],
             count["unbuildable"], ratio, elapsed, report))
    if count["unbuildable"]:
        return 2
    return 0 if ratio >= a.min else 1


if __name__ == "__main__":
    sys.exit(main())
