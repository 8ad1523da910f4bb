#!/usr/bin/env python3
"""Benchmark of `agent secret scan`: a 100 MB tree against 1,000 vault values.

Builds, in a temporary folder:
  - a tree of text files totalling 100 MB (source-like lines of random
    words and hex, 2,000 files of 50 KB);
  - a vault with 1,000 random values (20 to 60 characters) in 100 services,
    at the KDF floor (100,000 iterations) so that the KDF does not hide the
    search;
  - five planted copies (exact, base64, URL-encoded, base64 wrapped at 76
    columns with CRLF, hex wrapped at 60 columns like `xxd -p`) so the run
    has findings to report, which proves the search ran.

Then times, fastest of --runs runs each, in the same run:
  1. `agent secret scan DIR` (release build), whole process;
  2. `agent secret list` on the same vault (no password, no KDF) and the
     bare KDF (`bench_kdf` example) as the fixed costs inside (1);
  3. `cat` of every file and `grep -rF` of one fixed string over the tree:
     the cost of reading 100 MB at all.

Target: scan <= 3 s. Prints the figures and "ok" or "MISSED"; exit 0 always
(a report, not a test). Usage: python3 scripts/bench-scan.py [--runs N]
"""

import argparse
import base64
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENT = os.path.join(ROOT, "target", "release", "agent")
BENCH_KDF = os.path.join(ROOT, "target", "release", "examples", "bench_kdf")
PASSWORD = "Bench-Fake-Password-42"  # a throw-away password for a throw-away vault
TREE_BYTES = 100 * 1000 * 1000
FILES = 2000
VALUES = 1000
TARGET_SECONDS = 3.0

WORDS = ("let value config return match self error file line path open read write "
         "struct impl pub fn use mod test assert vault secret service key token").split()


def env_for(vault):
    env = dict(os.environ)
    env["AGENT_SECRETS_DIR"] = vault
    env["AGENT_SECRETS_PASSWORD"] = PASSWORD
    return env


def timed(args, env=None, expect=(0,), stdin=None, cwd=None):
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, input=stdin, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in expect:
        sys.exit(f"{args[:3]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    return elapsed


def best(runs, fn):
    return min(fn() for _ in range(runs))


def make_tree(tree, rng):
    per_file = TREE_BYTES // FILES
    for i in range(FILES):
        sub = os.path.join(tree, f"pkg{i % 40:02d}")
        os.makedirs(sub, exist_ok=True)
        lines, size = [], 0
        while size < per_file:
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
            line = f"    {words} = 0x{rng.getrandbits(64):016x}; // {rng.randint(0, 10**6)}\n"
            lines.append(line)
            size += len(line)
        with open(os.path.join(sub, f"file{i:04d}.rs"), "w") as f:
            f.write("".join(lines)[:per_file])


def make_vault(vault, rng):
    """1,000 random values: one `import --dotenv` per service when the CLI
    has it, else one `set --value-stdin` per value (a KDF each, ~20 s)."""
    env = env_for(vault)
    subprocess.run([AGENT, "secret", "init", "--iterations", "100000"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    alphabet = string.ascii_letters + string.digits + "+/=-_"
    values = []
    for i in range(VALUES):
        values.append((f"svc{i // 10:03d}", f"key_{i % 10}",
                       "".join(rng.choice(alphabet) for _ in range(rng.randint(20, 60)))))
    has_import = subprocess.run([AGENT, "secret", "import", "--help"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).returncode == 0
    done = False
    if has_import:
        by_service = {}
        for s, k, v in values:
            by_service.setdefault(s, []).append((k, v))
        ok = True
        for s, pairs in by_service.items():
            path = os.path.join(os.path.dirname(vault), "import.env")
            with open(path, "w") as f:
                for k, v in pairs:
                    f.write(f"{k.upper()}='{v}'\n")
            r = subprocess.run([AGENT, "secret", "import", "--dotenv", path, "--service", s],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.remove(path)
            if r.returncode != 0:
                ok = False
                break
        done = ok
    if not done:
        for s, k, v in values:
            subprocess.run([AGENT, "secret", "set", s, k, "--value-stdin"], env=env,
                           input=v.encode(), check=True, stdout=subprocess.DEVNULL)
    return values


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "agent-cli", "--bin", "agent",
                    "--example", "bench_kdf"], cwd=ROOT, check=True)
    rng = random.Random(20261128)
    work = tempfile.mkdtemp(prefix="bench-scan-")
    try:
        tree = os.path.join(work, "tree")
        vault = os.path.join(work, "vault")
        make_tree(tree, rng)
        values = make_vault(vault, rng)
        listed = subprocess.run([AGENT, "secret", "list", "--json"], env=env_for(vault),
                                stdout=subprocess.PIPE, check=True).stdout.decode()
        stored = listed.count('"key":')
        _, _, v = values[500]
        wrapped = base64.b64encode(f"# generated\nOTHER=1\nKEY={v}\n".encode()).decode()
        hexed = v.encode().hex()
        plants = {
            "exact": v,
            "base64": base64.b64encode(v.encode()).decode(),
            "urlencoded": urllib.parse.quote(v, safe="-._~"),
            "base64-76": "\r\n".join(wrapped[i:i + 76] for i in range(0, len(wrapped), 76)),
            "hex": "\n".join(hexed[i:i + 60] for i in range(0, len(hexed), 60)),
        }
        for form, text in plants.items():
            with open(os.path.join(tree, f"planted-{form}.txt"), "w") as f:
                f.write(f"x = 1\nleak = {text}\n")
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(tree) for f in fs)
        files = [os.path.join(d, f) for d, _, fs in os.walk(tree) for f in fs]

        env = env_for(vault)
        proc = subprocess.run([AGENT, "secret", "scan", tree], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        found = proc.stdout.decode().splitlines()
        if proc.returncode != 8 or len(found) != len(plants) or any(t in proc.stdout.decode() for t in plants.values()):
            sys.exit(f"unexpected scan result ({proc.returncode}): {len(found)} findings")

        scan = best(args.runs, lambda: timed([AGENT, "secret", "scan", tree], env, expect=(8,)))
        lst = best(args.runs, lambda: timed([AGENT, "secret", "list"], env))
        kdf = None
        if os.path.exists(BENCH_KDF):
            out = subprocess.run([BENCH_KDF, "100000"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL).stdout.decode().strip()
            kdf = json.loads(out)["min_s"]
        cat = best(args.runs, lambda: timed(["sh", "-c", 'find "$0" -type f -exec cat {} + >/dev/null', tree]))
        grep = best(args.runs, lambda: timed(["grep", "-rF", "--", "no-such-needle-zq", tree], expect=(1,)))

        print(f"tree: {len(files)} files, {size / 1e6:.1f} MB; vault: {stored} values "
              f"in {VALUES // 10} services (KDF 100,000 iterations)")
        print(f"  agent secret scan DIR      {scan:6.3f} s   "
              f"(target <= {TARGET_SECONDS:.0f} s: {'ok' if scan <= TARGET_SECONDS else 'MISSED'}); "
              f"{len(plants)} planted copies found, none printed")
        print(f"  agent secret list (fixed)  {lst:6.3f} s")
        if kdf:
            print(f"  bare KDF (bench_kdf)       {kdf:6.3f} s")
        print(f"  cat of every file          {cat:6.3f} s")
        print(f"  grep -rF one string        {grep:6.3f} s")
        print(f"  scan / grep -rF            {scan / grep:6.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
