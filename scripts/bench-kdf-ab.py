#!/usr/bin/env python3
"""The password key's PBKDF2 of two builds side by side: this checkout
against another revision (by default the last one with the core's own
PBKDF2 loop, before the `pbkdf2` crate replaced it).

Both builds are release builds of the real code paths (`bench_kdf`, the
bare derivation in process, and `agent secret get --show`, the whole
command), so what differs is only what the revisions differ in: inlining
and code placement move a tight loop by several per cent, which a copy of
one implementation compiled into a benchmark beside the other would not
show. The runs alternate, in turn order, so both builds see the same
machine load; each pair gives one ratio, and the median ratio is the
result (robust to load that changes during the run).

With --instructions, the bare derivation of each build also runs once
under valgrind's cachegrind, which counts the instructions executed: the
same figure whatever else the machine is doing (a loaded machine moves the
timed ratio by several per cent from one run to the next). Valgrind does
not offer the CPU's SHA extensions to the program, so this counts SHA-256
in software, the code WebAssembly (Node, the dashboard) and CPUs without
those extensions run; natively, with them, the compression is a few
instructions and the code around it weighs more. Fewer instructions is not
the same as less time, so both are printed.

Usage: python3 scripts/bench-kdf-ab.py [--rev REV] [--pairs N] [--iterations N] [--instructions]
The other revision is exported with `git archive` and built in
target/kdf-ab/<rev>/ under this checkout's own target folder (kept, so a
second run is quick; about 400 MB, delete it when done).
Exit status 0 always (a report, not a test).
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import tarfile
import tempfile
import time

from benchlib import AGENT, EXAMPLES, ROOT, env_for

# The last commit whose core derived the password key with its own loop.
LOOP_REV = "12a9c4560f5a59c59e70201f0c16e862e63bb210"


def build_other(rev):
    """Release `agent` and `bench_kdf` of `rev`; returns (agent, bench_kdf)."""
    full = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout.strip()
    base = os.path.join(ROOT, "target", "kdf-ab", full[:12])
    src = os.path.join(base, "src")
    if not os.path.isdir(src):
        archive = subprocess.run(["git", "archive", full], cwd=ROOT, check=True, capture_output=True).stdout
        os.makedirs(src)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(src, filter="data")
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(base, "target"))
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "agent-cli", "--bin", "agent",
                    "--example", "bench_kdf"], cwd=src, env=env, check=True)
    out = os.path.join(base, "target", "release")
    return os.path.join(out, "agent"), os.path.join(out, "examples", "bench_kdf")


def kdf_ms(bench_kdf, iterations):
    out = subprocess.run([bench_kdf, str(iterations), "3"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["median_s"] * 1000


def kdf_instructions(bench_kdf, iterations):
    """Instructions one derivation of `iterations` executes (valgrind's count)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cachegrind.out")
        subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}",
                        bench_kdf, str(iterations), "1"], check=True, capture_output=True)
        with open(out) as f:
            for line in f:
                if line.startswith("summary:"):
                    return int(line.split()[1])
    raise RuntimeError("cachegrind wrote no summary")


def get_ms(agent, env):
    start = time.perf_counter()
    subprocess.run([agent, "secret", "get", "openai", "api_key", "--show"], env=env, check=True,
                   capture_output=True)
    return (time.perf_counter() - start) * 1000


def side_by_side(label, pairs, this, other):
    """Alternates `this()` and `other()`; prints medians and the median ratio."""
    mine, theirs = [], []
    for i in range(pairs):
        if i % 2:
            theirs.append(other())
            mine.append(this())
        else:
            mine.append(this())
            theirs.append(other())
    ratios = [m / t for m, t in zip(mine, theirs)]
    print(f"{label:34s} this {statistics.median(mine):7.1f} ms   other {statistics.median(theirs):7.1f} ms   "
          f"this / other, pair by pair: median {statistics.median(ratios):.3f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rev", default=LOOP_REV, help="the revision to compare with")
    ap.add_argument("--pairs", type=int, default=20)
    ap.add_argument("--iterations", type=int, default=600_000)
    ap.add_argument("--instructions", action="store_true",
                    help="also count the instructions of one derivation under valgrind (slow: about 50x)")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "agent-cli", "--bin", "agent",
                    "--example", "bench_kdf"], cwd=ROOT, check=True)
    other_agent, other_kdf = build_other(a.rev)
    this_kdf = os.path.join(EXAMPLES, "bench_kdf")
    print(f"== this checkout against {a.rev[:12]}, {a.iterations} iterations, {a.pairs} pairs ==")
    side_by_side("bare PBKDF2 (bench_kdf, median of 3)", a.pairs,
                 lambda: kdf_ms(this_kdf, a.iterations), lambda: kdf_ms(other_kdf, a.iterations))
    if a.instructions:
        n = min(a.iterations, 100_000)
        mine, theirs = kdf_instructions(this_kdf, n), kdf_instructions(other_kdf, n)
        print(f"{'instructions, one derivation of ' + str(n):34s} this {mine / 1e6:7.1f} M    other {theirs / 1e6:7.1f} M    "
              f"this / other: {mine / theirs:.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        # Each build reads a vault it made itself: the other revision may
        # predate a change of the format.
        envs = {}
        for name, agent in (("this", AGENT), ("other", other_agent)):
            env = env_for(os.path.join(tmp, name))
            subprocess.run([agent, "secret", "init", "--iterations", str(a.iterations)], env=env, check=True,
                           capture_output=True)
            subprocess.run([agent, "secret", "set", "openai", "api_key", "--value-stdin"], env=env, check=True,
                           input=b"sk-fake-bench", capture_output=True)
            envs[name] = env
        side_by_side("agent secret get --show, whole", a.pairs,
                     lambda: get_ms(AGENT, envs["this"]), lambda: get_ms(other_agent, envs["other"]))


if __name__ == "__main__":
    main()
