#!/usr/bin/env python3
"""Mutation check: do the CPU tests notice small realistic bugs?

Each mutant in mutants.py replaces one exact snippet of one source file. For every mutant
this script copies the tree into a scratch directory (the checkout itself is never edited),
applies the mutant there, rebuilds incrementally without CUDA, runs `flashscope_tests
"~[gpu]"` and records the outcome. Mutants of kernels/, scenarios/ and the command line
(app/cli.cpp, app/commands.cpp) use a build without the window, which their tests do not
need; mutants of viz/ and the panels use a second build with it (the viz and shot tests;
shot runs under xvfb-run when there is no display). The outcomes:

  killed        the build succeeded and the tests failed (or ran past the time limit)
  survived      the build succeeded and every test passed: a bug the tests cannot see
  build-failed  the mutant does not compile: a broken mutant, to be fixed in mutants.py

Usage (from anywhere in the repository):
  tests/mutation/run.sh --list                   the mutants, one a line
  tests/mutation/run.sh --all                    every mutant (about 10 s each on 2 cores)
  tests/mutation/run.sh --subset 8               8 mutants drawn with the seed below
  tests/mutation/run.sh --subset 8 --rotate S    ... drawn with seed S (default: HEAD's hash)
  tests/mutation/run.sh --subset 16 --max-seconds 1200   ... starting no mutant after 20 minutes
  tests/mutation/run.sh --only NAME[,NAME...]    the named mutants
  tests/mutation/run.sh --all --tests-from REV   the tests (tests/, CMakeLists.txt) of REV
  tests/mutation/run.sh --only NAME --tests "test name"   does that one test kill NAME?
  tests/mutation/run.sh --guards                 each mutant against the test named as its guard

Exit status: 0 when every mutant run was killed; 1 when one survived, failed to build, or
its snippet is no longer in the source (stale); 2 when the unmutated tree fails its tests
or the command line is wrong.
"""

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mutants import MUTANTS  # noqa: E402


def git(root, *args, binary=False):
    out = subprocess.run(["git", "-C", root, *args], check=True, capture_output=True)
    return out.stdout if binary else out.stdout.decode()


def repo_root():
    here = os.path.dirname(os.path.abspath(__file__))
    return git(here, "rev-parse", "--show-toplevel").strip()


def source_files(root, tests_from):
    """Path -> bytes of the tree to test: tracked and untracked-but-not-ignored files of the
    checkout, with tests/ and CMakeLists.txt taken from revision `tests_from` if given."""
    files = {}
    listed = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for path in sorted(set(p for p in listed.split("\0") if p)):
        if path.startswith("tests/mutation/"):
            continue  # the mutation check itself is not part of the tree under test
        if tests_from and (path.startswith("tests/") or path == "CMakeLists.txt"):
            continue
        full = os.path.join(root, path)
        if os.path.isfile(full) and not os.path.islink(full):
            with open(full, "rb") as f:
                files[path] = f.read()
    if tests_from:
        names = git(root, "ls-tree", "-r", "-z", "--name-only", tests_from, "--",
                    "tests", "CMakeLists.txt")
        for path in (p for p in names.split("\0") if p):
            files[path] = git(root, "show", f"{tests_from}:{path}", binary=True)
    return files


def sync_tree(dest, files):
    """Makes dest hold exactly `files`, rewriting only what differs so that the incremental
    build recompiles only what changed."""
    os.makedirs(dest, exist_ok=True)
    for path, content in files.items():
        full = os.path.join(dest, path)
        try:
            with open(full, "rb") as f:
                if f.read() == content:
                    continue
        except OSError:
            pass
        os.makedirs(os.path.dirname(full), exist_ok=True)
        write_file(full, content)
    for base, _dirs, names in os.walk(dest):
        for name in names:
            full = os.path.join(base, name)
            if os.path.relpath(full, dest) not in files:
                os.remove(full)


def write_file(path, content):
    with open(path, "wb") as f:
        f.write(content)
    # A fresh mtime even within one clock tick, so the build always sees the change.
    now = time.time()
    st = os.stat(path)
    os.utime(path, (now, max(now, st.st_mtime + 0.001)))


def run(cmd, cwd, timeout):
    """(exit code or None on timeout, combined output, seconds). On timeout the command and
    everything it started (the CLI tests run flashscope) are stopped together."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace"), time.monotonic() - t0
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return None, out.decode(errors="replace"), time.monotonic() - t0


# app/ files that build without the window; every other app/ file and viz/ need it.
HEADLESS_APP_FILES = {"cli.cpp", "cli.h", "commands.cpp", "commands.h", "main.cpp", "gl_choice.cpp", "gl_choice.h",
                      "throughput_model.cpp", "throughput_model.h", "ladder_worker.cpp", "ladder_worker.h"}


def needs_window(mutant):
    if mutant.path.startswith("viz/"):
        return True
    return mutant.path.startswith("app/") and os.path.basename(mutant.path) not in HEADLESS_APP_FILES


class Scratch:
    def __init__(self, path, jobs, test_timeout, window, test_spec):
        self.src = os.path.join(path, "src")
        self.build = os.path.join(path, "build-window" if window else "build")
        self.window = window
        self.jobs = jobs
        self.test_timeout = test_timeout
        self.test_spec = test_spec

    def configure(self):
        if os.path.exists(os.path.join(self.build, "CMakeCache.txt")):
            return True
        gen = ["-G", "Ninja"] if shutil.which("ninja") else []
        code, out, _ = run(["cmake", "-S", self.src, "-B", self.build, *gen,
                            "-DFS_ENABLE_CUDA=OFF",
                            "-DFS_ENABLE_GUI=" + ("ON" if self.window else "OFF"),
                            "-DCMAKE_BUILD_TYPE=Release"], self.src, 600)
        if code != 0:
            print(out[-3000:])
        return code == 0

    def compile(self):
        code, out, secs = run(["cmake", "--build", self.build, "-j", str(self.jobs)],
                              self.src, 1800)
        return code == 0, out, secs

    def test(self, spec=None):
        # --abort: the first failing assertion is enough to call a mutant killed.
        code, out, secs = run([os.path.join(self.build, "flashscope_tests"), spec or self.test_spec,
                               "--abort", "--reporter", "compact"],
                              self.build, self.test_timeout)
        return code, out, secs


def test_spec_of(name):
    """A Catch2 test spec that selects exactly the test case called `name`."""
    return "".join("\\" + c if c in ",[]\\~*" else c for c in name)


def first_failure(output):
    for line in output.splitlines():
        if "failed:" in line or "FAILED" in line:
            return line.strip()[:160]
    lines = [l for l in output.splitlines() if l.strip()]
    return lines[-1].strip()[:160] if lines else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--all", action="store_true", help="run every mutant")
    what.add_argument("--subset", type=int, metavar="K", help="run K mutants drawn by --rotate")
    what.add_argument("--only", metavar="NAMES", help="comma-separated mutant names")
    what.add_argument("--list", action="store_true", help="list the mutants and exit")
    what.add_argument("--guards", action="store_true",
                      help="run each mutant that names a guard test against that test alone")
    ap.add_argument("--rotate", metavar="SEED",
                    help="seed of the --subset draw (default: the hash of HEAD)")
    ap.add_argument("--tests-from", metavar="REV",
                    help="take tests/ and CMakeLists.txt from this git revision")
    ap.add_argument("--scratch", metavar="DIR",
                    help="scratch directory, kept between runs for incremental builds "
                         "(default: $FS_MUTATION_DIR or a directory under /tmp named after "
                         "the checkout)")
    ap.add_argument("--tests", default="~[gpu]", metavar="SPEC",
                    help="Catch2 test spec to run (default ~[gpu]); e.g. one test's name, to "
                         "show that this test alone kills a mutant")
    ap.add_argument("--jobs", type=int, default=2, help="parallel build jobs (default 2)")
    ap.add_argument("--max-seconds", type=int, default=0, metavar="S",
                    help="start no further mutant after S seconds (0: no limit); those not run are listed")
    ap.add_argument("--test-timeout", type=int, default=300,
                    help="seconds before a test run counts as hung, i.e. killed (default 300)")
    args = ap.parse_args()

    names = [m.name for m in MUTANTS]
    if len(set(names)) != len(names):
        sys.exit("mutants.py: duplicate mutant names")
    if args.list:
        for m in MUTANTS:
            where = m.path + (" (window)" if needs_window(m) else "")
            print(f"{m.name:34} {where:35} {m.why}")
        print(f"{len(MUTANTS)} mutants")
        return 0

    root = repo_root()
    files = source_files(root, args.tests_from)

    # Every snippet must still be in the source exactly once, whichever subset runs, so that
    # a change to the code that makes a mutant stale is noticed on the next run.
    stale = []
    for m in MUTANTS:
        content = files.get(m.path, b"").decode(errors="replace")
        if content.count(m.original) != 1:
            stale.append(f"{m.name}: {m.path} holds the snippet {content.count(m.original)} "
                         "times (must be exactly once)")
    for s in stale:
        print("stale mutant: " + s)

    if args.all:
        chosen = list(MUTANTS)
    elif args.guards:
        chosen = [m for m in MUTANTS if m.guard]
    elif args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            print("unknown mutants: " + ", ".join(unknown))
            return 2
        chosen = [m for m in MUTANTS if m.name in wanted]
    else:
        seed = args.rotate
        if seed is None:
            try:
                seed = git(root, "rev-parse", "HEAD").strip()
            except subprocess.CalledProcessError:
                seed = "no-commit"
        k = max(0, min(args.subset, len(MUTANTS)))
        chosen = random.Random(seed).sample(list(MUTANTS), k)
        chosen.sort(key=lambda m: names.index(m.name))
        print(f"mutation subset: {k} of {len(MUTANTS)}, seed {seed} "
              f"(repeat with --subset {k} --rotate {seed})")
    stale_names = {s.split(":")[0] for s in stale}
    chosen = [m for m in chosen if m.name not in stale_names]

    tag = hashlib.sha1((root + "|" + (args.tests_from or "")).encode()).hexdigest()[:10]
    path = args.scratch or os.environ.get("FS_MUTATION_DIR") or os.path.join(
        tempfile.gettempdir(), f"flashscope-mutation-{tag}")
    print(f"scratch tree: {path}" + (f" (tests from {args.tests_from})" if args.tests_from else ""))
    sync_tree(os.path.join(path, "src"), files)
    t0 = time.monotonic()

    builds = {}

    def build_for(window):
        """The scratch build with or without the window, built and tested unmutated once."""
        if window in builds:
            return builds[window]
        scratch = Scratch(path, args.jobs, args.test_timeout, window, args.tests)
        what = "with the window" if window else "without the window"
        if not scratch.configure():
            print(f"mutation: cmake could not configure the scratch tree {what}")
            sys.exit(2)
        ok, out, secs = scratch.compile()
        if not ok:
            print(out[-4000:])
            print(f"mutation: the unmutated tree does not build {what}")
            sys.exit(2)
        code, out, tsecs = scratch.test()
        if code != 0:
            print(out[-4000:])
            print(f"mutation: the unmutated tree fails its own tests {what}; nothing to compare against")
            sys.exit(2)
        print(f"unmutated tree {what}: built in {secs:.0f} s, tests pass in {tsecs:.1f} s")
        builds[window] = scratch
        return scratch

    chosen.sort(key=needs_window)  # the build without the window first, each built once

    results = []
    not_run = []
    for i, m in enumerate(chosen, 1):
        # A mutant of a header that everything includes rebuilds most of the tree: CI's time
        # budget bounds the run, and the mutants it had no time for are named, not counted.
        if args.max_seconds and time.monotonic() - t0 > args.max_seconds:
            not_run = chosen[i - 1:]
            break
        scratch = build_for(needs_window(m))
        full = os.path.join(scratch.src, m.path)
        original = files[m.path]
        mutated = original.decode().replace(m.original, m.replacement, 1).encode()
        write_file(full, mutated)
        try:
            ok, out, bsecs = scratch.compile()
            if not ok:
                status, detail, tsecs = "build-failed", first_failure(out), 0.0
            else:
                code, out, tsecs = scratch.test(test_spec_of(m.guard) if args.guards else None)
                if code is None:
                    status, detail = "killed", f"the tests ran past {args.test_timeout} s"
                elif code != 0:
                    status, detail = "killed", first_failure(out)
                else:
                    status, detail = "survived", m.why
        finally:
            write_file(full, original)
        results.append((m, status))
        print(f"[{i:2}/{len(chosen)}] {status:12} {m.name:34} {bsecs + tsecs:5.0f} s  {detail}",
              flush=True)

    killed = sum(1 for _, s in results if s == "killed")
    survived = [m for m, s in results if s == "survived"]
    broken = [m for m, s in results if s == "build-failed"]
    valid = killed + len(survived)
    score = f"{100.0 * killed / valid:.1f}% killed" if valid else "nothing run"
    print(f"mutation: {killed} killed, {len(survived)} survived, {len(broken)} build-failed "
          f"of {len(results)} ({score}); {time.monotonic() - t0:.0f} s")
    if not_run:
        print(f"  not run (past --max-seconds {args.max_seconds}): " + ", ".join(m.name for m in not_run))
    for m in survived:
        print(f"  survived: {m.name} ({m.path}): {m.why}")
    for m in broken:
        print(f"  build-failed: {m.name} ({m.path}): fix the mutant in tests/mutation/mutants.py")
    return 1 if survived or broken or stale else 0


if __name__ == "__main__":
    sys.exit(main())
